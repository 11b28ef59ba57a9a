//! Rebuilding the search index from the catalog.

use agora_catalog::repositories;

use crate::documents::project_document;
use crate::{Indexer, IndexerError, Progress};

const PAGE: i64 = 2_000;

impl Indexer {
    /// Replaces the index's content with the catalog's. Returns the number of projects indexed.
    pub async fn reindex(&self, progress: &dyn Progress) -> Result<u64, IndexerError> {
        let total = self.catalog.read(repositories::count).await?;
        progress.start("indexing", u64::try_from(total).unwrap_or_default());
        self.index.clear()?;
        let mut after = 0;
        let mut indexed = 0u64;
        loop {
            let page = self
                .catalog
                .read(move |conn| repositories::projects_page(conn, after, PAGE))
                .await?;
            let Some(last) = page.last() else { break };
            after = last.repository.id;
            let count = page.len() as u64;
            self.index
                .upsert(page.iter().map(project_document).collect())?;
            indexed += count;
            progress.advance(count);
        }
        self.index.flush().await?;
        progress.finish();
        Ok(indexed)
    }
}
