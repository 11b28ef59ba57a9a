//! A source for plain git directories: a folder on disk whose subfolders (up to `MAX_DEPTH`
//! levels down, hidden folders left out) are bare repositories (`*.git`, or any folder laid out
//! as one) or working copies (with `.git`). There is no forge API: each repository is read with
//! libgit2 (`git2`), and what a forge would report is derived from the objects themselves — the
//! HEAD branch as the default branch, the HEAD commit's committer time as the push date, the
//! root commit's as the creation date, a language bar from file extensions of the HEAD tree, and
//! weekly commit counts from the first-parent history; the description is the git folder's
//! `description` file unless it is git's placeholder; a mirror clone (`remote.origin.mirror`)
//! names its `origin` as the upstream it copies. Every walk is capped so that one huge
//! repository cannot stall a listing: a history cut short leaves the creation date unknown, and
//! the language bar and weekly counts then stand on what was read.
//!
//! The relative path under the root is the repository's stable id. Its owner is the folder that
//! holds it (relative to the root), or the root folder's own name at the top level; its name is
//! the folder name without `.git`. Two folders can therefore share a full name (`foo` beside
//! `foo.git`, or a subfolder named like the root): they are listed apart by id, and a direct
//! fetch by full name takes the `*.git` one, at the top level first. A repository that cannot be
//! opened is skipped and counted — it exists, so the listing is then not authoritative for
//! deletions.
//!
//! libgit2 is blocking, so every git and file-system call runs under `spawn_blocking`, listings
//! on up to `concurrency` threads at once. libgit2 also applies git's ownership check: folders
//! owned by another user than the one Agora runs as are refused (and skipped) unless git's
//! `safe.directory` setting allows them.

mod languages;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use git2::{Commit, ErrorCode, ObjectType, Repository, RepositoryOpenFlags, TreeWalkMode};

use crate::client::{
    FetchedRepository, FileFetch, Forge, GrantOutcome, README_PATH, RepositoryListing, SyncStats,
};
use crate::error::ForgeError;
use crate::repository::{RemoteRepository, RemoteVisibility, upstream_url};

const KIND: &str = "git-directory";

/// How many folder levels below the root are searched for repositories.
pub const MAX_DEPTH: usize = 3;
/// First-parent commits read per repository for the creation date and the weekly counts.
pub const MAX_HISTORY: usize = 10_000;
/// Tree entries visited per repository for the language bar.
pub const MAX_TREE_ENTRIES: usize = 50_000;
/// Repositories read at once when nothing else is configured.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// The README names tried, in order, for `README_PATH`.
const README_NAMES: [&str; 4] = ["README.md", "README", "README.rst", "readme.md"];
/// The text `git init` writes into `description`; it describes nothing.
const DEFAULT_DESCRIPTION: &str = "Unnamed repository;";
const WEEKS: usize = 52;
const GRANT_REFUSAL: &str = "plain git directories have no access control Agora can change; grant access on the file system";

/// A folder of git repositories, read from disk.
pub struct GitDirectorySource {
    shared: Arc<Shared>,
    concurrency: usize,
}

/// What the blocking workers need: owned, so that it can move onto their threads.
struct Shared {
    root: PathBuf,
    /// The source's label in errors and logs (e.g. the configured forge name).
    name: String,
    /// Repositories opened and files read.
    requests: AtomicU64,
    not_modified: AtomicU64,
    skipped: AtomicU64,
}

