//! Carrying out an approved access request on the forge, and recording what the forge said.

use agora_catalog::access_requests::{self, AccessRequest};
use agora_catalog::model::{AccessRequestStatus, ForgeKind};
use agora_catalog::{CatalogError, forges, repositories};
use agora_forge::GrantOutcome;
use serde_json::json;

use crate::IndexerError;
use crate::service::SyncService;

impl SyncService {
    /// Grants read access for an approved request. The outcome is stored on the request:
    /// granted (effective, invited or already there), grant_failed (the forge refused, with its
    /// reason), or — on a transient failure — still approved, to be tried again.
    pub async fn grant_access(&self, request_id: i64) -> Result<AccessRequest, IndexerError> {
        let catalog = self.indexer().catalog.clone();
        let (request, repository, forge) = catalog
            .read(move |conn| {
                let request = access_requests::by_id(conn, request_id)?
                    .ok_or(CatalogError::not_found("access request"))?;
                let repository = repositories::by_id(conn, request.repository_id)?
                    .ok_or(CatalogError::not_found("project"))?;
                let forge = forges::by_id(conn, repository.forge_id)?
                    .ok_or(CatalogError::not_found("forge"))?;
                Ok((request, repository, forge))
            })
            .await?;
        let (status, result) = match (&request.forge_username, forge.kind()?) {
            (None, _) => (
                AccessRequestStatus::GrantFailed,
                json!({"outcome": "unknown_user", "message": "the request names no forge username"}),
            ),
            (Some(_), ForgeKind::ReposJson) => (
                AccessRequestStatus::GrantFailed,
                json!({"outcome": "not_permitted", "message": "this project was imported from a repos.json file: grant access on its forge by hand"}),
            ),
            (Some(username), _) => {
                let outcome =
                    match crate::connectors::client_for(&forge, self.secrets(), self.limits()) {
                        Ok(client) => client.grant_read(&repository.full_name, username).await,
                        Err(e) => Ok(GrantOutcome::NotPermitted(e.to_string())),
                    };
                match outcome {
                    Ok(GrantOutcome::Granted) => {
                        (AccessRequestStatus::Granted, json!({"outcome": "granted"}))
                    }
                    Ok(GrantOutcome::Invited) => (
                        AccessRequestStatus::Granted,
                        json!({"outcome": "invited", "message": "the user must accept the invitation on the forge"}),
                    ),
                    Ok(GrantOutcome::AlreadyHadAccess) => (
                        AccessRequestStatus::Granted,
                        json!({"outcome": "already_had_access"}),
                    ),
                    Ok(GrantOutcome::NotPermitted(message)) => (
                        AccessRequestStatus::GrantFailed,
                        json!({"outcome": "not_permitted", "message": message}),
                    ),
                    Ok(GrantOutcome::UnknownUser(message)) => (
                        AccessRequestStatus::GrantFailed,
                        json!({"outcome": "unknown_user", "message": message}),
                    ),
                    Ok(GrantOutcome::TransientFailure(message)) => (
                        AccessRequestStatus::Approved,
                        json!({"outcome": "transient_failure", "message": message}),
                    ),
                    Err(e) if e.is_transient() => (
                        AccessRequestStatus::Approved,
                        json!({"outcome": "transient_failure", "message": e.to_string()}),
                    ),
                    Err(e) => (
                        AccessRequestStatus::GrantFailed,
                        json!({"outcome": "failed", "message": e.to_string()}),
                    ),
                }
            }
        };
        catalog
            .write(move |conn| {
                access_requests::record_grant(conn, request_id, status, &result)?;
                access_requests::by_id(conn, request_id)?
                    .ok_or(CatalogError::not_found("access request"))
            })
            .await
            .map_err(IndexerError::from)
    }
}
