//! Where repositories come from. Every source — a forge's API, a folder of git repositories, an
//! SAP Project Portal `repos.json` file — yields the same forge-neutral `RemoteRepository`, which
//! the indexer turns into catalog rows. Forge APIs are reached through the `Forge` trait
//! (`client`), implemented per forge (`github`, `gitlab`, `gitea`, `bitbucket`) over one shared
//! HTTP layer (`http`) that owns retries, rate limits and tokens; the clients other than GitHub
//! also share one listing loop (`paging`) and the common answer mappings (`answers`). A folder of
//! plain git repositories on disk implements the same trait without any API (`git_directory`,
//! read with libgit2). This crate knows nothing of the catalog.

mod answers;
pub mod bitbucket;
pub mod client;
pub mod error;
pub mod git_directory;
pub mod gitea;
pub mod github;
mod github_graphql;
pub mod gitlab;
pub mod http;
pub mod innersource;
mod paging;
pub mod repos_json;
pub mod repository;

pub use bitbucket::{BitbucketClient, BitbucketConfig, BitbucketScope};
pub use client::{
    FetchedRepository, FileFetch, Forge, FoundFile, GrantOutcome, README_PATH, RepositoryListing,
    SyncStats, WantedFileAnswer,
};
pub use error::ForgeError;
pub use git_directory::GitDirectorySource;
pub use gitea::{GiteaClient, GiteaConfig, GiteaScope};
pub use github::{GITHUB_API, GithubClient, GithubConfig, GithubScope};
pub use gitlab::{GitlabClient, GitlabConfig, GitlabScope};
pub use http::HttpLimits;
pub use innersource::InnerSourceJson;
pub use repository::{RemoteRepository, RemoteVisibility};
