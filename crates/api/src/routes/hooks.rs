//! Forge webhooks: `POST /api/v1/hooks/{forge}`. The request must prove it comes from the forge —
//! GitHub `X-Hub-Signature-256`, Gitea/Forgejo `X-Gitea-Signature`/`X-Forgejo-Signature`, Bitbucket
//! `X-Hub-Signature` (HMAC-SHA256 of the body), GitLab `X-Gitlab-Token` (the shared secret) —
//! before anything is read from it. A verified event re-syncs just the repository it names, in
//! the background; an unsigned or badly signed one is a 401 and changes nothing.

use actix_web::{HttpRequest, HttpResponse, post, web};
use agora_catalog::forges;
use agora_catalog::model::ForgeKind;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const MAX_WEBHOOK_BODY: usize = 5 * 1024 * 1024;

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Checks a hex HMAC-SHA256 signature (with or without the `sha256=` prefix) in constant time.
fn hmac_matches(secret: &str, body: &[u8], signature: Option<&str>) -> bool {
    let Some(signature) = signature else {
        return false;
    };
    let hex_digest = signature
        .trim()
        .strip_prefix("sha256=")
        .unwrap_or(signature.trim());
    let Ok(expected) = hex::decode(hex_digest) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Whether the request carries the forge's proof of origin.
fn verified(kind: ForgeKind, secret: &str, req: &HttpRequest, body: &[u8]) -> bool {
    match kind {
        ForgeKind::Github => hmac_matches(secret, body, header(req, "x-hub-signature-256")),
        ForgeKind::Gitea => hmac_matches(
            secret,
            body,
            header(req, "x-gitea-signature").or_else(|| header(req, "x-forgejo-signature")),
        ),
        ForgeKind::Bitbucket => hmac_matches(secret, body, header(req, "x-hub-signature")),
        ForgeKind::Gitlab => header(req, "x-gitlab-token")
            .is_some_and(|token| bool::from(token.as_bytes().ct_eq(secret.as_bytes()))),
        ForgeKind::GitDirectory | ForgeKind::ReposJson => false,
    }
}

/// The repository an event is about, as the forge's `full_name`.
fn affected_repository(kind: ForgeKind, payload: &Value) -> Option<String> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    match kind {
        ForgeKind::Github | ForgeKind::Gitea => {
            payload.pointer("/repository/full_name").and_then(text)
        }
        ForgeKind::Gitlab => payload
            .pointer("/project/path_with_namespace")
            .or_else(|| payload.get("path_with_namespace"))
            .and_then(text),
        ForgeKind::Bitbucket => {
            let key = payload
                .pointer("/repository/project/key")
                .and_then(Value::as_str)?;
            let slug = payload
                .pointer("/repository/slug")
                .and_then(Value::as_str)?;
            Some(format!("{key}/{slug}"))
        }
        ForgeKind::GitDirectory | ForgeKind::ReposJson => None,
    }
}

/// What a webhook was answered.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HookReceipt {
    /// `pong` for a ping, `ignored` for an event about no repository, `accepted` when the
    /// repository it names is being re-synced.
    status: &'static str,
    /// The forge's event name (absent for a ping).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    event: Option<String>,
    /// The repository being re-synced, as the forge's full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    repository: Option<String>,
}

/// Receives a forge webhook. The request must carry the forge's proof of origin — GitHub
/// `X-Hub-Signature-256`, Gitea/Forgejo `X-Gitea-Signature`/`X-Forgejo-Signature`, Bitbucket
/// `X-Hub-Signature` (HMAC-SHA256 of the body with the forge's webhook secret), GitLab
/// `X-Gitlab-Token` (the secret itself). A verified event re-syncs the repository it names in the
/// background.
#[utoipa::path(
    tag = "hooks",
    params(("forge" = String, Path, description = "The forge's name in Agora.")),
    request_body(content = Object, description = "The forge's event payload (at most 5 MiB), as the forge sends it."),
    responses(
        (status = 200, description = "A ping, answered.", body = HookReceipt),
        (status = 202, description = "Accepted: re-syncing the repository, or ignored.", body = HookReceipt),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 500, response = crate::openapi::Internal),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[post("/hooks/{forge}")]
pub async fn receive(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    if body.len() > MAX_WEBHOOK_BODY {
        return Err(ApiError::BadRequest(
            "the webhook body is too large".to_owned(),
        ));
    }
    let name = name.into_inner();
    let lookup = name.clone();
    // An unknown forge and a forge without a secret answer like a bad signature: a caller without
    // the secret learns nothing about which forges exist.
    let refused =
        || ApiError::Unauthorized("the webhook is not signed with this forge's secret".to_owned());
    let forge = state
        .indexer
        .catalog
        .read(move |conn| forges::by_name(conn, &lookup))
        .await?
        .ok_or_else(refused)?;
    let sealed = forge
        .webhook_secret_encrypted
        .as_deref()
        .ok_or_else(refused)?;
    let secret = state.syncs.secrets().open(sealed)?;
    let kind = forge.kind()?;
    if !verified(kind, &secret, &req, &body) {
        tracing::warn!(forge = %forge.name, "webhook with a missing or bad signature refused");
        return Err(refused());
    }
    let event = header(&req, "x-github-event")
        .or_else(|| header(&req, "x-gitlab-event"))
        .or_else(|| header(&req, "x-gitea-event"))
        .or_else(|| header(&req, "x-forgejo-event"))
        .or_else(|| header(&req, "x-event-key"))
        .unwrap_or("unknown")
        .to_owned();
    if event == "ping" || event == "diagnostics:ping" {
        return Ok(HttpResponse::Ok().json(HookReceipt {
            status: "pong",
            event: None,
            repository: None,
        }));
    }
    let payload: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the webhook body is not JSON: {e}")))?;
    let Some(full_name) = affected_repository(kind, &payload) else {
        return Ok(HttpResponse::Accepted().json(HookReceipt {
            status: "ignored",
            event: Some(event),
            repository: None,
        }));
    };
    let syncs = state.syncs.clone();
    let repository = full_name.clone();
    tokio::spawn(async move {
        match syncs.sync_repository(&name, &repository).await {
            Ok(Some(id)) => {
                tracing::info!(forge = %name, %repository, id, "webhook re-synced the repository")
            }
            Ok(None) => {
                tracing::info!(forge = %name, %repository, "webhook: the repository is gone on the forge")
            }
            Err(e) => {
                tracing::warn!(forge = %name, %repository, error = %e, "webhook re-sync failed")
            }
        }
    });
    Ok(HttpResponse::Accepted().json(HookReceipt {
        status: "accepted",
        event: Some(event),
        repository: Some(full_name),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_signatures_verify_with_and_without_prefix() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(b"{}");
        let hex_sig = hex::encode(mac.finalize().into_bytes());
        assert!(hmac_matches(
            "s3cret",
            b"{}",
            Some(&format!("sha256={hex_sig}"))
        ));
        assert!(hmac_matches("s3cret", b"{}", Some(&hex_sig)));
        assert!(!hmac_matches("other", b"{}", Some(&hex_sig)));
        assert!(!hmac_matches("s3cret", b"{ }", Some(&hex_sig)));
        assert!(!hmac_matches("s3cret", b"{}", Some("sha256=zz")));
        assert!(!hmac_matches("s3cret", b"{}", None));
    }
}
