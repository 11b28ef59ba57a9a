//! Property: filters and facet counts agree. Values of one filter are ORed, different filters
//! ANDed; the count shown beside a facet value is exactly the total that choosing it gives; a
//! facet's counts ignore its own filter but honour the others; and a project the caller may not
//! see is never counted.

use crate::tests::fixture::{filtered, ids, index, project};
use crate::{Audience, FacetField, Filters, ProjectDocument, SearchIndex, SearchResults};

const MEMBER: Audience = Audience::Member {
    department_id: Some(1),
};

fn doc(
    id: u64,
    name: &str,
    language: &str,
    department: &str,
    topics: &[&str],
    license: Option<&str>,
) -> ProjectDocument {
    ProjectDocument {
        language: Some(language.to_owned()),
        department: Some(department.to_owned()),
        topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        license: license.map(str::to_owned),
        description: Some(format!("{name} keeps the ledger of the group")),
        ..project(id, name)
    }
}

/// Written in two commits, so that counts are merged across segments.
fn catalog() -> SearchIndex {
    let mut projects = all_projects();
    let later = projects.split_off(3);
    let index = index(projects);
    index.upsert(later).unwrap();
    index.flush_blocking().unwrap();
    index
}

fn all_projects() -> Vec<ProjectDocument> {
    vec![
        ProjectDocument {
            maturity: Some("mature".to_owned()),
            has_contributing: true,
            forge_id: Some(1),
            ..doc(
                1,
                "rust-ledger",
                "Rust",
                "finance",
                &["ledger", "machine-learning"],
                Some("MIT"),
            )
        },
        ProjectDocument {
            maturity: Some("experimental".to_owned()),
            forge_id: Some(1),
            ..doc(
                2,
                "go-ledger",
                "Go",
                "finance",
                &["ledger"],
                Some("Apache-2.0"),
            )
        },
        ProjectDocument {
            has_contributing: true,
            forge_id: Some(2),
            ..doc(
                3,
                "ledger-sync",
                "Go",
                "logistics",
                &["sync", "ledger"],
                Some("MIT"),
            )
        },
        ProjectDocument {
            maturity: Some("mature".to_owned()),
            forge_id: Some(2),
            ..doc(4, "route-planner", "Rust", "logistics", &["machine"], None)
        },
        // Listed twice: counted once.
        doc(
            5,
            "py-ledger",
            "Python",
            "people",
            &["ledger", "ledger"],
            Some("MIT"),
        ),
        // Private, unpublished, of department 2: invisible to department 1.
        ProjectDocument {
            visibility: "private".to_owned(),
            published: false,
            department_id: Some(2),
            ..doc(
                6,
                "secret-ledger",
                "Haskell",
                "security",
                &["ledger", "crypto"],
                Some("MIT"),
            )
        },
    ]
}

fn run(index: &SearchIndex, text: &str, filters: Filters, audience: Audience) -> SearchResults {
    index.search(&filtered(text, filters), audience).unwrap()
}

fn sorted(mut ids: Vec<u64>) -> Vec<u64> {
    ids.sort_unstable();
    ids
}

fn count(results: &SearchResults, facet: FacetField, value: &str) -> Option<u64> {
    results
        .facets
        .get(facet)
        .iter()
        .find(|c| c.value == value)
        .map(|c| c.count)
}

fn choose(facet: FacetField, value: &str) -> Filters {
    let values = vec![value.to_owned()];
    match facet {
        FacetField::Language => Filters {
            language: values,
            ..Filters::default()
        },
        FacetField::Topic => Filters {
            topic: values,
            ..Filters::default()
        },
        FacetField::Department => Filters {
            department: values,
            ..Filters::default()
        },
        FacetField::License => Filters {
            license: values,
            ..Filters::default()
        },
        FacetField::Maturity => Filters {
            maturity: values,
            ..Filters::default()
        },
    }
}

