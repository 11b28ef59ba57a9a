use actix_web::{HttpResponse, get, web};
use agora_search::{Audience, SearchRequest, SortOrder};
use serde::Deserialize;

use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    pub sort: Option<String>,
}

pub fn audience(viewer: &agora_catalog::Viewer) -> Audience {
    if viewer.is_admin() {
        Audience::Everything
    } else {
        Audience::Member {
            department_id: viewer.department_id.and_then(|id| u64::try_from(id).ok()),
        }
    }
}

pub fn request(params: &SearchParams) -> ApiResult<SearchRequest> {
    let sort = match params.sort.as_deref() {
        None | Some("relevance") => SortOrder::Relevance,
        Some("stars") => SortOrder::Stars,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "sort `{other}` is not one of relevance, stars"
            )));
        }
    };
    Ok(SearchRequest {
        text: params.q.clone(),
        limit: params.limit.unwrap_or(20),
        offset: params.offset.unwrap_or(0),
        sort,
    })
}

/// Full-text search over the projects the caller may see.
#[get("/search")]
pub async fn search(
    state: web::Data<AppState>,
    user: MaybeUser,
    params: web::Query<SearchParams>,
) -> ApiResult<HttpResponse> {
    let results = state
        .indexer
        .index
        .search(&request(&params)?, audience(&user.viewer()))?;
    Ok(HttpResponse::Ok().json(results))
}
