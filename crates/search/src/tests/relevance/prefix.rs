//! Property: the last word typed is also a prefix (search-as-you-type): `abac` finds
//! `abacus-ledger`; earlier words, and a last word followed by a space, are whole words; a whole
//! word outranks a word it is only the prefix of.

use crate::ProjectDocument;
use crate::tests::fixture::{first, index, names, project};

#[test]
fn a_prefix_of_the_last_word_finds_the_name() {
    let index = index(vec![
        project(1, "abacus-ledger"),
        project(2, "invoice-tools"),
    ]);
    assert_eq!(names(&index, "abac"), ["abacus-ledger"]);
    assert_eq!(names(&index, "a"), ["abacus-ledger"]);
    assert_eq!(names(&index, "ledger ab"), ["abacus-ledger"]);
    assert_eq!(names(&index, "abacus-led"), ["abacus-ledger"]);
}

#[test]
fn earlier_words_and_finished_words_are_not_prefixes() {
    let index = index(vec![project(1, "abacus-ledger")]);
    assert!(names(&index, "abac ledger").is_empty());
    assert!(names(&index, "abac ").is_empty());
}

#[test]
fn a_whole_word_outranks_a_longer_word_it_begins() {
    let index = index(vec![
        ProjectDocument {
            stars: 700,
            ..project(1, "ledgerline")
        },
        project(2, "ledger-core"),
    ]);
    assert_eq!(first(&index, "ledger").as_deref(), Some("ledger-core"));
}