impl fmt::Debug for GitDirectorySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitDirectorySource")
            .field("root", &self.shared.root)
            .field("name", &self.shared.name)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl GitDirectorySource {
    /// A source reading the repositories under `root`, labelled `name` in errors. Nothing is
    /// read until the first call: a missing root is reported by `list_repositories`.
    pub fn new(root: impl Into<PathBuf>, name: impl Into<String>) -> Self {
        Self {
            shared: Arc::new(Shared {
                root: root.into(),
                name: name.into(),
                requests: AtomicU64::new(0),
                not_modified: AtomicU64::new(0),
                skipped: AtomicU64::new(0),
            }),
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// How many repositories a listing reads at once (at least one).
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Runs blocking work on the blocking pool; a panicking worker becomes an error.
    async fn blocking<T, F>(&self, what: &str, work: F) -> Result<T, ForgeError>
    where
        T: Send + 'static,
        F: FnOnce(&Shared) -> Result<T, ForgeError> + Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || work(&shared))
            .await
            .map_err(|e| {
                self.shared
                    .unreadable(what, format!("the reader failed: {e}"))
            })?
    }

    /// Reads every discovered repository on `concurrency` blocking threads, in discovery order.
    async fn read_all(
        &self,
        root: Arc<Root>,
        paths: Vec<String>,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<Result<Option<RemoteRepository>, String>>, ForgeError> {
        let paths = Arc::new(paths);
        let next = Arc::new(AtomicUsize::new(0));
        let workers = self.concurrency.min(paths.len()).max(1);
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (shared, root, paths, next) = (
                Arc::clone(&self.shared),
                Arc::clone(&root),
                Arc::clone(&paths),
                Arc::clone(&next),
            );
            handles.push(tokio::task::spawn_blocking(move || {
                let mut read = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(relative) = paths.get(i) else {
                        break;
                    };
                    shared.requests.fetch_add(1, Ordering::Relaxed);
                    let result = read_repository(&root, relative, since, Utc::now())
                        .map_err(|e| e.message().to_owned());
                    read.push((i, result));
                }
                read
            }));
        }
        let mut results = Vec::with_capacity(paths.len());
        for handle in handles {
            let read = handle.await.map_err(|e| {
                self.shared
                    .unreadable("the repositories", format!("a reader failed: {e}"))
            })?;
            results.extend(read);
        }
        results.sort_by_key(|(i, _)| *i);
        Ok(results.into_iter().map(|(_, result)| result).collect())
    }
}

impl Shared {
    fn unreadable(&self, what: impl Into<String>, reason: impl Into<String>) -> ForgeError {
        ForgeError::Unreadable {
            source_name: self.name.clone(),
            what: what.into(),
            reason: reason.into(),
        }
    }

    fn git_error(&self, what: impl Into<String>, error: &git2::Error) -> ForgeError {
        self.unreadable(what, error.message().to_owned())
    }

    /// The root as an absolute path, with the name top-level repositories are owned by.
    fn open_root(&self) -> Result<Root, ForgeError> {
        let what = || format!("the folder {}", self.root.display());
        let path =
            fs::canonicalize(&self.root).map_err(|e| self.unreadable(what(), e.to_string()))?;
        if !path.is_dir() {
            return Err(self.unreadable(what(), "not a folder"));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.name.clone());
        Ok(Root { path, name })
    }

    /// The relative path of the repository called `full_name`, if it still exists. Names that
    /// could leave the root (`..`, absolute paths) are refused.
    fn locate(
        &self,
        root: &Root,
        call: &str,
        full_name: &str,
    ) -> Result<Option<String>, ForgeError> {
        let segments: Vec<&str> = full_name.split('/').collect();
        let valid = segments.len() >= 2
            && segments
                .iter()
                .all(|s| !s.is_empty() && *s != "." && *s != ".." && !s.contains('\\'));
        if !valid {
            return Err(ForgeError::InvalidInput {
                forge: self.name.clone(),
                call: call.to_owned(),
                reason: format!("{full_name:?} is not an owner/name repository name"),
            });
        }
        // Hidden folders are never listed, so they hold no repository of this source.
        if segments.iter().any(|s| s.starts_with('.')) {
            return Ok(None);
        }
        let mut candidates = Vec::new();
        // A top-level repository is owned by the root's name; a folder of that name below the
        // root could hold one with the same full name, and is tried second.
        if segments.len() == 2 && segments[0] == root.name {
            candidates.push(segments[1].to_owned());
        }
        if segments.len() <= MAX_DEPTH {
            candidates.push(full_name.to_owned());
        }
        Ok(candidates.into_iter().find_map(|relative| {
            [format!("{relative}.git"), relative]
                .into_iter()
                .find(|candidate| is_repository_folder(&root.path.join(candidate)))
        }))
    }
}

