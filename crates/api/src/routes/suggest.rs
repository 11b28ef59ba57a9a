//! `GET /api/v1/suggest?q=`: search-as-you-type. The few projects whose name or title begins with
//! what has been typed, for a dropdown under the search box; the same visibility rule as search.

use actix_web::{HttpResponse, get, web};
use agora_search::Suggestion;
use serde::{Deserialize, Serialize};

use crate::auth::MaybeUser;
use crate::error::ApiResult;
use crate::routes::search::audience;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What has been typed so far.
    #[serde(default)]
    pub q: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    #[schema(value_type = Vec<SuggestionSchema>)]
    suggestions: Vec<Suggestion>,
}

/// A project whose name or title begins with what was typed (`agora_search::Suggestion`).
#[derive(utoipa::ToSchema)]
#[schema(as = Suggestion)]
#[expect(
    dead_code,
    reason = "describes agora_search::Suggestion in the OpenAPI document"
)]
pub struct SuggestionSchema {
    /// The project's catalog id.
    id: u64,
    name: String,
    title: Option<String>,
    full_name: String,
}

/// Up to eight suggestions, best first; none for an empty `q`.
#[utoipa::path(
    tag = "search",
    params(SuggestParams),
    responses(
        (status = 200, description = "Suggestions, best first.", body = Suggestions),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security((), ("bearer" = []), ("session" = []))
)]
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
