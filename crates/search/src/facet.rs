//! Facet counts: how many of the matching projects have each language, topic, department, license
//! and maturity, read from the per-segment copies of those fields' FAST columns (see
//! `segment_data`) over the set of matching documents (see `matching`).
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
use tantivy::schema::Field;

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
