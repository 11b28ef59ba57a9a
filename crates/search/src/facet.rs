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

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::schema::Field;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::Fields;

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

    /// The schema field, whose FAST column is read by name.
    fn column(self) -> &'static str {
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
    pub(crate) fn set(&mut self, facet: FacetField, counts: &Counts, chosen: &[String]) {
        let mut all: Vec<FacetCount> = counts
            .iter()
            .map(|(value, count)| FacetCount {
                value: value.clone(),
                count: *count,
            })
            .collect();
        all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let mut kept: Vec<FacetCount> = Vec::with_capacity(MAX_FACET_VALUES);
        for (rank, entry) in all.into_iter().enumerate() {
            if rank < MAX_FACET_VALUES || chosen.contains(&entry.value) {
                kept.push(entry);
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

/// Documents per value of one facet.
pub(crate) type Counts = HashMap<String, u64>;
/// Documents per value, per facet counted.
pub(crate) type FacetCounts = BTreeMap<FacetField, Counts>;

/// Counts the values of several facets over the matching documents.
pub(crate) struct FacetCollector {
    facets: Vec<FacetField>,
}

impl FacetCollector {
    pub(crate) fn new(facets: Vec<FacetField>) -> Self {
        Self { facets }
    }
}

pub(crate) struct FacetSegmentCollector {
    /// Per facet: its column in this segment (absent when no document of the segment has a
    /// value) and a count per term ordinal of the column's dictionary.
    columns: Vec<(FacetField, Option<StrColumn>, Vec<u64>)>,
}

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let columns = self
            .facets
            .iter()
            .map(|&facet| {
                let column = reader.fast_fields().str(facet.column())?;
                let terms = column.as_ref().map_or(0, |c| c.num_terms());
                Ok((facet, column, vec![0; terms]))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(FacetSegmentCollector { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<FacetCounts>) -> tantivy::Result<Self::Fruit> {
        let mut merged: FacetCounts = self.facets.iter().map(|&f| (f, Counts::new())).collect();
        for segment in segments {
            for (facet, counts) in segment {
                let total = merged.entry(facet).or_default();
                for (value, count) in counts {
                    *total.entry(value).or_default() += count;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (_, column, counts) in &mut self.columns {
            let Some(column) = column else { continue };
            // The indexer writes each value once per document (topics are deduplicated), so
            // each ordinal here is one document.
            for ord in column.term_ords(doc) {
                if let Some(count) = usize::try_from(ord).ok().and_then(|i| counts.get_mut(i)) {
                    *count += 1;
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut fruit = BTreeMap::new();
        for (facet, column, counts) in self.columns {
            let mut values = Counts::new();
            if let Some(column) = column {
                // The counted ordinals, ascending, resolved in one pass over the dictionary
                // (looking each one up alone decodes its dictionary block again every time).
                let (ords, counted): (Vec<u64>, Vec<u64>) = counts
                    .into_iter()
                    .enumerate()
                    .filter(|&(_, count)| count > 0)
                    .map(|(ord, count)| (ord as u64, count))
                    .unzip();
                let mut counted = counted.into_iter();
                // A dictionary read fails only on a corrupt segment; its values are then skipped.
                let _ = column.dictionary().sorted_ords_to_term_cb(&ords, |term| {
                    if let (Some(count), Ok(value)) = (counted.next(), std::str::from_utf8(term)) {
                        values.insert(value.to_owned(), count);
                    }
                });
            }
            fruit.insert(facet, values);
        }
        fruit
    }
}
