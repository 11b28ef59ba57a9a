//! `GET /api/v1/suggest?q=`: search-as-you-type. The few projects whose name or title begins with
//! what has been typed, for a dropdown under the search box; the same visibility rule as search.

use actix_web::{HttpResponse, get, web};
use agora_search::Suggestion;
use serde::{Deserialize, Serialize};

use crate::auth::MaybeUser;
use crate::error::ApiResult;
use crate::routes::search::audience;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    pub q: String,
}

#[derive(Debug, Serialize)]
struct Suggestions {
    suggestions: Vec<Suggestion>,
}

/// Up to eight suggestions, best first; none for an empty `q`.
#[get("/suggest")]
pub async fn suggest(
    state: web::Data<AppState>,
    user: MaybeUser,
    params: web::Query<SuggestParams>,
) -> ApiResult<HttpResponse> {
    // Names and titles only, a handful of term lookups: cheap enough to answer in place.
    let suggestions = state
        .indexer
        .index
        .suggest(&params.q, audience(&user.viewer()))?;
    Ok(HttpResponse::Ok().json(Suggestions { suggestions }))
}
