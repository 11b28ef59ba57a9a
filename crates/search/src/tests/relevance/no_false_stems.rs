//! Property: stemming adds recall in prose without false friends — `tech` never matches a project
//! only about `team`, `stars` never one only about `stores` — and a word as typed outranks its
//! stem.

use crate::ProjectDocument;
use crate::tests::fixture::{index, names, project};

#[test]
fn tech_does_not_match_a_project_only_about_team() {
    let index = index(vec![ProjectDocument {
        title: Some("Team roster".to_owned()),
        topics: vec!["team".to_owned(), "teams".to_owned()],
        description: Some("Tracks every team and the teams they form".to_owned()),
        ..project(1, "team-roster")
    }]);
    assert!(names(&index, "tech").is_empty());
    assert!(names(&index, "tech ").is_empty());
}

#[test]
fn stars_does_not_match_a_project_only_about_stores() {
    let index = index(vec![ProjectDocument {
        title: Some("Store locator".to_owned()),
        description: Some("Finds the stores nearest to a customer, store by store".to_owned()),
        ..project(1, "store-locator")
    }]);
    assert!(names(&index, "stars").is_empty());
    assert!(names(&index, "stars ").is_empty());
}

#[test]
fn stemming_finds_inflections_in_prose() {
    let index = index(vec![ProjectDocument {
        description: Some("Runs the nightly backups".to_owned()),
        ..project(1, "backup-cron")
    }]);
    assert_eq!(names(&index, "running"), ["backup-cron"]);
}

#[test]
fn a_word_as_typed_outranks_its_stem() {
    let index = index(vec![
        ProjectDocument {
            description: Some("Running the nightly backups".to_owned()),
            ..project(1, "backup-cron")
        },
        ProjectDocument {
            description: Some("Runs the nightly backups".to_owned()),
            ..project(2, "backup-job")
        },
    ]);
    assert_eq!(names(&index, "runs"), ["backup-job", "backup-cron"]);
}
