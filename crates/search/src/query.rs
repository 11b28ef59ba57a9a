//! A search request end to end: checking it, combining the text query (see `ranking`) with the
//! caller's visibility filter, collecting a page by relevance or by stars, and reading the hits
//! back from stored fields.

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query};
use tantivy::schema::{Field, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument};

use crate::error::SearchError;
use crate::index::SearchIndex;
use crate::ranking;
use crate::schema::Fields;
use crate::visibility::Audience;

pub const MAX_LIMIT: usize = 100;
/// Deep paging costs as much as collecting every page before it; nobody reads page 500.
pub const MAX_OFFSET: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Best match first; with no words typed, most starred first.
    #[default]
    Relevance,
    Stars,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    pub text: String,
    pub limit: usize,
    pub offset: usize,
    pub sort: SortOrder,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            text: String::new(),
            limit: 20,
            offset: 0,
            sort: SortOrder::Relevance,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: u64,
    pub full_name: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub topics: Vec<String>,
    /// Stars on the forge.
    pub stars: u64,
    /// Stars given in Agora.
    pub agora_stars: u64,
    pub html_url: String,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub total: usize,
}

impl SearchIndex {
    pub fn search(
        &self,
        request: &SearchRequest,
        audience: Audience,
    ) -> Result<SearchResults, SearchError> {
        if request.limit == 0 || request.limit > MAX_LIMIT {
            return Err(SearchError::InvalidRequest(format!(
                "limit must be between 1 and {MAX_LIMIT}"
            )));
        }
        if request.offset > MAX_OFFSET {
            return Err(SearchError::InvalidRequest(format!(
                "offset must be at most {MAX_OFFSET}"
            )));
        }
        let f = &self.fields;
        let text = ranking::text_query(f, &request.text);
        let sort_by_stars = request.sort == SortOrder::Stars || text.is_none();
        let matched: Box<dyn Query> = text.unwrap_or_else(|| Box::new(AllQuery));
        let query: Box<dyn Query> = match audience.filter(f) {
            None => matched,
            Some(filter) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, matched),
                (Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))),
            ])),
        };
        let searcher = self.reader.searcher();
        let (total, addresses): (usize, Vec<(f32, DocAddress)>) = if sort_by_stars {
            let page = TopDocs::with_limit(request.limit).and_offset(request.offset);
            let (total, top) = searcher.search(
                &query,
                &(Count, page.order_by_fast_field::<u64>("stars", Order::Desc)),
            )?;
            (
                total,
                top.into_iter().map(|(_, addr)| (0.0, addr)).collect(),
            )
        } else {
            searcher.search(
                &query,
                &(
                    Count,
                    ranking::top_by_relevance(request.limit, request.offset),
                ),
            )?
        };
        let hits = addresses
            .into_iter()
            .map(|(score, address)| read_hit(&searcher, f, address, score))
            .collect::<Result<_, _>>()?;
        Ok(SearchResults { hits, total })
    }
}

fn read_hit(
    searcher: &Searcher,
    f: &Fields,
    address: DocAddress,
    score: f32,
) -> Result<SearchHit, SearchError> {
    let doc: TantivyDocument = searcher.doc(address)?;
    let text = |field: Field| {
        doc.get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let number = |field: Field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
    Ok(SearchHit {
        id: number(f.id),
        full_name: text(f.full_name).unwrap_or_default(),
        name: text(f.name).unwrap_or_default(),
        title: text(f.title),
        description: text(f.description),
        language: text(f.language),
        department: text(f.department),
        department_name: text(f.department_name),
        topics: doc
            .get_all(f.topics)
            .filter_map(|v| v.as_str())
            .map(str::to_owned)
            .collect(),
        stars: number(f.stars),
        agora_stars: number(f.agora_stars),
        html_url: text(f.html_url).unwrap_or_default(),
        score,
    })
}
