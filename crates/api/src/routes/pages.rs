//! Server-rendered pages: they work without JavaScript.

use actix_web::{HttpResponse, get, http::header, web};
use agora_search::SearchHit;
use askama::Template;

use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult};
use crate::routes::search::{QueryPairs, audience, query_text, request};
use crate::state::AppState;

const STYLESHEET: &str = include_str!("../../../../web/static/agora.css");

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    query: &'a str,
    hits: &'a [SearchHit],
    total: usize,
    error: Option<String>,
}

/// The home page: a search box and the results (most starred first when nothing is typed).
#[get("/")]
pub async fn index(
    state: web::Data<AppState>,
    user: MaybeUser,
    params: QueryPairs,
) -> ApiResult<HttpResponse> {
    let (hits, total, error) = match request(&params).and_then(|r| {
        state
            .indexer
            .index
            .search(&r, audience(&user.viewer()))
            .map_err(ApiError::from)
    }) {
        Ok(results) => (results.hits, results.total, None),
        // A bad parameter on a page is shown on the page, not as a JSON problem.
        Err(ApiError::BadRequest(message)) => (Vec::new(), 0, Some(message)),
        Err(other) => return Err(other),
    };
    let page = IndexPage {
        query: query_text(&params),
        hits: &hits,
        total,
        error,
    };
    let html = page
        .render()
        .map_err(|e| ApiError::Internal(format!("rendering the index page: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

#[get("/static/agora.css")]
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}
