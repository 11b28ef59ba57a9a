//! The same repository mirrored on two forges is one project with two sources. After a sync
//! writes a repository row, this module tells the catalog which repository the row is (the
//! normalised URL of its web page) and, when its forge calls it a mirror, which one it copies
//! (the normalised upstream URL); the catalog links the mirror to the known original, in
//! whichever order the two were synced (see `agora_catalog::repositories::record_source_keys`).
//! In the index, a linked mirror is no document of its own: it is taken out, and the project it
//! joined is re-indexed (its star count may have grown by the mirror's stars).

use agora_catalog::{CatalogResult, DbConnection, Project, repositories};
use agora_forge::RemoteRepository;
use agora_forge::repository::repository_key;

use crate::documents::project_document;
use crate::{Indexer, IndexerError};

/// Records the row's own and upstream URL keys and links it; returns the ids whose project view
/// changed (the row, a primary that gained or lost it, mirrors that joined it).
pub(crate) fn record_sources(
    conn: &mut DbConnection,
    id: i64,
    remote: &RemoteRepository,
) -> CatalogResult<Vec<i64>> {
    let source_key = repository_key(&remote.html_url);
    let upstream_key = if remote.mirror {
        remote.upstream_url.as_deref().and_then(repository_key)
    } else {
        None
    };
    // A forge that names the repository itself as its upstream describes no second source.
    let upstream_key = upstream_key.filter(|key| Some(key) != source_key.as_ref());
    repositories::record_source_keys(conn, id, source_key.as_deref(), upstream_key.as_deref())
}

impl Indexer {
    /// Puts projects into the index and takes linked mirrors out of it.
    pub(crate) fn index_projects(&self, projects: &[Project]) -> Result<(), IndexerError> {
        let (mirrors, own): (Vec<&Project>, Vec<&Project>) =
            projects.iter().partition(|p| p.mirror_of.is_some());
        self.index
            .upsert(own.into_iter().map(project_document).collect())?;
        for mirror in mirrors {
            self.index
                .delete(u64::try_from(mirror.repository.id).unwrap_or_default())?;
        }
        Ok(())
    }

    /// Re-reads the projects of these rows from the catalog into the index.
    pub(crate) async fn reindex_rows(&self, ids: Vec<i64>) -> Result<(), IndexerError> {
        if ids.is_empty() {
            return Ok(());
        }
        let projects = self
            .catalog
            .read(move |conn| repositories::projects_by_ids(conn, &ids))
            .await?;
        self.index_projects(&projects)
    }
}