/// The canonical root folder and its name.
struct Root {
    path: PathBuf,
    name: String,
}

#[async_trait]
impl Forge for GitDirectorySource {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn list_repositories(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<RepositoryListing, ForgeError> {
        let (root, found) = self
            .blocking("the repositories", |shared| {
                let root = shared.open_root()?;
                let found = discover(&root.path);
                Ok((root, found))
            })
            .await?;
        let mut skipped = found.unreadable_folders.len();
        for (folder, reason) in &found.unreadable_folders {
            tracing::warn!(source = %self.shared.name, folder = %folder, reason = %reason,
                "folder unreadable; repositories in it may be missing");
        }
        let root = Arc::new(root);
        let results = self
            .read_all(root, found.repositories.clone(), since)
            .await?;
        let mut repositories = Vec::new();
        for (relative, result) in found.repositories.iter().zip(results) {
            match result {
                Ok(Some(repository)) => repositories.push(repository),
                Ok(None) => {}
                Err(reason) => {
                    skipped += 1;
                    tracing::warn!(source = %self.shared.name, repository = %relative,
                        reason = %reason, "repository unreadable; skipped");
                }
            }
        }
        self.shared
            .skipped
            .fetch_add(skipped as u64, Ordering::Relaxed);
        Ok(RepositoryListing {
            repositories,
            complete: true,
            skipped,
            error: None,
        })
    }

    async fn fetch_repository(&self, full_name: &str) -> Result<FetchedRepository, ForgeError> {
        let full_name = full_name.to_owned();
        self.blocking("a repository", move |shared| {
            let root = shared.open_root()?;
            let Some(relative) = shared.locate(&root, "fetch_repository", &full_name)? else {
                return Ok(FetchedRepository::Gone);
            };
            shared.requests.fetch_add(1, Ordering::Relaxed);
            match read_repository(&root, &relative, None, Utc::now()) {
                Ok(Some(repository)) => Ok(FetchedRepository::Found(repository)),
                Ok(None) => Ok(FetchedRepository::Gone),
                Err(e) => Err(shared.git_error(format!("the repository {relative}"), &e)),
            }
        })
        .await
    }

    async fn fetch_file(
        &self,
        full_name: &str,
        path: &str,
        etag: Option<&str>,
    ) -> Result<FileFetch, ForgeError> {
        let full_name = full_name.to_owned();
        let path = path.trim_start_matches('/').to_owned();
        let etag = etag.map(bare_etag);
        self.blocking("a file", move |shared| {
            let root = shared.open_root()?;
            let Some(relative) = shared.locate(&root, "fetch_file", &full_name)? else {
                return Ok(FileFetch::Missing);
            };
            shared.requests.fetch_add(1, Ordering::Relaxed);
            let names: Vec<&str> = if path == README_PATH {
                README_NAMES.to_vec()
            } else {
                vec![path.as_str()]
            };
            let fetched = read_file(&root.path.join(&relative), &names, etag.as_deref())
                .map_err(|e| shared.git_error(format!("{path} in {relative}"), &e))?;
            if fetched == FileFetch::NotModified {
                shared.not_modified.fetch_add(1, Ordering::Relaxed);
            }
            Ok(fetched)
        })
        .await
    }

    async fn grant_read(
        &self,
        _full_name: &str,
        _username: &str,
    ) -> Result<GrantOutcome, ForgeError> {
        Ok(GrantOutcome::NotPermitted(GRANT_REFUSAL.to_owned()))
    }

    fn stats(&self) -> SyncStats {
        SyncStats {
            requests: self.shared.requests.load(Ordering::Relaxed),
            not_modified: self.shared.not_modified.load(Ordering::Relaxed),
            skipped_items: self.shared.skipped.load(Ordering::Relaxed),
            ..SyncStats::default()
        }
    }
}

/// The ETag as `read_file` compares it: without quotes or a weak marker.
fn bare_etag(etag: &str) -> String {
    etag.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .to_owned()
}

/// What a search of the root found.
#[derive(Debug, Default)]
struct Discovered {
    /// Relative paths with `/` separators, sorted.
    repositories: Vec<String>,
    /// Folders that could not be listed: (relative path, reason).
    unreadable_folders: Vec<(String, String)>,
}

/// Searches `root` for repositories, `MAX_DEPTH` levels down, without entering hidden folders
/// or repositories (a repository's own subfolders are its business, submodules included).
fn discover(root: &Path) -> Discovered {
    let mut found = Discovered::default();
    let mut pending = vec![(String::new(), 0_usize)];
    while let Some((relative, depth)) = pending.pop() {
        let folder = root.join(&relative);
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) => {
                found.unreadable_folders.push((relative, e.to_string()));
                continue;
            }
        };
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let path = entry.path();
            if name.starts_with('.') || !path.is_dir() {
                continue;
            }
            let child = if relative.is_empty() {
                name.clone()
            } else {
                format!("{relative}/{name}")
            };
            if name.ends_with(".git") || is_repository_folder(&path) {
                found.repositories.push(child);
            } else if depth + 1 < MAX_DEPTH {
                pending.push((child, depth + 1));
            }
        }
    }
    found.repositories.sort();
    found
}