#[test]
fn each_facet_count_equals_the_total_when_that_value_is_chosen() {
    let index = catalog();
    for audience in [MEMBER, Audience::Everything] {
        for text in ["", "ledger", "rust"] {
            let results = run(&index, text, Filters::default(), audience);
            for facet in FacetField::ALL {
                for entry in results.facets.get(facet) {
                    let chosen = run(&index, text, choose(facet, &entry.value), audience);
                    assert_eq!(
                        chosen.total as u64, entry.count,
                        "{text:?} {facet:?}={} for {audience:?}",
                        entry.value
                    );
                }
            }
        }
    }
}

#[test]
fn facets_count_the_current_query() {
    let index = catalog();
    let results = run(&index, "", Filters::default(), MEMBER);
    assert_eq!(results.total, 5);
    assert_eq!(count(&results, FacetField::Language, "Rust"), Some(2));
    assert_eq!(count(&results, FacetField::Language, "Go"), Some(2));
    assert_eq!(count(&results, FacetField::Topic, "ledger"), Some(4));
    assert_eq!(count(&results, FacetField::License, "MIT"), Some(3));
    assert_eq!(count(&results, FacetField::Maturity, "mature"), Some(2));
    assert_eq!(
        count(&results, FacetField::Department, "logistics"),
        Some(2)
    );
    // Most frequent first, ties by value.
    let languages: Vec<&str> = results
        .facets
        .language
        .iter()
        .map(|c| c.value.as_str())
        .collect();
    assert_eq!(languages, ["Go", "Rust", "Python"]);

    let typed = run(&index, "planner", Filters::default(), MEMBER);
    assert_eq!(typed.total, 1);
    assert_eq!(count(&typed, FacetField::Language, "Rust"), Some(1));
    assert_eq!(count(&typed, FacetField::Language, "Go"), None);
}

#[test]
fn values_of_one_filter_are_ored_and_filters_are_anded() {
    let index = catalog();
    let languages = |values: &[&str]| Filters {
        language: values.iter().map(|v| (*v).to_owned()).collect(),
        ..Filters::default()
    };
    let either = run(&index, "", languages(&["Rust", "Go"]), MEMBER);
    assert_eq!(sorted(ids(&either)), [1, 2, 3, 4]);
    let both = run(
        &index,
        "",
        Filters {
            department: vec!["logistics".to_owned()],
            ..languages(&["Rust", "Go"])
        },
        MEMBER,
    );
    assert_eq!(sorted(ids(&both)), [3, 4]);
    let three = run(
        &index,
        "ledger",
        Filters {
            license: vec!["MIT".to_owned()],
            has_contributing: Some(true),
            ..languages(&["Go", "Python"])
        },
        MEMBER,
    );
    assert_eq!(ids(&three), [3]);
    assert_eq!(three.total, 1);
}

#[test]
fn the_other_filters_each_narrow_exactly() {
    let index = catalog();
    let with = |filters: Filters| sorted(ids(&run(&index, "", filters, MEMBER)));
    assert_eq!(
        with(Filters {
            forge: vec![2],
            ..Filters::default()
        }),
        [3, 4]
    );
    assert_eq!(
        with(Filters {
            forge: vec![1, 2],
            ..Filters::default()
        }),
        [1, 2, 3, 4]
    );
    assert_eq!(
        with(Filters {
            has_contributing: Some(false),
            ..Filters::default()
        }),
        [2, 4, 5]
    );
    assert_eq!(
        with(Filters {
            maturity: vec!["mature".to_owned(), "experimental".to_owned()],
            ..Filters::default()
        }),
        [1, 2, 4]
    );
    // A filter value nobody has gives nothing, not an error.
    assert!(
        with(Filters {
            language: vec!["rust".to_owned()],
            ..Filters::default()
        })
        .is_empty()
    );
}

