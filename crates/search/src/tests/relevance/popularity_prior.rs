//! Property: popularity (forge stars + Agora stars) breaks ties between equal matches but never
//! lifts a project above an exact name match: a 1-star `tech-radar` outranks a 900-star project
//! that merely mentions the words in its description.

use crate::tests::fixture::{index, names, project};
use crate::{ProjectDocument, SearchIndex};

#[test]
fn forge_stars_break_ties_between_equal_matches() {
    let index = index(vec![
        ProjectDocument {
            stars: 5,
            full_name: "north/ledger".to_owned(),
            ..project(1, "ledger")
        },
        ProjectDocument {
            stars: 500,
            full_name: "south/ledger".to_owned(),
            ..project(2, "ledger")
        },
    ]);
    let hits = crate::tests::fixture::search_as(&index, "ledger", crate::Audience::Everything).hits;
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [2, 1]);
    assert!(hits[0].score > hits[1].score);
}

#[test]
fn agora_stars_count_toward_popularity() {
    let index = index(vec![
        ProjectDocument {
            stars: 10,
            full_name: "north/ledger".to_owned(),
            ..project(1, "ledger")
        },
        ProjectDocument {
            stars: 10,
            agora_stars: 40,
            full_name: "south/ledger".to_owned(),
            ..project(2, "ledger")
        },
    ]);
    let hits = crate::tests::fixture::search_as(&index, "ledger", crate::Audience::Everything).hits;
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [2, 1]);
}

fn radar_catalog() -> SearchIndex {
    index(vec![
        ProjectDocument {
            stars: 900,
            agora_stars: 120,
            title: Some("Platform portal".to_owned()),
            description: Some(
                "The tech radar of our platform: tech choices, radar rings".to_owned(),
            ),
            ..project(1, "platform-portal")
        },
        ProjectDocument {
            stars: 1,
            ..project(2, "tech-radar")
        },
    ])
}

#[test]
fn one_star_exact_name_outranks_a_900_star_description_mention() {
    let index = radar_catalog();
    for query in ["tech-radar", "tech radar", "TechRadar", "tech"] {
        assert_eq!(
            names(&index, query),
            ["tech-radar", "platform-portal"],
            "query {query:?}"
        );
    }
}

#[test]
fn activity_breaks_ties_between_equally_starred_matches() {
    let index = index(vec![
        ProjectDocument {
            stars: 10,
            full_name: "north/ledger".to_owned(),
            ..project(1, "ledger")
        },
        ProjectDocument {
            stars: 10,
            activity_score: 300,
            full_name: "south/ledger".to_owned(),
            ..project(2, "ledger")
        },
    ]);
    let hits = crate::tests::fixture::search_as(&index, "ledger", crate::Audience::Everything).hits;
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [2, 1]);
}

#[test]
fn activity_never_lifts_a_description_mention_above_the_exact_name() {
    let index = index(vec![
        ProjectDocument {
            stars: 900,
            activity_score: 1_000_000,
            description: Some(
                "The tech radar of our platform: tech choices, radar rings".to_owned(),
            ),
            ..project(1, "platform-portal")
        },
        ProjectDocument {
            stars: 1,
            ..project(2, "tech-radar")
        },
    ]);
    assert_eq!(
        names(&index, "tech radar"),
        ["tech-radar", "platform-portal"]
    );
}
