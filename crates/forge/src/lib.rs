//! Where repositories come from. Every source — a forge's API, a folder of git repositories, an
//! SAP Project Portal `repos.json` file — yields the same forge-neutral `RemoteRepository`, which
//! the indexer turns into catalog rows. Forge APIs are reached through the `Forge` trait
//! (`client`), implemented per forge (`github`) over one shared HTTP layer (`http`) that owns
//! retries, rate limits and tokens. This crate knows nothing of the catalog.

pub mod client;
pub mod error;
pub mod github;
pub mod http;
pub mod innersource;
pub mod repos_json;
pub mod repository;

pub use client::{
    FetchedRepository, FileFetch, Forge, GrantOutcome, README_PATH, RepositoryListing, SyncStats,
};
pub use error::ForgeError;
pub use github::{GITHUB_API, GithubClient, GithubConfig, GithubScope};
pub use http::HttpLimits;
pub use innersource::InnerSourceJson;
pub use repository::{RemoteRepository, RemoteVisibility};
