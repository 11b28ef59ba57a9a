use thiserror::Error;

#[derive(Debug, Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("cannot use the index directory {path}: {reason}")]
    Directory { path: String, reason: String },
    #[error(
        "the search index at {path} is in use by another process (is `agora serve` running on this data directory?)"
    )]
    Locked { path: String },
    #[error("the index writer has stopped")]
    WriterGone,
    #[error("invalid search request: {0}")]
    InvalidRequest(String),
    #[error("the search task failed: {0}")]
    Task(String),
}
