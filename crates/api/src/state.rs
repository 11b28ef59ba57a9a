//! What every handler can reach: the catalog and index (through the indexer), the token keys,
//! and the sync service.

use agora_indexer::Indexer;
use agora_indexer::service::SyncService;

use crate::auth::TokenKeys;

#[derive(Clone, Debug)]
pub struct AppState {
    pub indexer: Indexer,
    pub tokens: TokenKeys,
    /// Runs forge syncs (admin triggers, webhooks); also owns the forge-token sealer.
    pub syncs: SyncService,
}
