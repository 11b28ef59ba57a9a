//! Property: each sort order orders by its key, whatever was typed, and projects missing the key
//! come last: `stars` by forge stars, `recent` by last push, `activity` by the sync's activity
//! score (stars among equals).

use crate::tests::fixture::{ids, index, project};
use crate::{Audience, ProjectDocument, SearchIndex, SearchRequest, SortOrder};

fn catalog() -> SearchIndex {
    index(vec![
        ProjectDocument {
            stars: 10,
            pushed_at: Some(1_700_000_000),
            activity_score: 5,
            ..project(1, "ledger-one")
        },
        ProjectDocument {
            stars: 30,
            pushed_at: None,
            activity_score: 50,
            ..project(2, "ledger-two")
        },
        ProjectDocument {
            stars: 20,
            pushed_at: Some(1_750_000_000),
            activity_score: 5,
            ..project(3, "ledger-three")
        },
        ProjectDocument {
            stars: 5,
            pushed_at: Some(1_600_000_000),
            activity_score: 0,
            ..project(4, "ledger")
        },
    ])
}

fn order(index: &SearchIndex, text: &str, sort: SortOrder) -> Vec<u64> {
    let request = SearchRequest {
        text: text.to_owned(),
        sort,
        ..SearchRequest::default()
    };
    ids(&index.search(&request, Audience::Everything).unwrap())
}

#[test]
fn stars_sort_orders_by_forge_stars() {
    let index = catalog();
    assert_eq!(order(&index, "ledger", SortOrder::Stars), [2, 3, 1, 4]);
    assert_eq!(order(&index, "", SortOrder::Stars), [2, 3, 1, 4]);
}

#[test]
fn recent_sort_orders_by_last_push_and_never_pushed_last() {
    let index = catalog();
    assert_eq!(order(&index, "ledger", SortOrder::Recent), [3, 1, 4, 2]);
    assert_eq!(order(&index, "", SortOrder::Recent), [3, 1, 4, 2]);
}

#[test]
fn activity_sort_orders_by_activity_then_stars() {
    let index = catalog();
    assert_eq!(order(&index, "ledger", SortOrder::Activity), [2, 3, 1, 4]);
}

#[test]
fn relevance_puts_the_exact_name_first_and_the_empty_query_lists_by_stars() {
    let index = catalog();
    assert_eq!(order(&index, "ledger", SortOrder::Relevance)[0], 4);
    assert_eq!(order(&index, "", SortOrder::Relevance), [2, 3, 1, 4]);
}

#[test]
fn sorted_pages_follow_each_other() {
    let index = catalog();
    let page = |offset| {
        let request = SearchRequest {
            limit: 2,
            offset,
            sort: SortOrder::Recent,
            ..SearchRequest::default()
        };
        ids(&index.search(&request, Audience::Everything).unwrap())
    };
    assert_eq!([page(0), page(2)].concat(), [3, 1, 4, 2]);
}
