//! Facet counts: how many of the matching projects have each language, topic, department, license
//! and maturity, read from the FAST (columnar) copies of those fields by a collector that runs in
//! the same pass as the hits.
//!
//! The counts follow the usual faceted-search convention: a facet is counted over the current
//! query and visibility and every *other* filter, but not its own, so that choosing `Rust` still
//! shows how many `Go` projects there are (choosing `Go` too widens the result to both). For a
//! facet without a chosen value this is simply "the current results", and the count shown for a
//! value is exactly the total that choosing it gives. Only documents the query matched reach the
//! collector, and the query always includes the caller's visibility filter, so counts never
//! reveal a hidden project.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::schema::Field;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::Fields;
use crate::segment_data::{SearcherData, SegmentData};

/// At most this many values per facet, most frequent first (plus any value the caller chose).
pub const MAX_FACET_VALUES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FacetField {
    Language,
    Topic,
    Department,
    License,
    Maturity,
}

impl FacetField {
    pub const ALL: [FacetField; 5] = [
        FacetField::Language,
        FacetField::Topic,
        FacetField::Department,
        FacetField::License,
        FacetField::Maturity,
    ];

    /// Position in `ALL`.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The schema field, whose FAST column is read by name.
    pub(crate) fn column(self) -> &'static str {
        match self {
            FacetField::Language => "language",
            FacetField::Topic => "topic",
            FacetField::Department => "department",
            FacetField::License => "license",
            FacetField::Maturity => "maturity",
        }
    }

    pub(crate) fn field(self, f: &Fields) -> Field {
        match self {
            FacetField::Language => f.language,
            FacetField::Topic => f.topic,
            FacetField::Department => f.department,
            FacetField::License => f.license,
            FacetField::Maturity => f.maturity,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Value counts per facet, most frequent first, ties by value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub language: Vec<FacetCount>,
    pub topic: Vec<FacetCount>,
    pub department: Vec<FacetCount>,
    pub license: Vec<FacetCount>,
    pub maturity: Vec<FacetCount>,
}

impl Facets {
    pub fn get(&self, facet: FacetField) -> &[FacetCount] {
        match facet {
            FacetField::Language => &self.language,
            FacetField::Topic => &self.topic,
            FacetField::Department => &self.department,
            FacetField::License => &self.license,
            FacetField::Maturity => &self.maturity,
        }
    }

    /// Sets one facet from its full counts: the `MAX_FACET_VALUES` most frequent values, plus the
    /// values chosen in its filter (so a chosen value never vanishes from its own list).
    /// `counts` holds a count per value id, `values` each id's value.
    pub(crate) fn set(
        &mut self,
        facet: FacetField,
        counts: &[u64],
        values: &[Arc<str>],
        chosen: &[String],
    ) {
        let mut all: Vec<(u64, &str)> = counts
            .iter()
            .zip(values)
            .filter(|&(&count, _)| count > 0)
            .map(|(&count, value)| (count, &**value))
            .collect();
        all.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let mut kept: Vec<FacetCount> = Vec::with_capacity(MAX_FACET_VALUES);
        for (rank, (count, value)) in all.into_iter().enumerate() {
            if rank < MAX_FACET_VALUES || chosen.iter().any(|c| c == value) {
                kept.push(FacetCount {
                    value: value.to_owned(),
                    count,
                });
            }
        }
        let slot = match facet {
            FacetField::Language => &mut self.language,
            FacetField::Topic => &mut self.topic,
            FacetField::Department => &mut self.department,
            FacetField::License => &mut self.license,
            FacetField::Maturity => &mut self.maturity,
        };
        *slot = kept;
    }
}

/// Documents per value id of one facet (see `segment_data`: ids are shared by all segments).
pub(crate) type Counts = Vec<u64>;
/// Documents per value id, per facet counted.
pub(crate) type FacetCounts = BTreeMap<FacetField, Counts>;

/// Counts the values of several facets over the matching documents.
pub(crate) struct FacetCollector {
    facets: Vec<FacetField>,
    data: Arc<SearcherData>,
}

impl FacetCollector {
    /// Counts `facets`, reading values from `data` (prepared for the searcher it runs on).
    pub(crate) fn new(facets: Vec<FacetField>, data: &Arc<SearcherData>) -> Self {
        Self {
            facets,
            data: Arc::clone(data),
        }
    }
}

pub(crate) struct FacetSegmentCollector {
    segment: Arc<SegmentData>,
    /// Per facet counted: the facet, and a count per value id.
    counts: Vec<(FacetField, Vec<u32>)>,
}

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let counts = self
            .facets
            .iter()
            .map(|&facet| (facet, vec![0; self.data.values(facet).len()]))
            .collect();
        Ok(FacetSegmentCollector {
            segment: Arc::clone(self.data.segment(reader)?),
            counts,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<FacetCounts>) -> tantivy::Result<Self::Fruit> {
        let mut merged: FacetCounts = self
            .facets
            .iter()
            .map(|&f| (f, vec![0; self.data.values(f).len()]))
            .collect();
        for segment in segments {
            for (facet, counts) in segment {
                let total = merged.entry(facet).or_default();
                if total.len() < counts.len() {
                    total.resize(counts.len(), 0);
                }
                for (sum, count) in total.iter_mut().zip(counts) {
                    *sum += count;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetCounts;

    #[inline]
    fn collect(&mut self, doc: DocId, _score: Score) {
        for (facet, counts) in &mut self.counts {
            // The indexer writes each value once per document (topics are deduplicated), so
            // each id here is one document.
            self.segment.facets[facet.index()].for_each(doc, |id| {
                if let Some(count) = counts.get_mut(id as usize) {
                    *count += 1;
                }
            });
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.counts
            .into_iter()
            .map(|(facet, counts)| (facet, counts.into_iter().map(u64::from).collect()))
            .collect()
    }
}
