//! What every handler can reach: the catalog and index (through the indexer) and the token keys.

use agora_indexer::Indexer;

use crate::auth::TokenKeys;

#[derive(Clone, Debug)]
pub struct AppState {
    pub indexer: Indexer,
    pub tokens: TokenKeys,
}
