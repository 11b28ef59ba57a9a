//! A search request end to end: checking it, turning the text into a query (see `ranking`),
//! matching it with the caller's visibility and the chosen filters (see `matching`, `filter`)
//! into a page in the requested order, the total and the facet counts (see `facet`), and reading
//! the hits back from stored fields with their snippets (see `snippet`).

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tantivy::schema::Field;
use tantivy::schema::document::{
    DeserializeError, DocumentDeserialize, DocumentDeserializer, OwnedValue,
};
use tantivy::{DocAddress, Searcher};

use crate::error::SearchError;
use crate::facet::{Counts, FacetField, Facets};
use crate::filter::Filters;
use crate::index::SearchIndex;
use crate::matching::{self, Matched, Plan};
use crate::ranking;
use crate::schema::Fields;
use crate::snippet::{SnippetMaker, Snippets};
use crate::visibility::Audience;

pub const MAX_LIMIT: usize = 100;
/// Deep paging costs as much as collecting every page before it; nobody reads page 500.
pub const MAX_OFFSET: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// Best match first; with no words typed, most starred first.
    #[default]
    Relevance,
    /// Most forge stars first.
    Stars,
    /// Most recently pushed first; projects never pushed (or not yet synced) last.
    Recent,
    /// Highest activity score first (most starred first among equals, so the order is useful
    /// before the sync has scored anything).
    Activity,
}

