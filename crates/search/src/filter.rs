//! Filters: exact terms on untokenised fields, several values of one filter ORed (`Rust` or `Go`),
//! different filters ANDed (`Rust` and `finance`). A filter narrows the result set but never
//! changes a score, so it is applied as a constant-score clause.

use tantivy::Term;
use tantivy::query::{BooleanQuery, Occur, Query, TermSetQuery};
use tantivy::schema::Field;

use crate::facet::FacetField;
use crate::schema::Fields;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filters {
    /// Primary language, as the forge spells it (`Rust`, `C#`).
    pub language: Vec<String>,
    /// A topic, exactly as tagged (`machine-learning`).
    pub topic: Vec<String>,
    /// Department slug.
    pub department: Vec<String>,
    /// The forge's catalog id.
    pub forge: Vec<u64>,
    /// SPDX id.
    pub license: Vec<String>,
    /// `experimental`, `active`, `mature` or `deprecated` (the API checks the vocabulary).
    pub maturity: Vec<String>,
    /// Only projects with (`true`) or without (`false`) a contributing guide.
    pub has_contributing: Option<bool>,
}

impl Filters {
    /// The values chosen for a facet's own filter.
    pub fn values(&self, facet: FacetField) -> &[String] {
        match facet {
            FacetField::Language => &self.language,
            FacetField::Topic => &self.topic,
            FacetField::Department => &self.department,
            FacetField::License => &self.license,
            FacetField::Maturity => &self.maturity,
        }
    }

    /// Every filter ANDed, except the facet `except`'s own (see `facet` for why), or `None`
    /// when nothing is left to filter on.
    pub(crate) fn query(&self, f: &Fields, except: Option<FacetField>) -> Option<Box<dyn Query>> {
        let text = |field: Field, values: &[String]| {
            any_of(values.iter().map(|v| Term::from_field_text(field, v)))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for facet in FacetField::ALL {
            if Some(facet) == except {
                continue;
            }
            if let Some(query) = text(facet.field(f), self.values(facet)) {
                clauses.push((Occur::Must, query));
            }
        }
        if let Some(query) = any_of(
            self.forge
                .iter()
                .map(|id| Term::from_field_u64(f.forge_id, *id)),
        ) {
            clauses.push((Occur::Must, query));
        }
        if let Some(has) = self.has_contributing {
            let term = Term::from_field_u64(f.has_contributing, u64::from(has));
            if let Some(query) = any_of(std::iter::once(term)) {
                clauses.push((Occur::Must, query));
            }
        }
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }
}

/// Documents holding any of `terms` (all of one field), or `None` for no terms at all.
fn any_of(terms: impl Iterator<Item = Term>) -> Option<Box<dyn Query>> {
    let terms: Vec<Term> = terms.collect();
    (!terms.is_empty()).then(|| Box::new(TermSetQuery::new(terms)) as Box<dyn Query>)
}
