//! Searching from async code: `search_in_pool` gives the same answers as `search`, however many
//! callers wait for the few permits at once.

use super::fixture::{index, project};
use crate::{Audience, SearchRequest};

#[test]
fn many_concurrent_pooled_searches_all_get_the_answer() {
    // Filled outside the runtime: the fixture waits for the commit by blocking.
    let index = index(
        (1..=30)
            .map(|i| project(i, &format!("ledger-{i}")))
            .collect(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(pooled_searches(index));
}

async fn pooled_searches(index: crate::SearchIndex) {
    let request = SearchRequest {
        text: "ledger".to_owned(),
        ..SearchRequest::default()
    };
    let expected = index.search(&request, Audience::Everything).unwrap().total;
    assert_eq!(expected, 30);
    let searches = (0..64).map(|i| {
        let index = index.clone();
        let request = SearchRequest {
            offset: i % 3,
            ..request.clone()
        };
        tokio::spawn(async move { index.search_in_pool(request, Audience::Everything).await })
    });
    for search in searches {
        let results = search.await.unwrap().unwrap();
        assert_eq!(results.total, expected);
        assert_eq!(results.hits.len(), 20);
    }
}