impl SortOrder {
    pub const NAMES: [&'static str; 4] = ["relevance", "stars", "recent", "activity"];

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "relevance" => Some(Self::Relevance),
            "stars" => Some(Self::Stars),
            "recent" => Some(Self::Recent),
            "activity" => Some(Self::Activity),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchRequest {
    pub text: String,
    pub limit: usize,
    pub offset: usize,
    pub sort: SortOrder,
    pub filters: Filters,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            text: String::new(),
            limit: 20,
            offset: 0,
            sort: SortOrder::Relevance,
            filters: Filters::default(),
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
    pub license: Option<String>,
    pub maturity: Option<String>,
    /// The forge's catalog id.
    pub forge_id: Option<u64>,
    pub has_contributing: bool,
    pub activity_score: u64,
    /// Last push, unix seconds.
    pub pushed_at: Option<i64>,
    pub score: f32,
    /// Highlighted fragments (HTML: escaped text and `<mark>`) where the typed words matched.
    pub snippets: Snippets,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub total: usize,
    pub facets: Facets,
    /// Time spent in the index, milliseconds.
    pub took_ms: u64,
}

impl SearchIndex {
    pub fn search(
        &self,
        request: &SearchRequest,
        audience: Audience,
    ) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
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
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let key = SearchKey {
            request: request.clone(),
            audience,
        };
        let cache = self.caches.as_ref().map(|c| &c.search);
        if let Some(answer) = cache.and_then(|c| c.get(&key, generation)) {
            let mut results = SearchResults::clone(&answer);
            results.took_ms = elapsed_ms(started);
            return Ok(results);
        }
        let results = self.search_in(&searcher, request, audience, started)?;
        if let Some(cache) = cache {
            cache.insert(key, generation, Arc::new(results.clone()));
        }
        Ok(results)
    }

    /// `search` on this searcher, without the answer cache.
    fn search_in(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        audience: Audience,
        started: Instant,
    ) -> Result<SearchResults, SearchError> {
        let f = &self.fields;
        let data = self.segment_data.prepare(searcher)?;
        let text = ranking::text_query(f, &request.text);
        let Matched {
            total,
            page,
            counts,
        } = matching::run(
            searcher,
            f,
            &data,
            audience,
            &Plan {
                text: text.as_ref(),
                filters: &request.filters,
                sort: request.sort,
                limit: request.limit,
                offset: request.offset,
            },
        )?;
        let mut facets = Facets::default();
        for facet in FacetField::ALL {
            let empty = Counts::new();
            let counted = counts.get(&facet).unwrap_or(&empty);
            facets.set(
                facet,
                counted,
                data.values(facet),
                request.filters.values(facet),
            );
        }

        let snippets = text
            .as_ref()
            .map(|q| SnippetMaker::new(searcher, q, f.description, f.readme))
            .transpose()?;
        let hits = page
            .into_iter()
            .map(|(score, address)| read_hit(searcher, f, address, score, snippets.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(SearchResults {
            hits,
            total,
            facets,
            took_ms: elapsed_ms(started),
        })
    }
}

/// What a search answer depends on besides the index: the request and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SearchKey {
    request: SearchRequest,
    audience: Audience,
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn read_hit(
    searcher: &Searcher,
    f: &Fields,
    address: DocAddress,
    score: f32,
    snippets: Option<&SnippetMaker>,
) -> Result<SearchHit, SearchError> {
    let mut doc: StoredFields = searcher.doc(address)?;
    let description = doc.take_text(f.description);
    let snippets = snippets.map_or_else(Snippets::default, |maker| {
        maker.snippets(description.as_deref(), doc.text(f.readme_text))
    });
    Ok(SearchHit {
        id: doc.number(f.id).unwrap_or(0),
        full_name: doc.take_text(f.full_name).unwrap_or_default(),
        name: doc.take_text(f.name).unwrap_or_default(),
        title: doc.take_text(f.title),
        description,
        language: doc.take_text(f.language),
        department: doc.take_text(f.department),
        department_name: doc.take_text(f.department_name),
        topics: doc.take_texts(f.topics),
        stars: doc.number(f.stars).unwrap_or(0),
        agora_stars: doc.number(f.agora_stars).unwrap_or(0),
        html_url: doc.take_text(f.html_url).unwrap_or_default(),
        license: doc.take_text(f.license),
        maturity: doc.take_text(f.maturity),
        forge_id: doc.number(f.forge_id),
        has_contributing: doc.number(f.has_contributing).unwrap_or(0) == 1,
        activity_score: doc.number(f.activity_score).unwrap_or(0),
        pushed_at: doc.signed(f.pushed_at),
        score,
        snippets,
    })
}

/// A hit's stored fields, read straight into owned values: each string is copied once, out of
/// the doc store block into the hit, where a `TantivyDocument` copied it into its own buffer
/// first.
struct StoredFields(Vec<(Field, OwnedValue)>);

impl DocumentDeserialize for StoredFields {
    fn deserialize<'de, D>(mut deserializer: D) -> Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut values = Vec::with_capacity(deserializer.size_hint());
        while let Some(value) = deserializer.next_field::<OwnedValue>()? {
            values.push(value);
        }
        Ok(Self(values))
    }
}

impl StoredFields {
    /// The first text of `field`, moved out.
    fn take_text(&mut self, field: Field) -> Option<String> {
        self.0.iter_mut().find_map(|(f, value)| match value {
            OwnedValue::Str(text) if *f == field => Some(std::mem::take(text)),
            _ => None,
        })
    }

    /// Every text of `field`, moved out.
    fn take_texts(&mut self, field: Field) -> Vec<String> {
        self.0
            .iter_mut()
            .filter_map(|(f, value)| match value {
                OwnedValue::Str(text) if *f == field => Some(std::mem::take(text)),
                _ => None,
            })
            .collect()
    }

    fn text(&self, field: Field) -> Option<&str> {
        self.0.iter().find_map(|(f, value)| match value {
            OwnedValue::Str(text) if *f == field => Some(text.as_str()),
            _ => None,
        })
    }

    fn number(&self, field: Field) -> Option<u64> {
        self.0.iter().find_map(|(f, value)| match value {
            OwnedValue::U64(n) if *f == field => Some(*n),
            _ => None,
        })
    }

    fn signed(&self, field: Field) -> Option<i64> {
        self.0.iter().find_map(|(f, value)| match value {
            OwnedValue::I64(n) if *f == field => Some(*n),
            _ => None,
        })
    }
}
