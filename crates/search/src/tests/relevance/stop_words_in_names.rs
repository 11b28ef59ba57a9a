//! Property: stop words are words like any other inside a name: `the-one-ledger` is found by
//! `the one ledger`, by `the-one-ledger` and by `theoneledger`, and comes first for each.

use crate::ProjectDocument;
use crate::tests::fixture::{first, index, names, project};

fn catalog() -> crate::SearchIndex {
    index(vec![
        ProjectDocument {
            stars: 400,
            description: Some("One ledger to rule them all, the ledger of the group".to_owned()),
            ..project(1, "ledger-core")
        },
        project(2, "the-one-ledger"),
    ])
}

#[test]
fn a_name_of_stop_words_is_found_by_its_words() {
    assert_eq!(
        first(&catalog(), "the one ledger").as_deref(),
        Some("the-one-ledger")
    );
}

#[test]
fn a_name_of_stop_words_is_found_as_typed() {
    assert_eq!(
        first(&catalog(), "the-one-ledger").as_deref(),
        Some("the-one-ledger")
    );
    assert_eq!(
        first(&catalog(), "TheOneLedger").as_deref(),
        Some("the-one-ledger")
    );
}

#[test]
fn a_name_of_stop_words_is_found_joined() {
    assert_eq!(names(&catalog(), "theoneledger"), ["the-one-ledger"]);
}
