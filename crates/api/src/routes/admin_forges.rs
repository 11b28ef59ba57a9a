//! Admin: connecting forges, watching and triggering their syncs. Tokens and webhook secrets go
//! in sealed and never come out: responses only say whether one is stored.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};
use agora_catalog::model::ForgeKind;
use agora_catalog::{forges, sync_runs};
use agora_indexer::service::SyncRefused;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::AdminUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A connected forge. Its token and webhook secret never leave the server: only whether one is
/// stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Forge)]
pub struct ForgeView {
    pub name: String,
    /// `github`, `gitlab`, `gitea`, `bitbucket` or `git_directory`.
    pub kind: String,
    pub base_url: String,
    /// Which organisations, groups or projects are synced (forge-specific keys).
    pub scope: serde_json::Value,
    /// Forge owner (organisation, group, project key) → department slug.
    pub department_map: BTreeMap<String, String>,
    pub status: String,
    pub sync_interval_secs: i64,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub has_token: bool,
    pub has_webhook_secret: bool,
    #[schema(value_type = Option<SyncRunSchema>)]
    pub last_run: Option<sync_runs::SyncRun>,
}

/// One sync of a forge, with what it saw (`agora_catalog::sync_runs::SyncRun`). Times are UTC
/// without an offset.
#[derive(utoipa::ToSchema)]
#[schema(as = SyncRun)]
#[expect(
    dead_code,
    reason = "describes agora_catalog::sync_runs::SyncRun in the OpenAPI document"
)]
pub struct SyncRunSchema {
    id: i64,
    forge_id: i64,
    full_sync: bool,
    /// `running`, then how it ended.
    status: String,
    #[schema(format = DateTime)]
    started_at: String,
    #[schema(format = DateTime)]
    finished_at: Option<String>,
    /// Repositories the forge listed.
    listed: i64,
    /// Repositories fetched again because they changed.
    fetched: i64,
    unchanged: i64,
    skipped: i64,
    failed: i64,
    /// Requests made to the forge.
    requests: i64,
    /// Times the sync waited for the forge's rate limit.
    rate_limit_waits: i64,
    /// The errors met, as a JSON array of strings in text.
    errors: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ForgeList {
    forges: Vec<ForgeView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SyncStarted {
    /// The forge's name.
    forge: String,
    started: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SyncRuns {
    #[schema(value_type = Vec<SyncRunSchema>)]
    runs: Vec<sync_runs::SyncRun>,
}

fn view(forge: forges::Forge, last_run: Option<sync_runs::SyncRun>) -> ForgeView {
    ForgeView {
        scope: serde_json::Value::Object(forge.scope().unwrap_or_default()),
        department_map: forge.department_map().unwrap_or_default(),
        has_token: forge.token_encrypted.is_some(),
        has_webhook_secret: forge.webhook_secret_encrypted.is_some(),
        last_synced_at: forge.last_synced_at.map(|t| t.and_utc()),
        name: forge.name,
        kind: forge.kind,
        base_url: forge.base_url,
        status: forge.status,
        sync_interval_secs: forge.sync_interval_secs,
        last_run,
    }
}

/// Every connected forge with its last sync.
#[utoipa::path(
    tag = "admin",
    responses(
        (status = 200, description = "The forges.", body = ForgeList),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/admin/forges")]
pub async fn list_forges(state: web::Data<AppState>, _admin: AdminUser) -> ApiResult<HttpResponse> {
    let rows = state
        .indexer
        .catalog
        .read(|conn| {
            let mut rows = Vec::new();
            for forge in forges::list(conn)? {
                let last = sync_runs::recent(conn, forge.id, 1)?.pop();
                rows.push((forge, last));
            }
            Ok(rows)
        })
        .await?;
    let forges: Vec<ForgeView> = rows.into_iter().map(|(f, r)| view(f, r)).collect();
    Ok(HttpResponse::Ok().json(ForgeList { forges }))
}

/// A forge to connect.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewForgeRequest {
    pub name: String,
    /// `github`, `gitlab`, `gitea`, `bitbucket` or `git_directory`.
    pub kind: String,
    /// The forge's http(s) base URL.
    pub base_url: String,
    /// The forge API token; sealed before it is stored, never shown again.
    #[schema(write_only)]
    pub token: String,
    /// Which organisations, groups or projects to sync (forge-specific keys).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub scope: serde_json::Map<String, serde_json::Value>,
    /// Forge owner → department name or slug.
    #[serde(default)]
    pub department_map: BTreeMap<String, String>,
    /// 1 to 10080; default 15.
    #[schema(minimum = 1, maximum = 10080)]
    pub sync_interval_minutes: Option<u32>,
    /// The secret the forge signs its webhooks with.
    #[schema(write_only)]
    pub webhook_secret: Option<String>,
}

/// Connects a forge. The token is sealed before it is stored.
#[utoipa::path(
    tag = "admin",
    request_body = NewForgeRequest,
    responses(
        (status = 201, description = "Connected; the first sync starts on schedule.", body = ForgeView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[post("/admin/forges")]
pub async fn add_forge(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: web::Json<NewForgeRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let kind: ForgeKind = body.kind.parse()?;
    if kind == ForgeKind::ReposJson {
        return Err(ApiError::BadRequest(
            "repos.json sources are added with `agora import`".to_owned(),
        ));
    }
    if body.token.trim().is_empty() {
        return Err(ApiError::BadRequest("token must not be empty".to_owned()));
    }
    let base_url = body.base_url.trim().trim_end_matches('/').to_owned();
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        return Err(ApiError::BadRequest(
            "base_url must be an http(s) URL".to_owned(),
        ));
    }
    let minutes = body.sync_interval_minutes.unwrap_or(15);
    if !(1..=10_080).contains(&minutes) {
        return Err(ApiError::BadRequest(
            "sync_interval_minutes must be between 1 and 10080".to_owned(),
        ));
    }
    let secrets = state.syncs.secrets();
    let forge = forges::NewForge {
        name: body.name.trim().to_owned(),
        kind,
        base_url,
        scope: serde_json::Value::Object(body.scope),
        token_encrypted: Some(secrets.seal(body.token.trim())?),
        department_map: body
            .department_map
            .into_iter()
            .map(|(owner, department)| (owner, agora_catalog::departments::slugify(&department)))
            .collect(),
        sync_interval_secs: i64::from(minutes) * 60,
        webhook_secret_encrypted: match body.webhook_secret.as_deref().map(str::trim) {
            Some(secret) if !secret.is_empty() => Some(secrets.seal(secret)?),
            _ => None,
        },
    };
    let created = state
        .indexer
        .catalog
        .write(move |conn| forges::create(conn, &forge))
        .await?;
    Ok(HttpResponse::Created().json(view(created, None)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// Fetch every repository again, not only those that changed.
    #[serde(default)]
    pub full: bool,
}

/// Starts a sync of the forge in the background; 409 when one is already running.
#[utoipa::path(
    tag = "admin",
    params(("name" = String, Path, description = "The forge's name."), SyncParams),
    responses(
        (status = 202, description = "The sync has started.", body = SyncStarted),
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
#[post("/admin/forges/{name}/sync")]
pub async fn trigger_sync(
    state: web::Data<AppState>,
    _admin: AdminUser,
    name: web::Path<String>,
    params: web::Query<SyncParams>,
) -> ApiResult<HttpResponse> {
    let name = name.into_inner();
    let started = state
        .syncs
        .start(&name, params.full)
        .await
        .map_err(|e| match e {
            SyncRefused::AlreadyRunning(_) => ApiError::Conflict(e.to_string()),
            SyncRefused::UnknownForge(_) => ApiError::NotFound(e.to_string()),
            SyncRefused::Failed(inner) => inner.into(),
        })?;
    Ok(HttpResponse::Accepted().json(SyncStarted {
        forge: started,
        started: true,
    }))
}

/// The forge's recent sync runs (at most 50), newest first.
#[utoipa::path(
    tag = "admin",
    params(("name" = String, Path, description = "The forge's name.")),
    responses(
        (status = 200, description = "Recent runs, newest first.", body = SyncRuns),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = []), ("session" = []))
)]
#[get("/admin/forges/{name}/runs")]
pub async fn list_sync_runs(
    state: web::Data<AppState>,
    _admin: AdminUser,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let name = name.into_inner();
    let runs = state
        .indexer
        .catalog
        .read(move |conn| {
            let forge = forges::by_name(conn, &name)?
                .ok_or(agora_catalog::CatalogError::not_found("forge"))?;
            sync_runs::recent(conn, forge.id, 50)
        })
        .await?;
    Ok(HttpResponse::Ok().json(SyncRuns { runs }))
}
