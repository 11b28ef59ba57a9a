//! Filters: exact terms on untokenised fields, several values of one filter ORed (`Rust` or `Go`),
//! different filters ANDed (`Rust` and `finance`). A filter narrows the result set but never
//! changes a score: it is applied as a set of documents (see `matching`).

use tantivy::Term;
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

    /// Every filter except the facet `except`'s own (see `facet` for why): a document must hold
    /// one term of each group. No groups: nothing to filter on.
    pub(crate) fn term_groups(&self, f: &Fields, except: Option<FacetField>) -> Vec<Vec<Term>> {
        let text = |field: Field, values: &[String]| -> Vec<Term> {
            values
                .iter()
                .map(|v| Term::from_field_text(field, v))
                .collect()
        };
        let mut groups: Vec<Vec<Term>> = FacetField::ALL
            .into_iter()
            .filter(|&facet| Some(facet) != except)
            .map(|facet| text(facet.field(f), self.values(facet)))
            .collect();
        groups.push(
            self.forge
                .iter()
                .map(|id| Term::from_field_u64(f.forge_id, *id))
                .collect(),
        );
        if let Some(has) = self.has_contributing {
            groups.push(vec![Term::from_field_u64(
                f.has_contributing,
                u64::from(has),
            )]);
        }
        groups.retain(|group| !group.is_empty());
        groups
    }
}
