//! Running syncs inside the server: on a schedule (per forge, its own interval), on demand
//! (admin API) and per repository (webhooks) — never two syncs of the same forge at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agora_catalog::forges;
use agora_catalog::model::ForgeKind;
use agora_catalog::secret_box::SecretBox;
use agora_forge::{FetchedRepository, HttpLimits};
use chrono::Utc;

use crate::sync::{SyncOptions, SyncReport};
use crate::{Indexer, IndexerError, NoProgress};

/// How often the scheduler looks for forges that are due.
const SCHEDULER_TICK: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct SyncService {
    indexer: Indexer,
    secrets: SecretBox,
    limits: HttpLimits,
    /// One lock per forge: held while that forge syncs.
    running: Arc<Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>>,
    notify: Arc<crate::notify::NotifyConfig>,
    http: reqwest::Client,
}

impl std::fmt::Debug for SyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncService")
    }
}

/// Why a sync did not start.
#[derive(Debug, thiserror::Error)]
pub enum SyncRefused {
    #[error("forge `{0}` is already syncing")]
    AlreadyRunning(String),
    #[error("no forge named `{0}`")]
    UnknownForge(String),
    #[error(transparent)]
    Failed(#[from] IndexerError),
}

impl SyncService {
    pub fn new(indexer: Indexer, secrets: SecretBox, limits: HttpLimits) -> Self {
        Self {
            indexer,
            secrets,
            limits,
            running: Arc::new(Mutex::new(HashMap::new())),
            notify: Arc::new(crate::notify::NotifyConfig::default()),
            // Building a client only fails without a TLS backend; fall back to the default one.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    /// Where access-request notices go (nowhere by default).
    pub fn with_notifications(mut self, config: crate::notify::NotifyConfig) -> Self {
        self.notify = Arc::new(config);
        self
    }

    pub fn notify_config(&self) -> &crate::notify::NotifyConfig {
        &self.notify
    }

    /// Sends the notices that are due; returns how many were delivered.
    pub async fn deliver_due_notifications(&self) -> Result<usize, IndexerError> {
        let due = self
            .indexer
            .catalog
            .read(|conn| agora_catalog::notifications::due(conn, 50))
            .await?;
        let mut delivered = 0;
        for notice in due {
            let outcome = crate::notify::deliver(&self.http, &self.notify, &notice).await;
            let id = notice.id;
            match outcome {
                Ok(()) => {
                    delivered += 1;
                    self.indexer
                        .catalog
                        .write(move |conn| agora_catalog::notifications::mark_sent(conn, id))
                        .await?;
                }
                Err(error) => {
                    tracing::warn!(notification = id, channel = %notice.channel, %error, "notification not delivered; will retry");
                    self.indexer
                        .catalog
                        .write(move |conn| {
                            agora_catalog::notifications::mark_failed_attempt(conn, &notice, &error)
                        })
                        .await?;
                }
            }
        }
        Ok(delivered)
    }

    /// Runs forever: delivers due notices every few seconds.
    pub async fn run_notifications(self) {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = self.deliver_due_notifications().await {
                tracing::warn!(error = %e, "notification dispatcher cannot read the outbox");
            }
        }
    }

    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    pub fn indexer(&self) -> &Indexer {
        &self.indexer
    }

    pub fn limits(&self) -> HttpLimits {
        self.limits.clone()
    }

    fn lock_for(&self, forge_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        running.entry(forge_id).or_default().clone()
    }

    async fn forge_named(&self, name: &str) -> Result<forges::Forge, SyncRefused> {
        let owned = name.to_owned();
        self.indexer
            .catalog
            .read(move |conn| forges::by_name(conn, &owned))
            .await
            .map_err(IndexerError::from)?
            .ok_or_else(|| SyncRefused::UnknownForge(name.to_owned()))
    }

    /// Syncs the forge now, unless it is already syncing.
    pub async fn sync_now(&self, name: &str, full: bool) -> Result<SyncReport, SyncRefused> {
        let forge = self.forge_named(name).await?;
        let lock = self.lock_for(forge.id);
        let Ok(_guard) = lock.try_lock() else {
            return Err(SyncRefused::AlreadyRunning(forge.name));
        };
        let client = crate::connectors::client_for(&forge, &self.secrets, self.limits.clone())?;
        let options = SyncOptions {
            full,
            ..SyncOptions::default()
        };
        Ok(self
            .indexer
            .sync_forge(&forge, client.as_ref(), &options, &NoProgress)
            .await?)
    }

    /// Starts a sync of the forge in the background. Refused at once when the forge is unknown,
    /// cannot be connected (no token…) or is already syncing. Returns the forge's name.
    pub async fn start(&self, name: &str, full: bool) -> Result<String, SyncRefused> {
        let forge = self.forge_named(name).await?;
        let Ok(guard) = self.lock_for(forge.id).try_lock_owned() else {
            return Err(SyncRefused::AlreadyRunning(forge.name));
        };
        let client = crate::connectors::client_for(&forge, &self.secrets, self.limits.clone())?;
        let indexer = self.indexer.clone();
        let forge_name = forge.name.clone();
        tokio::spawn(async move {
            let _running = guard;
            let options = SyncOptions {
                full,
                ..SyncOptions::default()
            };
            match indexer
                .sync_forge(&forge, client.as_ref(), &options, &NoProgress)
                .await
            {
                Ok(report) => {
                    tracing::info!(forge = %forge.name, status = report.status.as_str(), "sync finished")
                }
                Err(e) => tracing::error!(forge = %forge.name, error = %e, "sync failed"),
            }
        });
        Ok(forge_name)
    }

    /// Re-syncs one repository of the forge (a webhook said it changed). Returns its catalog id.
    pub async fn sync_repository(
        &self,
        name: &str,
        full_name: &str,
    ) -> Result<Option<i64>, SyncRefused> {
        let forge = self.forge_named(name).await?;
        let client = crate::connectors::client_for(&forge, &self.secrets, self.limits.clone())?;
        let fetched = client
            .fetch_repository(full_name)
            .await
            .map_err(IndexerError::from)?;
        match fetched {
            FetchedRepository::Found(remote)
            | FetchedRepository::Moved {
                repository: remote, ..
            } => Ok(Some(
                self.indexer
                    .sync_one(&forge, client.as_ref(), remote)
                    .await?,
            )),
            FetchedRepository::Gone => Ok(None),
        }
    }

    /// Tries again the grants that a transient forge failure left undone.
    pub async fn retry_stalled_grants(
        &self,
        idle: chrono::Duration,
    ) -> Result<usize, IndexerError> {
        let stalled = self
            .indexer
            .catalog
            .read(move |conn| agora_catalog::access_requests::stalled_grants(conn, idle, 20))
            .await?;
        let mut granted = 0;
        for request in stalled {
            let updated = self.grant_access(request.id).await?;
            if updated.status != "approved" {
                granted += 1;
            }
        }
        Ok(granted)
    }

    /// Runs forever: every tick, starts the syncs that are due, one at a time per forge.
    pub async fn run_schedule(self) {
        let mut tick = tokio::time::interval(SCHEDULER_TICK);
        loop {
            tick.tick().await;
            // A minute of quiet first, so as not to race a grant still under way.
            if let Err(e) = self
                .retry_stalled_grants(chrono::Duration::minutes(1))
                .await
            {
                tracing::warn!(error = %e, "retrying stalled grants failed");
            }
            let due = match self.indexer.catalog.read(forges::list).await {
                Ok(all) => all
                    .into_iter()
                    .filter(|f| {
                        f.token_encrypted.is_some() || f.kind == ForgeKind::GitDirectory.as_str()
                    })
                    .filter(|f| {
                        f.last_synced_at.is_none_or(|last| {
                            (Utc::now().naive_utc() - last).num_seconds() >= f.sync_interval_secs
                        })
                    })
                    .collect::<Vec<_>>(),
                Err(e) => {
                    tracing::warn!(error = %e, "scheduler cannot read the forges");
                    continue;
                }
            };
            for forge in due {
                let service = self.clone();
                tokio::spawn(async move {
                    match service.sync_now(&forge.name, false).await {
                        Ok(report) => tracing::info!(
                            forge = %forge.name,
                            status = report.status.as_str(),
                            listed = report.counts.listed,
                            fetched = report.counts.fetched,
                            "scheduled sync finished"
                        ),
                        Err(SyncRefused::AlreadyRunning(_)) => {}
                        Err(e) => {
                            tracing::warn!(forge = %forge.name, error = %e, "scheduled sync failed")
                        }
                    }
                });
            }
        }
    }
}
