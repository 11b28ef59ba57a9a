//! Property: one typo (two in long words) still finds a project — `invoce` finds the invoice
//! project, `abacsu` finds `abacus-ledger` — but a typo match always ranks below an exact one,
//! and short words allow none.

use crate::ProjectDocument;
use crate::tests::fixture::{index, names, project};

#[test]
fn one_typo_still_finds_the_invoice_project() {
    let index = index(vec![
        ProjectDocument {
            description: Some("Sends invoice reminders".to_owned()),
            ..project(1, "dunning")
        },
        project(2, "invoice-hub"),
        project(3, "abacus-ledger"),
    ]);
    assert_eq!(names(&index, "invoce"), ["invoice-hub", "dunning"]);
    assert_eq!(names(&index, "invoce hub"), ["invoice-hub"]);
}

#[test]
fn a_transposition_is_one_typo() {
    let index = index(vec![project(1, "abacus-ledger"), project(2, "invoice-hub")]);
    assert_eq!(names(&index, "abacsu"), ["abacus-ledger"]);
    assert_eq!(names(&index, "abacus legder"), ["abacus-ledger"]);
}

#[test]
fn long_words_allow_two_typos() {
    let index = index(vec![project(1, "reconciliation-engine")]);
    assert_eq!(names(&index, "reconcilaiton"), ["reconciliation-engine"]);
}

#[test]
fn an_exact_word_outranks_a_typo_even_when_less_popular() {
    let index = index(vec![
        ProjectDocument {
            stars: 900,
            ..project(1, "hedger-bot")
        },
        project(2, "ledger-core"),
    ]);
    assert_eq!(names(&index, "ledger"), ["ledger-core", "hedger-bot"]);
}

#[test]
fn short_words_allow_no_typo() {
    let index = index(vec![project(1, "tach-meter")]);
    assert!(names(&index, "tech ").is_empty());
}
