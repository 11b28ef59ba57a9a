use std::time::Duration;

use thiserror::Error;

/// A source that could not be read, saying which source and what went wrong.
///
/// For forge APIs, `source_name`/`forge` is the forge's label (e.g. `github`) and `what`/`call`
/// names the request (`GET /orgs/acme/repos`). No variant ever carries a token: the HTTP layer
/// builds these from status codes, response messages and transport errors only.
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
    #[error("{forge}: {call}: the token was rejected (401 Unauthorized)")]
    Unauthorized { forge: String, call: String },
    #[error("{forge}: {call}: forbidden (403): {message}")]
    Forbidden {
        forge: String,
        call: String,
        message: String,
    },
    #[error("{forge}: {call}: not found (404)")]
    NotFound { forge: String, call: String },
    #[error("{forge}: {call}: rate limited; the forge asks to wait {}s, more than allowed", retry_after.as_secs())]
    RateLimited {
        forge: String,
        call: String,
        retry_after: Duration,
    },
    #[error("{forge}: {call}: HTTP {status}: {message}")]
    Http {
        forge: String,
        call: String,
        status: u16,
        message: String,
    },
    #[error("{forge}: {call}: {reason}")]
    Transport {
        forge: String,
        call: String,
        reason: String,
    },
    #[error("{forge}: {call}: invalid input: {reason}")]
    InvalidInput {
        forge: String,
        call: String,
        reason: String,
    },
}

impl ForgeError {
    /// Whether retrying later may succeed (server errors, timeouts, rate limits), as opposed to a
    /// configuration problem (bad token, missing permission, unknown org) that will not heal.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Http { status, .. } => *status >= 500,
            Self::Transport { .. } | Self::RateLimited { .. } => true,
            _ => false,
        }
    }
}
