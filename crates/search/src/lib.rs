//! Agora's search index (tantivy). It is derived from the catalog and can always be rebuilt from
//! it: `schema` says what each field is for, `analyzer` how text becomes terms, `writer` owns the
//! single index writer, `ranking` turns what people type into a scored query without ever parsing
//! it as query syntax (evaluated a term at a time by `text_query`), `query` runs a request
//! (`matching` it with bitsets against `filter`s and visibility, with `facet` counts and
//! `snippet`s), `suggest` answers search-as-you-type, and `visibility` keeps what a caller may
//! not see out of hits, counts and suggestions.

pub mod analyzer;
mod cache;
mod doc_bits;
pub mod document;
pub mod error;
pub mod facet;
pub mod filter;
pub mod index;
mod matching;
pub mod query;
mod ranking;
pub mod schema;
mod scratch;
mod segment_data;
pub mod snippet;
pub mod suggest;
mod text_query;
pub mod visibility;
mod writer;

#[cfg(test)]
mod tests;

pub use cache::DEFAULT_ENTRIES as DEFAULT_ANSWER_CACHE_ENTRIES;
pub use document::ProjectDocument;
pub use error::SearchError;
pub use facet::{FacetCount, FacetField, Facets};
pub use filter::Filters;
pub use index::{OpenOutcome, SearchIndex};
pub use query::{SearchHit, SearchRequest, SearchResults, SortOrder};
pub use snippet::Snippets;
pub use suggest::{MAX_SUGGESTIONS, Suggestion};
pub use visibility::Audience;
