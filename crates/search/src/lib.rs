//! Agora's search index (tantivy). It is derived from the catalog and can always be rebuilt from
//! it: `schema` says what each field is for, `analyzer` how text becomes terms, `writer` owns the
//! single index writer, `ranking` turns what people type into a scored query without ever parsing
//! it as query syntax, `query` runs a request, and `visibility` keeps what a caller may not see
//! out of hits and counts.

pub mod analyzer;
pub mod document;
pub mod error;
pub mod index;
pub mod query;
mod ranking;
pub mod schema;
pub mod visibility;
mod writer;

#[cfg(test)]
mod tests;

pub use document::ProjectDocument;
pub use error::SearchError;
pub use index::{OpenOutcome, SearchIndex};
pub use query::{SearchHit, SearchRequest, SearchResults, SortOrder};
pub use visibility::Audience;
