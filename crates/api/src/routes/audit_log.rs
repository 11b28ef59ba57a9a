//! The audit trail, for admins: every publish, star, request, decision and grant.

use actix_web::{HttpResponse, get, web};
use agora_catalog::audit::{self, AuditFilter};
use serde::Deserialize;
use serde_json::json;

use crate::auth::AdminUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct AuditParams {
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub department_id: Option<i64>,
    /// Paging: events older than this id.
    pub before_id: Option<i64>,
    pub limit: Option<i64>,
}

#[get("/admin/audit")]
pub async fn list(
    state: web::Data<AppState>,
    _admin: AdminUser,
    params: web::Query<AuditParams>,
) -> ApiResult<HttpResponse> {
    let params = params.into_inner();
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 1000".to_owned(),
        ));
    }
    let filter = AuditFilter {
        action: params.action,
        actor_id: params.actor_id,
        subject_type: params.subject_type,
        subject_id: params.subject_id,
        department_id: params.department_id,
        before_id: params.before_id,
    };
    let events = state
        .indexer
        .catalog
        .read(move |conn| audit::search(conn, &filter, limit))
        .await?;
    let events: Vec<serde_json::Value> = events
        .into_iter()
        .map(|e| {
            json!({
                "id": e.id, "at": e.at.and_utc(), "actor_id": e.actor_id, "action": e.action,
                "subject_type": e.subject_type, "subject_id": e.subject_id, "department_id": e.department_id,
                "details": serde_json::from_str::<serde_json::Value>(&e.details).unwrap_or(serde_json::Value::Null),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "events": events })))
}
