//! Where repositories come from. Every source — a forge's API, a folder of git repositories, an
//! SAP Project Portal `repos.json` file — yields the same forge-neutral `RemoteRepository`, which
//! the indexer turns into catalog rows. This crate knows nothing of the catalog.

pub mod error;
pub mod innersource;
pub mod repos_json;
pub mod repository;

pub use error::ForgeError;
pub use innersource::InnerSourceJson;
pub use repository::{RemoteRepository, RemoteVisibility};
