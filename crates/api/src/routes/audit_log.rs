//! The audit trail, for admins: every publish, star, request, decision and grant.

use actix_web::{HttpResponse, get, web};
use agora_catalog::audit::{self, AuditFilter};
use serde::{Deserialize, Serialize};

use crate::auth::AdminUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// E.g. `project.published`, `access_request.approved`.
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub department_id: Option<i64>,
    /// Paging: events older than this id.
    pub before_id: Option<i64>,
    /// 1 to 1000; default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// One recorded event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    /// The user who acted; none for the system.
    actor_id: Option<i64>,
    action: String,
    subject_type: String,
    subject_id: Option<String>,
    department_id: Option<i64>,
    /// What the action changed, by action.
    details: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEvents {
    events: Vec<AuditEvent>,
}

/// The audit trail, newest first, filtered; page with `before_id`.
#[utoipa::path(
    tag = "admin",
    params(AuditParams),
    responses(
        (status = 200, description = "Events, newest first.", body = AuditEvents),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
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
    let events: Vec<AuditEvent> = events
        .into_iter()
        .map(|e| AuditEvent {
            id: e.id,
            at: e.at.and_utc(),
            actor_id: e.actor_id,
            action: e.action,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            department_id: e.department_id,
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    Ok(HttpResponse::Ok().json(AuditEvents { events }))
}
