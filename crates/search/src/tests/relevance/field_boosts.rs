//! Property: where a word is found decides the order — the name, then a name prefix, then the
//! title or topics, then the description, then the README — all else (stars) being equal.

use crate::ProjectDocument;
use crate::tests::fixture::{index, names, project};

#[test]
fn name_then_prefix_then_title_and_topics_then_description_then_readme() {
    let index = index(vec![
        ProjectDocument {
            readme: Some("Build it with cargo; the atlas team owns it".to_owned()),
            ..project(1, "geo-index")
        },
        ProjectDocument {
            description: Some("Search an atlas of places for the group".to_owned()),
            ..project(2, "geo-search")
        },
        ProjectDocument {
            topics: vec!["atlas".to_owned()],
            ..project(3, "geo-tiles")
        },
        ProjectDocument {
            title: Some("Atlas viewer".to_owned()),
            ..project(4, "geo-viewer")
        },
        project(5, "atlasboard"),
        project(6, "atlas-maps"),
    ]);
    let found = names(&index, "atlas");
    assert_eq!(found.len(), 6, "{found:?}");
    assert_eq!(found[..2], ["atlas-maps", "atlasboard"], "{found:?}");
    let mut title_or_topics = found[2..4].to_vec();
    title_or_topics.sort();
    assert_eq!(title_or_topics, ["geo-tiles", "geo-viewer"], "{found:?}");
    assert_eq!(found[4..], ["geo-search", "geo-index"], "{found:?}");
}

#[test]
fn a_word_in_the_name_outranks_the_same_word_repeated_in_prose() {
    let index = index(vec![
        ProjectDocument {
            title: Some("Ledger ledger".to_owned()),
            topics: vec!["ledger".to_owned()],
            description: Some("Ledger, ledger and more ledger".to_owned()),
            readme: Some("ledger ledger ledger ledger".to_owned()),
            ..project(1, "bookkeeping")
        },
        project(2, "ledger-core"),
    ]);
    assert_eq!(names(&index, "ledger"), ["ledger-core", "bookkeeping"]);
}
