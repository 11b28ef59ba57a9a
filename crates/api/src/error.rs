//! The one place errors become HTTP: RFC 9457 `application/problem+json` bodies with a stable
//! `type` and a machine-readable `code`. Internal details are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use agora_catalog::CatalogError;
use agora_search::SearchError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

/// The body of every error answer: an RFC 9457 problem.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "/problems/not-found",
    "title": "Not Found",
    "status": 404,
    "detail": "project not found",
    "code": "not_found"
}))]
pub struct Problem {
    /// A stable URI reference naming the kind of problem: `/problems/{code with dashes}`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP status's reason phrase.
    pub title: &'static str,
    /// The HTTP status code, repeated.
    pub status: u16,
    /// What went wrong with this request, for a human.
    pub detail: String,
    /// The kind of problem, for a program: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `unavailable` or `internal`.
    pub code: &'static str,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            // Never leak internals; they are in the log.
            Self::Internal(_) => {
                "the server could not complete the request; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        Problem {
            problem_type: format!("/problems/{}", self.code().replace('_', "-")),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            code: self.code(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        if matches!(self, Self::Unauthorized(_)) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(self.problem())
    }
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::NotFound { entity } => Self::NotFound(format!("{entity} not found")),
            CatalogError::Invalid { .. } => Self::BadRequest(error.to_string()),
            CatalogError::Conflict(message) => Self::Conflict(message),
            CatalogError::Pool(_) | CatalogError::Connection(_) => {
                tracing::error!(%error, "database unavailable");
                Self::Unavailable(
                    "the catalog database is unavailable; try again shortly".to_owned(),
                )
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::InvalidRequest(message) => Self::BadRequest(message),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<agora_indexer::IndexerError> for ApiError {
    fn from(error: agora_indexer::IndexerError) -> Self {
        match error {
            agora_indexer::IndexerError::Catalog(e) => e.into(),
            agora_indexer::IndexerError::Search(e) => e.into(),
            agora_indexer::IndexerError::Source(e) => Self::BadRequest(e.to_string()),
            agora_indexer::IndexerError::Config(message) => Self::BadRequest(message),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