#[test]
fn topic_filter_is_exact_not_analysed() {
    let index = catalog();
    let topic = |t: &str| Filters {
        topic: vec![t.to_owned()],
        ..Filters::default()
    };
    assert_eq!(ids(&run(&index, "", topic("machine"), MEMBER)), [4]);
    assert_eq!(
        ids(&run(&index, "", topic("machine-learning"), MEMBER)),
        [1]
    );
    assert!(ids(&run(&index, "", topic("learning"), MEMBER)).is_empty());
}

#[test]
fn a_facet_ignores_its_own_filter_but_honours_the_others() {
    let index = catalog();
    let rust = run(
        &index,
        "",
        Filters {
            language: vec!["Rust".to_owned()],
            ..Filters::default()
        },
        MEMBER,
    );
    assert_eq!(rust.total, 2);
    // Go is still offered, with what choosing it alone would give…
    assert_eq!(count(&rust, FacetField::Language, "Go"), Some(2));
    assert_eq!(count(&rust, FacetField::Language, "Rust"), Some(2));
    // …while the other facets count the Rust projects only.
    assert_eq!(count(&rust, FacetField::Department, "finance"), Some(1));
    assert_eq!(count(&rust, FacetField::Department, "logistics"), Some(1));
    assert_eq!(count(&rust, FacetField::Department, "people"), None);
    assert_eq!(count(&rust, FacetField::License, "MIT"), Some(1));
}

#[test]
fn facet_counts_never_include_what_the_caller_may_not_see() {
    let index = catalog();
    let outsider = run(&index, "ledger", Filters::default(), MEMBER);
    assert_eq!(count(&outsider, FacetField::Language, "Haskell"), None);
    assert_eq!(count(&outsider, FacetField::Topic, "crypto"), None);
    assert_eq!(count(&outsider, FacetField::Department, "security"), None);
    assert_eq!(count(&outsider, FacetField::License, "MIT"), Some(3));
    // Choosing the hidden value shows nothing, and its facet still does not name it.
    let chosen = run(&index, "", choose(FacetField::Language, "Haskell"), MEMBER);
    assert_eq!(chosen.total, 0);
    assert!(chosen.hits.is_empty());
    assert_eq!(count(&chosen, FacetField::Language, "Haskell"), None);
    assert_eq!(count(&chosen, FacetField::Language, "Rust"), Some(2));

    let insider = Audience::Member {
        department_id: Some(2),
    };
    for audience in [insider, Audience::Everything] {
        let results = run(&index, "ledger", Filters::default(), audience);
        assert_eq!(count(&results, FacetField::Language, "Haskell"), Some(1));
        assert_eq!(count(&results, FacetField::License, "MIT"), Some(4));
    }
}

#[test]
fn counts_follow_updates_and_values_no_project_holds_any_more_vanish() {
    let index = catalog();
    let before = run(&index, "", Filters::default(), MEMBER);
    let rust = count(&before, FacetField::Language, "Rust").unwrap();
    // Every Rust project moves to a language no segment held before: the old documents are
    // deleted and the new ones written to a new segment.
    let moved: Vec<ProjectDocument> = all_projects()
        .into_iter()
        .filter(|p| p.language.as_deref() == Some("Rust"))
        .map(|p| ProjectDocument {
            language: Some("Zig".to_owned()),
            ..p
        })
        .collect();
    assert_eq!(moved.len() as u64, rust);
    index.upsert(moved).unwrap();
    index.flush_blocking().unwrap();

    let after = run(&index, "", Filters::default(), MEMBER);
    assert_eq!(after.total, before.total);
    assert_eq!(count(&after, FacetField::Language, "Rust"), None);
    assert_eq!(count(&after, FacetField::Language, "Zig"), Some(rust));
    let zig = run(&index, "", choose(FacetField::Language, "Zig"), MEMBER);
    assert_eq!(zig.total as u64, rust);
    // Topics (several values per project) were rewritten with the same documents.
    for topic in &before.facets.topic {
        assert_eq!(
            count(&after, FacetField::Topic, &topic.value),
            Some(topic.count)
        );
    }
}
