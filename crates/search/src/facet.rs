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
        let order = |a: &(u64, &str), b: &(u64, &str)| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1));
        // Only the first few are shown: select them, then sort those (a topic facet has
        // hundreds of values).
        if all.len() > MAX_FACET_VALUES {
            all.select_nth_unstable_by(MAX_FACET_VALUES - 1, order);
        }
        let split = all.len().min(MAX_FACET_VALUES);
        let (top, rest) = all.split_at_mut(split);
        top.sort_unstable_by(order);
        let mut extra: Vec<(u64, &str)> = rest
            .iter()
            .copied()
            .filter(|(_, value)| chosen.iter().any(|c| c == value))
            .collect();
        extra.sort_unstable_by(order);
        let kept: Vec<FacetCount> = top
            .iter()
            .chain(&extra)
            .map(|&(count, value)| FacetCount {
                value: value.to_owned(),
                count,
            })
            .collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_frequent_values_are_kept_in_order_with_the_chosen_ones() {
        // 30 values: v00 … v29, counts 1…30 except two ties at the top, one value never seen.
        let values: Vec<Arc<str>> = (0..30).map(|i| Arc::from(format!("v{i:02}"))).collect();
        let mut counts: Vec<u64> = (1..=30).collect();
        counts[28] = 30; // v28 ties v29; v28 first by value
        counts[0] = 0; // v00 is not counted
        let mut facets = Facets::default();
        let chosen = ["v01".to_owned(), "v00".to_owned(), "v03".to_owned()];
        facets.set(FacetField::Topic, &counts, &values, &chosen);
        let got: Vec<(&str, u64)> = facets
            .topic
            .iter()
            .map(|c| (c.value.as_str(), c.count))
            .collect();
        let mut expected: Vec<(&str, u64)> = vec![("v28", 30), ("v29", 30)];
        expected.extend((10..28).rev().map(|i| (&*values[i], counts[i])));
        // Chosen values below the cut follow, most frequent first; one never counted is absent.
        expected.extend([("v03", 4), ("v01", 2)]);
        assert_eq!(got, expected);
    }
}
