//! What every handler can reach: the catalog and index (through the indexer), the token keys,
//! the identity settings (login mode, sessions), the sync service, and the metrics.

use agora_indexer::Indexer;
use agora_indexer::service::SyncService;

use crate::auth::TokenKeys;
use crate::identity::Identity;
use crate::metrics::Metrics;

#[derive(Clone, Debug)]
pub struct AppState {
    pub indexer: Indexer,
    pub tokens: TokenKeys,
    /// Local or OIDC login, web sessions, the public URL.
    pub identity: Identity,
    /// Runs forge syncs (admin triggers, webhooks); also owns the forge-token sealer.
    pub syncs: SyncService,
    /// HTTP histograms shared by every worker, and who may scrape them.
    pub metrics: Metrics,
}