/// A working copy (with `.git`, a folder or a `gitdir:` file) or a folder laid out as a bare
/// repository. A `*.git` folder counts too, broken or not, so that a broken one is reported.
fn is_repository_folder(path: &Path) -> bool {
    if !path.is_dir() {
        return false;
    }
    let named_git = path.extension() == Some(OsStr::new("git"));
    named_git
        || path.join(".git").exists()
        || (path.join("HEAD").is_file()
            && path.join("objects").is_dir()
            && path.join("refs").is_dir())
}

fn open(path: &Path) -> Result<Repository, git2::Error> {
    // NO_SEARCH: a broken folder must fail, not be taken for the repository around the root.
    Repository::open_ext(path, RepositoryOpenFlags::NO_SEARCH, &[] as &[&OsStr])
}

fn timestamp(commit: &Commit<'_>) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(commit.time().seconds(), 0)
}

/// Reads one repository; `None` when its HEAD commit is older than `since`.
fn read_repository(
    root: &Root,
    relative: &str,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<RemoteRepository>, git2::Error> {
    let path = root.path.join(relative);
    let repo = open(&path)?;
    let head = head_commit(&repo)?;
    let pushed_at = head.as_ref().and_then(timestamp);
    // A repository without commits has no date to compare, and stays listed (as on Gitea).
    if let (Some(since), Some(pushed_at)) = (since, pushed_at)
        && pushed_at < since
    {
        return Ok(None);
    }

    let (owner, folder) = match relative.rsplit_once('/') {
        Some((parent, folder)) => (parent.to_owned(), folder),
        None => (root.name.clone(), relative),
    };
    let name = folder.strip_suffix(".git").unwrap_or(folder).to_owned();
    let (created_at, participation) = match &head {
        Some(head) => history(&repo, head, now),
        None => (None, Vec::new()),
    };
    let languages = match &head {
        Some(head) => languages(&repo, head)?,
        None => BTreeMap::new(),
    };
    let primary_language = languages
        .iter()
        .fold(
            None::<(&String, f64)>,
            |best, (language, &bytes)| match best {
                Some((_, most)) if most >= bytes => best,
                _ => Some((language, bytes)),
            },
        )
        .map(|(language, _)| language.clone());
    let mirror = repo
        .config()
        .and_then(|c| c.get_bool("remote.origin.mirror"))
        .unwrap_or(false);
    // A mirror clone (`git clone --mirror`) copies its `origin`: that is its upstream.
    let upstream_url = if mirror {
        repo.find_remote("origin")
            .ok()
            .and_then(|origin| origin.url().ok().and_then(upstream_url))
    } else {
        None
    };

    Ok(Some(RemoteRepository {
        external_id: relative.to_owned(),
        full_name: format!("{owner}/{name}"),
        owner,
        name,
        description: description(repo.path()),
        html_url: file_url(&path),
        default_branch: head_branch(&repo),
        visibility: Some(RemoteVisibility::Internal),
        mirror,
        upstream_url,
        primary_language,
        languages,
        created_at,
        updated_at: pushed_at,
        pushed_at,
        participation,
        ..RemoteRepository::default()
    }))
}

/// The commit HEAD points at; `None` for a repository without commits.
fn head_commit(repo: &Repository) -> Result<Option<Commit<'_>>, git2::Error> {
    match repo.head() {
        Ok(head) => head.peel_to_commit().map(Some),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The branch HEAD names, even before its first commit; `None` when HEAD is detached.
fn head_branch(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok().flatten()?;
    target.strip_prefix("refs/heads/").map(str::to_owned)
}

/// The `description` file of the git folder, unless it is git's placeholder.
fn description(git_dir: &Path) -> Option<String> {
    let text = fs::read_to_string(git_dir.join("description")).ok()?;
    let text = text.trim();
    (!text.is_empty() && !text.starts_with(DEFAULT_DESCRIPTION)).then(|| text.to_owned())
}

fn file_url(path: &Path) -> String {
    reqwest::Url::from_file_path(path)
        .map(String::from)
        .unwrap_or_else(|()| format!("file://{}", path.display()))
}

/// The root commit's time (when the first-parent walk reaches it within `MAX_HISTORY`) and the
/// commits per week over the last 52 weeks, oldest first, from the same walk.
fn history(
    repo: &Repository,
    head: &Commit<'_>,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Vec<i64>) {
    let mut times = Vec::new();
    let mut commit = head.clone();
    let mut reached_root = false;
    while times.len() < MAX_HISTORY {
        times.push(timestamp(&commit));
        match commit.parent_id(0) {
            Ok(parent) => match repo.find_commit(parent) {
                Ok(parent) => commit = parent,
                // A shallow clone ends at a missing parent: its oldest commit is not the root.
                Err(_) => break,
            },
            Err(_) => {
                reached_root = true;
                break;
            }
        }
    }
    let created_at = if reached_root {
        times.last().copied().flatten()
    } else {
        None
    };
    (created_at, weekly_counts(times.into_iter().flatten(), now))
}

/// Commits per week for the 52 weeks before `now`, oldest first. A commit dated in the future
/// (a skewed clock) counts for the current week.
fn weekly_counts(times: impl IntoIterator<Item = DateTime<Utc>>, now: DateTime<Utc>) -> Vec<i64> {
    let mut counts = vec![0_i64; WEEKS];
    let week = TimeDelta::weeks(1).num_seconds();
    for time in times {
        let age = (now - time).num_seconds().max(0) / week;
        if let Ok(age) = usize::try_from(age)
            && age < WEEKS
        {
            counts[WEEKS - 1 - age] += 1;
        }
    }
    counts
}

/// Bytes per language over the blobs of HEAD's tree, dependency and hidden folders left out,
/// within `MAX_TREE_ENTRIES`.
fn languages(repo: &Repository, head: &Commit<'_>) -> Result<BTreeMap<String, f64>, git2::Error> {
    let tree = head.tree()?;
    let odb = repo.odb()?;
    let mut bytes: BTreeMap<String, f64> = BTreeMap::new();
    let mut visited = 0_usize;
    let walked = tree.walk(TreeWalkMode::PreOrder, |_, entry| {
        visited += 1;
        if visited > MAX_TREE_ENTRIES {
            return git2::TreeWalkResult::Abort;
        }
        let Ok(name) = entry.name() else {
            return git2::TreeWalkResult::Ok;
        };
        match entry.kind() {
            Some(ObjectType::Tree) if languages::is_skipped_folder(name) => {
                git2::TreeWalkResult::Skip
            }
            Some(ObjectType::Blob) => {
                if let Some(language) = languages::language_of(name)
                    && let Ok((size, _)) = odb.read_header(entry.id())
                {
                    *bytes.entry(language.to_owned()).or_default() += size as f64;
                }
                git2::TreeWalkResult::Ok
            }
            _ => git2::TreeWalkResult::Ok,
        }
    });
    match walked {
        // Aborted at the cap: the entries counted so far stand for the repository.
        Err(e) if visited > MAX_TREE_ENTRIES && e.code() == ErrorCode::User => Ok(bytes),
        Err(e) => Err(e),
        Ok(()) => Ok(bytes),
    }
}

/// Reads the first of `names` present as a file in HEAD's tree.
fn read_file(path: &Path, names: &[&str], etag: Option<&str>) -> Result<FileFetch, git2::Error> {
    let repo = match open(path) {
        Ok(repo) => repo,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(FileFetch::Missing),
        Err(e) => return Err(e),
    };
    let Some(head) = head_commit(&repo)? else {
        return Ok(FileFetch::Missing);
    };
    let tree = head.tree()?;
    for name in names {
        if name.is_empty() {
            continue;
        }
        let entry = match tree.get_path(Path::new(name)) {
            Ok(entry) => entry,
            Err(e) if e.code() == ErrorCode::NotFound => continue,
            Err(e) => return Err(e),
        };
        if entry.kind() != Some(ObjectType::Blob) {
            continue;
        }
        let id = entry.id().to_string();
        if etag == Some(id.as_str()) {
            return Ok(FileFetch::NotModified);
        }
        let blob = repo.find_blob(entry.id())?;
        return Ok(FileFetch::Changed {
            content: String::from_utf8_lossy(blob.content()).into_owned(),
            etag: Some(id),
        });
    }
    Ok(FileFetch::Missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn weekly_counts_put_recent_commits_last_and_drop_older_than_a_year() {
        let now = at("2025-06-30T12:00:00Z");
        let counts = weekly_counts(
            [
                at("2025-06-30T10:00:00Z"),
                at("2025-06-29T10:00:00Z"),
                at("2025-06-20T10:00:00Z"),
                at("2025-07-05T10:00:00Z"),
                at("2023-01-01T00:00:00Z"),
            ],
            now,
        );
        assert_eq!(counts.len(), WEEKS);
        assert_eq!(counts[WEEKS - 1], 3);
        assert_eq!(counts[WEEKS - 2], 1);
        assert_eq!(counts.iter().sum::<i64>(), 4);
    }

    #[test]
    fn quoted_and_weak_etags_compare_as_the_bare_blob_id() {
        assert_eq!(bare_etag("W/\"abc\""), "abc");
        assert_eq!(bare_etag("\"abc\""), "abc");
        assert_eq!(bare_etag("abc"), "abc");
    }

    #[test]
    fn git_placeholder_description_is_no_description() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("description");
        fs::write(
            &file,
            "Unnamed repository; edit this file 'description' to name the repository.\n",
        )
        .unwrap();
        assert_eq!(description(dir.path()), None);
        fs::write(&file, "  Billing service\n").unwrap();
        assert_eq!(description(dir.path()).as_deref(), Some("Billing service"));
        fs::write(&file, "\n").unwrap();
        assert_eq!(description(dir.path()), None);
    }
}
