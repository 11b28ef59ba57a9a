//! Property: what people type is never query syntax. Punctuation or quotes alone answer like an
//! empty query (everything visible, most starred first); quotes and operators around words are
//! ignored, never an error.

use crate::tests::fixture::{index, names, project, search_as};
use crate::{Audience, ProjectDocument};

fn catalog() -> crate::SearchIndex {
    index(vec![
        ProjectDocument {
            stars: 3,
            ..project(1, "abacus-ledger")
        },
        ProjectDocument {
            stars: 30,
            ..project(2, "invoice-tools")
        },
    ])
}

#[test]
fn punctuation_or_quotes_alone_list_everything_by_stars() {
    let index = catalog();
    for query in [
        "", " ", "\"", "\"\"", "'", "--", "((**))", "\" \"", "/", "...", "-_.", "«»",
    ] {
        let results = search_as(&index, query, Audience::Everything);
        assert_eq!(results.total, 2, "query {query:?}");
        let ids: Vec<u64> = results.hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, [2, 1], "query {query:?}");
    }
}

#[test]
fn quotes_and_operators_around_words_are_plain_text() {
    let index = catalog();
    assert_eq!(names(&index, "\"abacus\""), ["abacus-ledger"]);
    assert_eq!(names(&index, "+abacus"), ["abacus-ledger"]);
    assert_eq!(names(&index, "name:abacus"), Vec::<String>::new());
    // As syntax this would find both projects; as words, `or` is required and found nowhere.
    assert_eq!(names(&index, "abacus OR (invoice"), Vec::<String>::new());
    assert_eq!(names(&index, "abacus~ ledger*"), ["abacus-ledger"]);
}
