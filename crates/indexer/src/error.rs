use thiserror::Error;

#[derive(Debug, Error)]
pub enum IndexerError {
    #[error(transparent)]
    Catalog(#[from] agora_catalog::CatalogError),
    #[error(transparent)]
    Search(#[from] agora_search::SearchError),
    #[error(transparent)]
    Source(#[from] agora_forge::ForgeError),
    #[error("{0}")]
    Config(String),
}
