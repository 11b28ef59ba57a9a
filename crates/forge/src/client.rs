//! The contract every forge client fulfils — GitHub today, GitLab, Gitea/Forgejo and Bitbucket
//! next. The sync engine speaks only this trait, so it can run against any forge (or a fake in
//! tests) and it never sees a forge's URLs, paging or status codes. Answers are forge-neutral:
//! `RemoteRepository` for repositories, small enums for the outcomes a caller must tell apart
//! (a renamed repository is not a deleted one; an invitation is not a grant).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::ForgeError;
use crate::repository::RemoteRepository;

/// The path `Forge::fetch_file` understands as "the repository's README, whatever its name".
pub const README_PATH: &str = "README";

/// One listing of a forge's repositories.
#[derive(Debug, Default)]
pub struct RepositoryListing {
    pub repositories: Vec<RemoteRepository>,
    /// False when the listing was cut short (a page failed after retries, or was malformed).
    /// An incomplete listing must never be used to delete what it does not mention.
    pub complete: bool,
    /// Items the forge returned that could not be read and were left out. They exist on the
    /// forge, so a listing with skipped items is not authoritative for deletions either.
    pub skipped: usize,
    /// Why the listing is incomplete, naming the forge and the call.
    pub error: Option<ForgeError>,
}

impl RepositoryListing {
    /// Whether a repository missing from this listing may be taken as gone (pending a direct
    /// `fetch_repository` that answers `Gone`). An empty but complete listing qualifies: what
    /// an empty answer means is the caller's decision.
    pub fn authoritative_for_deletions(&self) -> bool {
        self.complete && self.skipped == 0
    }
}

/// The answer to a direct fetch of one repository.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchedRepository {
    Found(RemoteRepository),
    /// The repository was renamed or transferred; `repository` is what the new name holds.
    Moved {
        new_full_name: String,
        repository: RemoteRepository,
    },
    /// The forge does not know the repository (or no longer lets this token see it).
    Gone,
}

/// The answer to a conditional file fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileFetch {
    Changed {
        content: String,
        /// To send back as `If-None-Match` next time.
        etag: Option<String>,
    },
    /// The etag given still matches: the caller's copy is current.
    NotModified,
    /// No such file (or no such repository).
    Missing,
}

/// One file of a batched read (`Forge::fetch_files`) that was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// The candidate path that exists (`README_PATH` when the forge resolved the README itself).
    /// Etags are kept per path, so this is the key to store the new etag under.
    pub path: String,
    /// `Changed` or `NotModified`; never `Missing`.
    pub fetch: FileFetch,
}

/// The answer for one wanted file of a batched read: the first candidate that exists, `None`
/// when none does, or why it could not be read (which leaves the caller's copy in place).
pub type WantedFileAnswer = Result<Option<FoundFile>, ForgeError>;

/// The answer to a request to give a user read access to a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantOutcome {
    /// Access is effective now.
    Granted,
    /// An invitation was sent; access starts when the user accepts it.
    Invited,
    /// The user could already read the repository; nothing changed.
    AlreadyHadAccess,
    /// The forge refused (missing admin rights on the repository, a policy, a validation error),
    /// with the forge's reason.
    NotPermitted(String),
    /// The forge does not know the user — or, on forges that answer 404 for both, the repository;
    /// the message says which could be meant.
    UnknownUser(String),
    /// The forge failed or was unreachable after retries; worth trying again later.
    TransientFailure(String),
}

/// Counters since the client was created, for the sync report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// 304 answers to conditional requests (which cost no rate-limit budget on GitHub).
    pub not_modified: u64,
    /// Answers that were rate limits (403/429 with rate-limit headers, or 429).
    pub rate_limited: u64,
    /// Retries after a server error, timeout or connection failure.
    pub retries: u64,
    /// Waits sat through because of a rate limit.
    pub rate_limit_waits: u64,
    /// Listing items skipped because they could not be read.
    pub skipped_items: u64,
}

/// A forge client. Object-safe so the sync engine can hold `Box<dyn Forge>` for each
/// configured forge.
#[async_trait]
pub trait Forge: Send + Sync {
    /// `github`, `gitlab`, `gitea`, `bitbucket`.
    fn kind(&self) -> &'static str;

    /// Lists the repositories in the client's scope. With `since`, only repositories pushed
    /// at or after the watermark are listed, and `complete` refers to that window.
    async fn list_repositories(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<RepositoryListing, ForgeError>;

    /// Fetches one repository by `owner/name`, telling a rename from a deletion.
    async fn fetch_repository(&self, full_name: &str) -> Result<FetchedRepository, ForgeError>;

    /// Fetches one file of the default branch as text, conditionally when `etag` is known.
    /// `README_PATH` asks for the README, whatever its file name.
    async fn fetch_file(
        &self,
        full_name: &str,
        path: &str,
        etag: Option<&str>,
    ) -> Result<FileFetch, ForgeError>;

    /// Reads several files of the default branch at once. Each entry of `wanted` lists the
    /// candidate paths of one file, in order of preference (`README_PATH` for the README); the
    /// answer holds, in the same order, the first candidate that exists. `etags` are the stored
    /// copies' etags by path, for conditional reads. An `Err` means nothing could be read (the
    /// one request of a batch failed); an error on one file leaves the others readable.
    ///
    /// The default asks `fetch_file` candidate by candidate, one file after the other, stopping
    /// at the first that exists: forges without a batch endpoint keep exactly that behaviour.
    /// A forge that can answer everything in one request (GitHub's GraphQL API) overrides it.
    async fn fetch_files(
        &self,
        full_name: &str,
        wanted: &[&[&str]],
        etags: &BTreeMap<String, String>,
    ) -> Result<Vec<WantedFileAnswer>, ForgeError> {
        let mut answers = Vec::with_capacity(wanted.len());
        for candidates in wanted {
            answers.push(first_found(self, full_name, candidates, etags).await);
        }
        Ok(answers)
    }

    /// Gives `username` read access to the repository. Forge refusals are outcomes, not errors;
    /// only a rejected token (or a malformed name) is an error.
    async fn grant_read(&self, full_name: &str, username: &str)
    -> Result<GrantOutcome, ForgeError>;

    fn stats(&self) -> SyncStats;
}

/// The first of `candidates` that exists, fetched one by one with `fetch_file`.
pub(crate) async fn first_found<F: Forge + ?Sized>(
    forge: &F,
    full_name: &str,
    candidates: &[&str],
    etags: &BTreeMap<String, String>,
) -> WantedFileAnswer {
    for path in candidates {
        let etag = etags.get(*path).map(String::as_str);
        match forge.fetch_file(full_name, path, etag).await? {
            FileFetch::Missing => continue,
            fetch => {
                return Ok(Some(FoundFile {
                    path: (*path).to_owned(),
                    fetch,
                }));
            }
        }
    }
    Ok(None)
}
