use thiserror::Error;

/// Everything the catalog can refuse or fail at. Mapped once to HTTP in the api crate.
#[derive(Debug, Error)]
pub enum CatalogError {
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidDatabaseUrl { url: String, reason: String },
    #[error("cannot open the database: {0}")]
    Connection(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("{0}")]
    Conflict(String),
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("stored {field} is not valid JSON: {reason}")]
    CorruptJson { field: &'static str, reason: String },
    #[error("the database task was cancelled")]
    TaskCancelled,
}

impl CatalogError {
    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

pub type CatalogResult<T> = Result<T, CatalogError>;
