//! Access requests: file, list, withdraw, approve (which grants on the forge) and deny. Who may
//! do what is checked against the request and its project: requesters see and withdraw their
//! own; owners — leads of the owning department and admins — decide.

use actix_web::{HttpResponse, get, post, web};
use agora_catalog::access_requests::{self, AccessRequest, Scope};
use agora_catalog::model::{AccessRequestStatus, Role};
use agora_catalog::{CatalogError, audit, forges, repositories, users};
use agora_indexer::notify;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A request for read access to a project's code.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AccessRequest)]
pub struct AccessRequestView {
    pub id: i64,
    pub project_id: i64,
    pub requester_id: i64,
    pub reason: String,
    /// The requester's account on the project's forge, to grant access to.
    pub forge_username: Option<String>,
    /// `requested`, `approved`, `granted`, `grant_failed`, `denied` or `withdrawn`.
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_note: Option<String>,
    /// What the forge answered to the grant.
    pub forge_result: Option<serde_json::Value>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<AccessRequest> for AccessRequestView {
    fn from(r: AccessRequest) -> Self {
        Self {
            id: r.id,
            project_id: r.repository_id,
            requester_id: r.requester_id,
            reason: r.reason,
            forge_username: r.forge_username,
            status: r.status,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(|t| t.and_utc()),
            decision_note: r.decision_note,
            forge_result: r.forge_result.and_then(|f| serde_json::from_str(&f).ok()),
            created_at: r.created_at.and_utc(),
        }
    }
}

/// Owners of a department's repositories: its leads, and admins.
pub fn is_owner(user: &AuthUser, department_id: Option<i64>) -> bool {
    user.role == Role::Admin
        || (user.role == Role::Lead
            && user.department_id.is_some()
            && user.department_id == department_id)
}

fn audit_entry(
    actor: i64,
    action: &'static str,
    request: &AccessRequest,
    department_id: Option<i64>,
) -> audit::AuditEntry<'static> {
    audit::AuditEntry {
        actor_id: Some(actor),
        action,
        subject_type: "access_request",
        subject_id: Some(request.id.to_string()),
        department_id,
        details: json!({ "project_id": request.repository_id, "status": request.status }),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccessRequest {
    /// Why the caller needs the code.
    pub reason: String,
    /// The caller's account on the project's forge; by default the one linked to their profile.
    pub forge_username: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessRequestList {
    access_requests: Vec<AccessRequestView>,
}

/// Asks for read access to a project's code, with a reason.
#[utoipa::path(
    tag = "access-requests",
    params(("id" = i64, Path, description = "The project's catalog id.")),
    request_body = NewAccessRequest,
    responses(
        (status = 201, description = "Filed; the project's owners are notified.", body = AccessRequestView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/projects/{id}/access-requests")]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<NewAccessRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let viewer = user.viewer();
    let user_id = user.user_id;
    let body = body.into_inner();
    let notify = state.syncs.notify_config().clone();
    let created = state
        .indexer
        .catalog
        .write(move |conn| {
            let project = repositories::visible_project(conn, id, &viewer)?;
            // Prefilled from the requester's linked account on the project's forge.
            let username = match body.forge_username {
                Some(name) => Some(name),
                None => {
                    let forge = forges::by_id(conn, project.repository.forge_id)?;
                    let linked = users::by_id(conn, user_id)?
                        .map(|u| u.forge_usernames())
                        .transpose()?;
                    forge.and_then(|f| linked.and_then(|names| names.get(&f.name).cloned()))
                }
            };
            let request =
                access_requests::create(conn, user_id, id, &body.reason, username.as_deref())?;
            audit::record(
                conn,
                &audit_entry(
                    user_id,
                    "access_request.created",
                    &request,
                    project.repository.department_id,
                ),
            )?;
            notify::access_request_step(
                conn,
                &notify,
                "access_request.created",
                &request,
                &project,
            )?;
            Ok(request)
        })
        .await?;
    Ok(HttpResponse::Created().json(AccessRequestView::from(created)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `requester` (default): mine; `owner`: my inbox as a lead or admin.
    pub role: Option<String>,
    /// `open` or any status name.
    pub status: Option<String>,
}

/// The caller's requests, or (`role=owner`) the inbox of requests they may decide, newest first.
#[utoipa::path(
    tag = "access-requests",
    params(ListParams),
    responses(
        (status = 200, description = "At most 200 requests.", body = AccessRequestList),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/access-requests")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    params: web::Query<ListParams>,
) -> ApiResult<HttpResponse> {
    let scope = match params.role.as_deref() {
        None | Some("requester") => Scope::RequestedBy(user.user_id),
        Some("owner") => match (user.role, user.department_id) {
            (Role::Admin, _) => Scope::All,
            (Role::Lead, Some(department)) => Scope::OwnedBy(department),
            _ => {
                return Err(ApiError::Forbidden(
                    "only leads and admins have an owner inbox".to_owned(),
                ));
            }
        },
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "role `{other}` is not requester or owner"
            )));
        }
    };
    let status = match params.status.as_deref() {
        None => None,
        Some("open") => Some(AccessRequestStatus::Requested),
        Some(other) => Some(other.parse::<AccessRequestStatus>()?),
    };
    let requests = state
        .indexer
        .catalog
        .read(move |conn| access_requests::list(conn, scope, status, 200))
        .await?;
    let views: Vec<AccessRequestView> = requests.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(AccessRequestList {
        access_requests: views,
    }))
}

/// The requester takes back an open request.
#[utoipa::path(
    tag = "access-requests",
    params(("id" = i64, Path, description = "The access request's id.")),
    responses(
        (status = 200, description = "Withdrawn.", body = AccessRequestView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/access-requests/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let user_id = user.user_id;
    let request = state
        .indexer
        .catalog
        .write(move |conn| {
            let request = access_requests::by_id(conn, id)?
                .ok_or(CatalogError::not_found("access request"))?;
            if request.requester_id != user_id {
                return Ok(Err(ApiError::Forbidden(
                    "only the requester may withdraw a request".to_owned(),
                )));
            }
            let withdrawn = access_requests::withdraw(conn, id)?;
            let department =
                repositories::by_id(conn, withdrawn.repository_id)?.and_then(|r| r.department_id);
            audit::record(
                conn,
                &audit_entry(user_id, "access_request.withdrawn", &withdrawn, department),
            )?;
            Ok(Ok(withdrawn))
        })
        .await??;
    Ok(HttpResponse::Ok().json(AccessRequestView::from(request)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// A word for the requester, at most 2000 characters.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

async fn decide(
    state: &AppState,
    user: &AuthUser,
    id: i64,
    approving: bool,
    note: Option<String>,
) -> ApiResult<AccessRequest> {
    if note.as_deref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(ApiError::BadRequest(
            "note must be at most 2000 characters".to_owned(),
        ));
    }
    let actor = user.clone();
    let notify = state.syncs.notify_config().clone();
    let decided = state
        .indexer
        .catalog
        .write(move |conn| {
            let request = access_requests::by_id(conn, id)?
                .ok_or(CatalogError::not_found("access request"))?;
            let department =
                repositories::by_id(conn, request.repository_id)?.and_then(|r| r.department_id);
            if !is_owner(&actor, department) {
                return Ok(Err(ApiError::Forbidden(
                    "only leads of the owning department and admins may decide".to_owned(),
                )));
            }
            let decided =
                access_requests::decide(conn, id, actor.user_id, approving, note.as_deref())?;
            let action = if approving {
                "access_request.approved"
            } else {
                "access_request.denied"
            };
            audit::record(
                conn,
                &audit_entry(actor.user_id, action, &decided, department),
            )?;
            if !approving && let Some(project) = repositories::project(conn, decided.repository_id)?
            {
                notify::access_request_step(conn, &notify, action, &decided, &project)?;
            }
            Ok(Ok((decided, department)))
        })
        .await??;
    let (decided, department) = decided;
    if !approving {
        return Ok(decided);
    }
    // Only the one approval that won the compare-and-set reaches this point: one forge call.
    let granted = state.syncs.grant_access(decided.id).await?;
    let noticed = granted.clone();
    let notify_after = state.syncs.notify_config().clone();
    let entry = audit_entry(
        user.user_id,
        "access_request.grant_recorded",
        &granted,
        department,
    );
    let details = json!({ "project_id": granted.repository_id, "status": granted.status, "forge_result": granted.forge_result });
    state
        .indexer
        .catalog
        .write(move |conn| {
            audit::record(conn, &audit::AuditEntry { details, ..entry })?;
            if let Some(project) = repositories::project(conn, noticed.repository_id)? {
                notify::access_request_step(
                    conn,
                    &notify_after,
                    "access_request.granted",
                    &noticed,
                    &project,
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(granted)
}

/// Approves the request and grants read access on the forge. The answer says how the grant
/// went (`granted` or `grant_failed`, with the forge's answer in `forge_result`).
#[utoipa::path(
    tag = "access-requests",
    params(("id" = i64, Path, description = "The access request's id.")),
    request_body(content = Option<Decision>, description = "Optional."),
    responses(
        (status = 200, description = "Decided, and the grant tried.", body = AccessRequestView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/access-requests/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Option<web::Json<Decision>>,
) -> ApiResult<HttpResponse> {
    let note = body.and_then(|b| b.into_inner().note);
    let request = decide(&state, &user, id.into_inner(), true, note).await?;
    Ok(HttpResponse::Ok().json(AccessRequestView::from(request)))
}

/// Denies the request, with a note for the requester.
#[utoipa::path(
    tag = "access-requests",
    params(("id" = i64, Path, description = "The access request's id.")),
    request_body(content = Option<Decision>, description = "Optional."),
    responses(
        (status = 200, description = "Denied.", body = AccessRequestView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/access-requests/{id}/deny")]
pub async fn deny(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: Option<web::Json<Decision>>,
) -> ApiResult<HttpResponse> {
    let note = body.and_then(|b| b.into_inner().note);
    let request = decide(&state, &user, id.into_inner(), false, note).await?;
    Ok(HttpResponse::Ok().json(AccessRequestView::from(request)))
}
