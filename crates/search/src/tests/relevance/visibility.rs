//! Property: a member never learns of what they may not see — private unpublished projects of
//! other departments, and removed projects, are missing from hits and from the total alike, for
//! typed queries and for the empty listing.

use crate::tests::fixture::{index, project, search_as};
use crate::{Audience, ProjectDocument, SearchIndex};

fn catalog() -> SearchIndex {
    index(vec![
        project(1, "open-ledger"),
        ProjectDocument {
            visibility: "private".to_owned(),
            published: false,
            department_id: Some(2),
            stars: 999,
            ..project(2, "secret-ledger")
        },
        ProjectDocument {
            visibility: "private".to_owned(),
            published: true,
            department_id: Some(2),
            ..project(3, "shared-ledger")
        },
        ProjectDocument {
            visibility: "internal".to_owned(),
            published: false,
            department_id: Some(3),
            ..project(4, "internal-ledger")
        },
        ProjectDocument {
            removed: true,
            ..project(5, "gone-ledger")
        },
    ])
}

fn ids(index: &SearchIndex, text: &str, audience: Audience) -> (Vec<u64>, usize) {
    let results = search_as(index, text, audience);
    let mut ids: Vec<u64> = results.hits.iter().map(|h| h.id).collect();
    ids.sort_unstable();
    (ids, results.total)
}

#[test]
fn private_unpublished_projects_are_hidden_from_other_departments_hits_and_total() {
    let index = catalog();
    let outsider = Audience::Member {
        department_id: Some(1),
    };
    for text in ["ledger", "secret-ledger", "secret", ""] {
        let (found, total) = ids(&index, text, outsider);
        assert!(!found.contains(&2), "query {text:?}: {found:?}");
        assert_eq!(total, found.len(), "query {text:?}");
    }
    assert_eq!(ids(&index, "ledger", outsider), (vec![1, 3, 4], 3));
}

#[test]
fn members_without_a_department_see_only_what_is_open() {
    let index = catalog();
    let nobody = Audience::Member {
        department_id: None,
    };
    assert_eq!(ids(&index, "ledger", nobody), (vec![1, 3, 4], 3));
}

#[test]
fn own_department_sees_its_private_unpublished_projects() {
    let index = catalog();
    let insider = Audience::Member {
        department_id: Some(2),
    };
    assert_eq!(ids(&index, "ledger", insider), (vec![1, 2, 3, 4], 4));
}

#[test]
fn everything_includes_private_and_removed_projects() {
    let index = catalog();
    assert_eq!(
        ids(&index, "ledger", Audience::Everything),
        (vec![1, 2, 3, 4, 5], 5)
    );
}
