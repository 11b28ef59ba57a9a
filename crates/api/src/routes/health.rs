use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::error::ApiResult;
use crate::state::AppState;

/// Liveness and readiness: the database answers and the index is open.
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state.indexer.catalog.ping().await?;
    // No counts here: anyone may call it, and a count of all projects would reveal that private
    // ones exist.
    Ok(HttpResponse::Ok().json(json!({
        "status": "ok",
        "database": state.indexer.catalog.backend_name(),
        "index": if state.indexer.index.num_docs() > 0 { "ready" } else { "empty" },
    })))
}
