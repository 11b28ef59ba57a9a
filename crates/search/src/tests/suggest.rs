//! Property: suggestions find projects by the beginning of a name or title word as it is typed,
//! put the exact name first, stop at `MAX_SUGGESTIONS`, and never suggest what the caller may not
//! see.

use crate::tests::fixture::{index, project};
use crate::{Audience, MAX_SUGGESTIONS, ProjectDocument, SearchIndex};

fn catalog() -> SearchIndex {
    index(vec![
        ProjectDocument {
            title: Some("Abacus Ledger".to_owned()),
            ..project(1, "abacus-ledger")
        },
        ProjectDocument {
            title: Some("Technology Radar".to_owned()),
            stars: 400,
            ..project(2, "platform-portal")
        },
        ProjectDocument {
            title: Some("Ledger".to_owned()),
            ..project(3, "ledger")
        },
        ProjectDocument {
            title: Some("Tax rules".to_owned()),
            description: Some("Knows every abacus trick".to_owned()),
            readme: Some("abacus abacus abacus".to_owned()),
            ..project(4, "tax-rules")
        },
        ProjectDocument {
            visibility: "private".to_owned(),
            published: false,
            department_id: Some(2),
            ..project(5, "abacus-secret")
        },
    ])
}

fn suggested(index: &SearchIndex, text: &str, audience: Audience) -> Vec<u64> {
    index
        .suggest(text, audience)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect()
}

const OUTSIDER: Audience = Audience::Member {
    department_id: Some(1),
};

#[test]
fn a_prefix_of_a_name_finds_it() {
    let index = catalog();
    assert_eq!(suggested(&index, "aba", OUTSIDER), [1]);
    assert_eq!(suggested(&index, "a", OUTSIDER), [1]);
    assert_eq!(suggested(&index, "abacus-le", OUTSIDER), [1]);
    assert_eq!(suggested(&index, "abacus ", OUTSIDER), [1]);
}

#[test]
fn a_prefix_of_a_title_finds_it() {
    let index = catalog();
    assert_eq!(suggested(&index, "technology ra", OUTSIDER), [2]);
    assert_eq!(suggested(&index, "Tech", OUTSIDER), [2]);
}

#[test]
fn descriptions_and_readmes_are_not_suggested_from() {
    let index = catalog();
    assert!(!suggested(&index, "abacus", OUTSIDER).contains(&4));
    assert!(suggested(&index, "trick", OUTSIDER).is_empty());
}

#[test]
fn the_exact_name_comes_first() {
    let index = catalog();
    assert_eq!(suggested(&index, "ledger", OUTSIDER), [3, 1]);
}

#[test]
fn suggestions_carry_name_title_and_full_name() {
    let index = catalog();
    let first = index.suggest("platform", OUTSIDER).unwrap().remove(0);
    assert_eq!(first.name, "platform-portal");
    assert_eq!(first.title.as_deref(), Some("Technology Radar"));
    assert_eq!(first.full_name, "agora/platform-portal");
}

#[test]
fn empty_or_punctuation_only_text_suggests_nothing() {
    let index = catalog();
    assert!(suggested(&index, "", OUTSIDER).is_empty());
    assert!(suggested(&index, "  \"(( ", OUTSIDER).is_empty());
}

#[test]
fn at_most_max_suggestions_are_returned() {
    let index = index(
        (1..=20)
            .map(|id| project(id, &format!("ledger-{id}")))
            .collect(),
    );
    assert_eq!(suggested(&index, "led", OUTSIDER).len(), MAX_SUGGESTIONS);
}

#[test]
fn hidden_projects_are_suggested_only_to_who_may_see_them() {
    let index = catalog();
    assert_eq!(suggested(&index, "abacus", OUTSIDER), [1]);
    assert_eq!(
        suggested(
            &index,
            "abacus",
            Audience::Member {
                department_id: None
            }
        ),
        [1]
    );
    let mut insider = suggested(
        &index,
        "abacus",
        Audience::Member {
            department_id: Some(2),
        },
    );
    insider.sort_unstable();
    assert_eq!(insider, [1, 5]);
    let mut everything = suggested(&index, "abacus-s", Audience::Everything);
    everything.sort_unstable();
    assert_eq!(everything, [5]);
}
