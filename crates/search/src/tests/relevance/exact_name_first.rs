//! Property: a project whose name is exactly what was typed comes first, whatever other projects
//! say about the same words and however popular they are.

use crate::tests::fixture::{first, index, names, project};
use crate::{ProjectDocument, SearchIndex};

fn catalog() -> SearchIndex {
    index(vec![
        ProjectDocument {
            stars: 300,
            ..project(1, "invoice-tools")
        },
        ProjectDocument {
            stars: 900,
            description: Some(
                "Creates every invoice of the group, invoice after invoice".to_owned(),
            ),
            ..project(2, "billing-engine")
        },
        ProjectDocument {
            stars: 1,
            ..project(3, "invoice")
        },
        ProjectDocument {
            stars: 500,
            title: Some("Invoice".to_owned()),
            ..project(4, "ap-portal")
        },
    ])
}

#[test]
fn exact_name_ranks_first_among_projects_sharing_the_word() {
    assert_eq!(first(&catalog(), "invoice").as_deref(), Some("invoice"));
}

#[test]
fn exact_name_ranks_first_whatever_its_case() {
    assert_eq!(first(&catalog(), "Invoice").as_deref(), Some("invoice"));
}

#[test]
fn all_projects_mentioning_the_word_are_still_found() {
    let mut found = names(&catalog(), "invoice");
    found.sort();
    assert_eq!(
        found,
        ["ap-portal", "billing-engine", "invoice", "invoice-tools"]
    );
}

#[test]
fn exact_multi_word_name_ranks_first_when_typed_with_spaces() {
    let index = index(vec![
        ProjectDocument {
            stars: 800,
            ..project(1, "invoice-tools-legacy")
        },
        project(2, "invoice-tools"),
    ]);
    assert_eq!(
        first(&index, "invoice tools").as_deref(),
        Some("invoice-tools")
    );
}
