//! Tiny fixture indexes for the tests: a project is a name plus whatever the test sets, public and
//! published unless said otherwise, with neutral filler prose so that field lengths look like a
//! real catalog's (BM25 compares a field's length to its average).

use crate::{
    Audience, Filters, ProjectDocument, SearchIndex, SearchRequest, SearchResults, SortOrder,
};

pub(crate) fn project(id: u64, name: &str) -> ProjectDocument {
    ProjectDocument {
        id,
        name: name.to_owned(),
        full_name: format!("agora/{name}"),
        title: Some("Internal service".to_owned()),
        description: Some("Maintained by the platform group for daily work".to_owned()),
        topics: vec!["internal".to_owned()],
        readme: Some("Build it with cargo and ask the owners before changing it".to_owned()),
        html_url: format!("https://forge.example/agora/{name}"),
        visibility: "public".to_owned(),
        published: true,
        department_id: Some(1),
        ..ProjectDocument::default()
    }
}

pub(crate) fn index(projects: Vec<ProjectDocument>) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(projects).unwrap();
    index.flush_blocking().unwrap();
    index
}

pub(crate) fn search_as(index: &SearchIndex, text: &str, audience: Audience) -> SearchResults {
    index
        .search(
            &SearchRequest {
                text: text.to_owned(),
                limit: 50,
                offset: 0,
                sort: SortOrder::Relevance,
                ..SearchRequest::default()
            },
            audience,
        )
        .unwrap()
}

/// A request for `text` with these filters, 50 hits per page.
pub(crate) fn filtered(text: &str, filters: Filters) -> SearchRequest {
    SearchRequest {
        text: text.to_owned(),
        limit: 50,
        filters,
        ..SearchRequest::default()
    }
}

/// The ids of the hits, in order.
pub(crate) fn ids(results: &SearchResults) -> Vec<u64> {
    results.hits.iter().map(|h| h.id).collect()
}

/// The names found for `text`, best first, by someone who may see everything.
pub(crate) fn names(index: &SearchIndex, text: &str) -> Vec<String> {
    search_as(index, text, Audience::Everything)
        .hits
        .into_iter()
        .map(|hit| hit.name)
        .collect()
}

pub(crate) fn first(index: &SearchIndex, text: &str) -> Option<String> {
    names(index, text).into_iter().next()
}
