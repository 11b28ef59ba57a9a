//! Admin: connecting forges, watching and triggering their syncs. Tokens and webhook secrets go
//! in sealed and never come out: responses only say whether one is stored.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};
use agora_catalog::model::ForgeKind;
use agora_catalog::{forges, sync_runs};
use agora_indexer::service::SyncRefused;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::AdminUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct ForgeView {
    pub name: String,
    pub kind: String,
    pub base_url: String,
    pub scope: serde_json::Value,
    pub department_map: BTreeMap<String, String>,
    pub status: String,
    pub sync_interval_secs: i64,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub has_token: bool,
    pub has_webhook_secret: bool,
    pub last_run: Option<sync_runs::SyncRun>,
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
    Ok(HttpResponse::Ok().json(json!({ "forges": forges })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewForgeRequest {
    pub name: String,
    pub kind: String,
    pub base_url: String,
    pub token: String,
    #[serde(default)]
    pub scope: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub department_map: BTreeMap<String, String>,
    pub sync_interval_minutes: Option<u32>,
    pub webhook_secret: Option<String>,
}

/// Connects a forge. The token is sealed before it is stored.
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

#[derive(Debug, Deserialize)]
pub struct SyncParams {
    #[serde(default)]
    pub full: bool,
}

/// Starts a sync of the forge in the background; 409 when one is already running.
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
    Ok(HttpResponse::Accepted().json(json!({ "forge": started, "started": true })))
}

/// The forge's recent sync runs, newest first.
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
    Ok(HttpResponse::Ok().json(json!({ "runs": runs })))
}
