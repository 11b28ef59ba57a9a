//! The sync pipeline: sources (forge crate) → catalog → search index. Everything that changes the
//! catalog in bulk lives here — importing a repos.json, rebuilding the index, exporting — so the
//! CLI and the API call the same code.

pub mod activity;
pub mod connectors;
pub mod department;
pub mod documents;
pub mod error;
pub mod export;
pub mod grants;
pub mod import;
pub mod mirrors;
pub mod notify;
pub mod progress;
pub mod reindex;
pub mod repository_files;
pub mod service;
pub mod sync;

pub use error::IndexerError;
pub use progress::{NoProgress, Progress};

use agora_catalog::Catalog;
use agora_search::SearchIndex;

/// The catalog and the index it feeds, kept in step.
#[derive(Clone, Debug)]
pub struct Indexer {
    pub catalog: Catalog,
    pub index: SearchIndex,
}

impl Indexer {
    pub fn new(catalog: Catalog, index: SearchIndex) -> Self {
        Self { catalog, index }
    }

    /// Re-reads one project from the catalog into the index (after a star, a listing edit…).
    pub async fn refresh_project(&self, id: i64) -> Result<(), IndexerError> {
        let project = self
            .catalog
            .read(move |conn| agora_catalog::repositories::project(conn, id))
            .await?;
        match project {
            // A linked mirror is taken out of the index: it is a source of another project.
            Some(project) => self.index_projects(std::slice::from_ref(&project))?,
            None => self.index.delete(u64::try_from(id).unwrap_or_default())?,
        }
        Ok(())
    }
}
