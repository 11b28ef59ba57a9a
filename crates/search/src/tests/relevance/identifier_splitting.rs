//! Property: an identifier is found however it is written — `pdf-invoice`, `pdf invoice`,
//! `PdfInvoice`, `pdf_invoice` and `pdfinvoice` all find each other's projects, and camelCase
//! names are found by their words.

use crate::tests::fixture::{index, names, project};

const SPELLINGS: [&str; 5] = [
    "pdf-invoice",
    "pdf invoice",
    "PdfInvoice",
    "pdf_invoice",
    "pdfinvoice",
];

#[test]
fn every_spelling_of_an_identifier_finds_every_other_spelling() {
    let index = index(vec![
        project(1, "pdf-invoice"),
        project(2, "PdfInvoice"),
        project(3, "pdf_invoice"),
        project(4, "pdfinvoice"),
        project(5, "invoice-archive"),
    ]);
    for query in SPELLINGS {
        let mut found = names(&index, query);
        found.sort();
        assert_eq!(
            found,
            ["PdfInvoice", "pdf-invoice", "pdf_invoice", "pdfinvoice"],
            "query {query:?}"
        );
    }
}

#[test]
fn camel_case_names_are_found_by_their_words() {
    let index = index(vec![
        project(1, "vaxRecordsApi"),
        project(2, "records-archive"),
    ]);
    for query in [
        "vax records",
        "records api",
        "vax-records-api",
        "VaxRecordsAPI",
        "vaxrecordsapi",
    ] {
        assert_eq!(names(&index, query), ["vaxRecordsApi"], "query {query:?}");
    }
}

#[test]
fn owner_and_name_are_found_through_the_full_name() {
    let index = index(vec![project(1, "PdfInvoiceKit"), project(2, "kit-builder")]);
    assert_eq!(names(&index, "agora/pdf-invoice-kit"), ["PdfInvoiceKit"]);
}
