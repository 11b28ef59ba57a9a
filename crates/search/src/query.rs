//! Turning what people type into a tantivy query — by hand, term by term, never through the query
//! parser, so no input can be a syntax error — and reading the hits back.

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use crate::analyzer;
use crate::error::SearchError;
use crate::index::SearchIndex;
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

/// Per-field weights: a word in the name says far more about a project than one in its README.
fn weighted_fields(f: &Fields) -> [(Field, f32); 6] {
    [
        (f.name, 6.0),
        (f.full_name, 3.0),
        (f.title, 3.0),
        (f.topics, 2.5),
        (f.description, 1.5),
        (f.readme, 0.4),
    ]
}

fn text_query(f: &Fields, text: &str) -> Option<Box<dyn Query>> {
    let terms = analyzer::terms(text);
    if terms.is_empty() {
        return None;
    }
    // Every word must appear in some field; each field counts with its weight.
    let per_word: Vec<(Occur, Box<dyn Query>)> = terms
        .iter()
        .map(|word| {
            let alternatives: Vec<(Occur, Box<dyn Query>)> = weighted_fields(f)
                .into_iter()
                .map(|(field, weight)| {
                    let term = TermQuery::new(
                        Term::from_field_text(field, word),
                        IndexRecordOption::WithFreqs,
                    );
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(term), weight)) as Box<dyn Query>,
                    )
                })
                .collect();
            (
                Occur::Must,
                Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>,
            )
        })
        .collect();
    Some(Box::new(BooleanQuery::new(per_word)))
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
        let text = text_query(f, &request.text);
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
        let page = TopDocs::with_limit(request.limit).and_offset(request.offset);
        let (total, addresses): (usize, Vec<(f32, DocAddress)>) = if sort_by_stars {
            let (total, top) = searcher.search(
                &query,
                &(Count, page.order_by_fast_field::<u64>("stars", Order::Desc)),
            )?;
            (
                total,
                top.into_iter().map(|(_, addr)| (0.0, addr)).collect(),
            )
        } else {
            searcher.search(&query, &(Count, page.order_by_score()))?
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
