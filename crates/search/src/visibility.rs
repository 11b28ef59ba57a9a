//! The catalog's visibility rule (see agora_catalog::viewer), as an index filter, so that hits,
//! totals and facet counts only ever include what the caller may see.

use tantivy::Term;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;

use crate::schema::Fields;

/// Whose search this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Admins and maintenance: everything, removed repositories included.
    Everything,
    /// Everyone else: published, public or internal, or of their own department.
    Member { department_id: Option<u64> },
}

fn term(field: tantivy::schema::Field, value: u64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_u64(field, value),
        IndexRecordOption::Basic,
    ))
}

fn text_term(field: tantivy::schema::Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

impl Audience {
    /// The filter to AND with the user's query, or `None` when nothing is hidden.
    pub(crate) fn filter(&self, f: &Fields) -> Option<Box<dyn Query>> {
        let Audience::Member { department_id } = *self else {
            return None;
        };
        let mut allowed: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Should, term(f.published, 1)),
            (Occur::Should, text_term(f.visibility, "public")),
            (Occur::Should, text_term(f.visibility, "internal")),
        ];
        if let Some(department_id) = department_id.filter(|id| *id != 0) {
            allowed.push((Occur::Should, term(f.department_id, department_id)));
        }
        Some(Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(BooleanQuery::new(allowed))),
            (Occur::MustNot, term(f.removed, 1)),
        ])))
    }
}
