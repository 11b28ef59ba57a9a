use thiserror::Error;

/// A source that could not be read, saying which source and what went wrong.
#[derive(Debug, Error)]
pub enum ForgeError {
    #[error("{source_name}: cannot read {what}: {reason}")]
    Unreadable {
        source_name: String,
        what: String,
        reason: String,
    },
    #[error("{source_name}: malformed {what}: {reason}")]
    Malformed {
        source_name: String,
        what: String,
        reason: String,
    },
}
