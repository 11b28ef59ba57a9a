//! The GitHub client (github.com and GitHub Enterprise Server): lists an organisation's
//! repositories, or those of an app installation, and maps GitHub's repository JSON to
//! `RemoteRepository`; fetches one repository telling renames (301) from deletions (404); fetches
//! files with the raw media type and ETags; grants read access through the collaborators API.
//! The files a sync wants are read in one GraphQL request per repository (`github_graphql`),
//! blob ids standing in for ETags; when the GraphQL endpoint is missing (404), refuses the token
//! (401) or its separate budget is spent, the client falls back to REST, file by file.
//! Retries, rate limits and counting are the shared `http` layer's; this module only knows
//! GitHub's URLs, headers and status codes.
//!
//! GitHub has no `since` filter on organisation listings, so an incremental sync lists by
//! `pushed` descending and stops at the first repository older than the watermark. List pages
//! are requested with `If-None-Match`: an unchanged page answers 304, which costs no rate-limit
//! budget, and the page cached from last time is reused.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, IF_NONE_MATCH};
use reqwest::{Method, StatusCode, Url};
use secrecy::SecretString;
use serde::Deserialize;

use crate::client::{
    FetchedRepository, FileFetch, Forge, FoundFile, GrantOutcome, README_PATH, RepositoryListing,
    SyncStats, WantedFileAnswer, first_found,
};
use crate::error::ForgeError;
use crate::github_graphql::{self, Answer, Blob, Lookup};
use crate::http::{
    Auth, DEFAULT_RATE_LIMIT_WAIT, HttpClient, HttpConfig, HttpLimits, HttpRequest, HttpResponse,
    next_link,
};
use crate::repository::{RemoteRepository, RemoteVisibility};

/// The public GitHub API. GitHub Enterprise Server answers at `https://HOST/api/v3`.
pub const GITHUB_API: &str = "https://api.github.com";

const API_VERSION: &str = "2022-11-28";
const JSON_MEDIA_TYPE: &str = "application/vnd.github+json";
/// Asks for a file's bytes instead of a JSON envelope with base64 content.
const RAW_MEDIA_TYPE: &str = "application/vnd.github.raw+json";
const KIND: &str = "github";

/// Which repositories a client lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GithubScope {
    /// `GET /orgs/{org}/repos`, with a personal or fine-grained token.
    Organization(String),
    /// `GET /installation/repositories`, with a GitHub App installation token.
    Installation,
}

/// Everything a `GithubClient` needs. The token is a secret: it prints as `[REDACTED]`.
#[derive(Debug)]
pub struct GithubConfig {
    /// `GITHUB_API`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    pub base_url: String,
    pub scope: GithubScope,
    pub token: SecretString,
    pub user_agent: String,
    pub limits: HttpLimits,
}

impl GithubConfig {
    pub fn organization(org: impl Into<String>, token: SecretString) -> Self {
        Self::new(GithubScope::Organization(org.into()), token)
    }

    pub fn installation(token: SecretString) -> Self {
        Self::new(GithubScope::Installation, token)
    }

    fn new(scope: GithubScope, token: SecretString) -> Self {
        Self {
            base_url: GITHUB_API.to_owned(),
            scope,
            token,
            // GitHub rejects requests without a User-Agent.
            user_agent: concat!("agora/", env!("CARGO_PKG_VERSION")).to_owned(),
            limits: HttpLimits::default(),
        }
    }

    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    pub fn with_limits(mut self, limits: HttpLimits) -> Self {
        self.limits = limits;
        self
    }
}

/// A list page as last received, to reuse when GitHub answers 304.
#[derive(Clone)]
struct CachedPage {
    etag: String,
    body: Vec<u8>,
    next: Option<String>,
}

/// A page of repository items and the link to the next one.
struct Page {
    items: Vec<serde_json::Value>,
    next: Option<Url>,
}

pub struct GithubClient {
    http: HttpClient,
    scope: GithubScope,
    /// List pages by URL. ETags are tied to the token, which is fixed per client.
    pages: Mutex<HashMap<String, CachedPage>>,
    graphql: Url,
    /// Set once the GraphQL endpoint answered 404 or 401: REST from then on.
    graphql_unavailable: AtomicBool,
    /// Epoch second until which the GraphQL budget is spent (0: not known to be).
    graphql_paused_until: AtomicU64,
}

impl fmt::Debug for GithubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubClient")
            .field("http", &self.http)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl GithubClient {
    pub fn new(config: GithubConfig) -> Result<Self, ForgeError> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(JSON_MEDIA_TYPE));
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static(API_VERSION),
        );
        let graphql = Url::parse(&config.base_url)
            .map(|base| github_graphql::endpoint(&base))
            .map_err(|e| ForgeError::InvalidInput {
                forge: KIND.to_owned(),
                call: "configure the client".to_owned(),
                reason: format!("base URL {:?}: {e}", config.base_url),
            })?;
        let http = HttpClient::new(HttpConfig {
            forge: KIND.to_owned(),
            base_url: config.base_url,
            auth: Auth::bearer(config.token),
            headers,
            user_agent: config.user_agent,
            limits: config.limits,
            default_rate_limit_wait: DEFAULT_RATE_LIMIT_WAIT,
        })?;
        Ok(Self {
            http,
            scope: config.scope,
            pages: Mutex::new(HashMap::new()),
            graphql,
            graphql_unavailable: AtomicBool::new(false),
            graphql_paused_until: AtomicU64::new(0),
        })
    }

    fn graphql_usable(&self) -> bool {
        !self.graphql_unavailable.load(Ordering::Relaxed)
            && self.graphql_paused_until.load(Ordering::Relaxed) <= epoch_now()
    }

    /// Leaves GraphQL alone for `wait`: its budget is separate from REST's, so the files are read
    /// over REST meanwhile instead of stalling the sync.
    fn pause_graphql(&self, wait: Duration, why: &str) {
        let until = epoch_now().saturating_add(wait.as_secs().max(1));
        self.graphql_paused_until
            .fetch_max(until, Ordering::Relaxed);
        tracing::info!(
            forge = KIND,
            ?wait,
            why,
            "GraphQL budget spent; reading files over REST"
        );
    }

    /// Reads the wanted files in one GraphQL request. `Ok(None)`: GraphQL cannot answer (no
    /// endpoint, token refused, budget spent), read them over REST instead.
    async fn fetch_files_graphql(
        &self,
        full_name: &str,
        wanted: &[&[&str]],
        etags: &BTreeMap<String, String>,
    ) -> Result<Option<Vec<WantedFileAnswer>>, ForgeError> {
        let call = HttpClient::call_label(&Method::POST, &self.graphql);
        let (owner, name) = self.split(&call, full_name)?;
        let query = github_graphql::file_query(owner, name, wanted);
        let request = HttpRequest::new(Method::POST, self.graphql.clone())
            .header(ACCEPT, "application/json")
            .json(query.body.clone());
        let response = match self.http.send(&request).await {
            Ok(response) => response,
            Err(ForgeError::RateLimited { retry_after, .. }) => {
                self.pause_graphql(retry_after, "rate limited beyond the accepted wait");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        match response.status {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED => {
                // GitHub Enterprise Server without GraphQL, or a token only REST accepts.
                if !self.graphql_unavailable.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        forge = KIND,
                        status = response.status.as_u16(),
                        "the GraphQL endpoint is not available; reading files over REST"
                    );
                }
                return Ok(None);
            }
            _ => return Err(self.http.status_error(&call, &response)),
        }
        let answer = github_graphql::read_answer(&query, &response.body)
            .map_err(|reason| self.http.malformed(&call, reason))?;
        let files = match answer {
            Answer::Files(files) => files,
            Answer::RepositoryNotFound => {
                return Ok(Some(wanted.iter().map(|_| Ok(None)).collect()));
            }
            Answer::RateLimited(message) => {
                let wait = response
                    .header("x-ratelimit-reset")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|reset| Duration::from_secs(reset.saturating_sub(epoch_now())))
                    .unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
                self.pause_graphql(wait, &message);
                return Ok(None);
            }
            Answer::Failed(errors) => {
                let message = errors
                    .iter()
                    .map(github_graphql::GraphqlError::describe)
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(
                    if errors
                        .iter()
                        .any(|e| e.kind.as_deref() == Some("FORBIDDEN"))
                    {
                        ForgeError::Forbidden {
                            forge: KIND.to_owned(),
                            call,
                            message,
                        }
                    } else {
                        ForgeError::Unreadable {
                            source_name: KIND.to_owned(),
                            what: format!("{call} (files of {full_name})"),
                            reason: message,
                        }
                    },
                );
            }
        };
        let mut answers = Vec::with_capacity(files.len());
        for candidates in files {
            answers.push(self.first_blob(&call, full_name, candidates, etags).await);
        }
        Ok(Some(answers))
    }

    /// The first candidate that is a blob, as a file fetch.
    async fn first_blob(
        &self,
        call: &str,
        full_name: &str,
        candidates: Vec<(String, Lookup)>,
        etags: &BTreeMap<String, String>,
    ) -> WantedFileAnswer {
        for (path, lookup) in candidates {
            let blob = match lookup {
                Lookup::Missing => continue,
                Lookup::Failed(reason) => {
                    return Err(ForgeError::Unreadable {
                        source_name: KIND.to_owned(),
                        what: format!("{call} ({full_name}:{path})"),
                        reason,
                    });
                }
                Lookup::Blob(blob) => blob,
            };
            let fetch = self.blob_fetch(call, full_name, &path, blob, etags).await?;
            return Ok(match fetch {
                FileFetch::Missing => None,
                fetch => Some(FoundFile { path, fetch }),
            });
        }
        Ok(None)
    }

    /// A blob as a file fetch: unchanged when its id is the stored etag; read over REST when
    /// GraphQL did not inline all of its text.
    async fn blob_fetch(
        &self,
        call: &str,
        full_name: &str,
        path: &str,
        blob: Blob,
        etags: &BTreeMap<String, String>,
    ) -> Result<FileFetch, ForgeError> {
        if etags.get(path).is_some_and(|etag| *etag == blob.oid) {
            return Ok(FileFetch::NotModified);
        }
        if blob.is_binary {
            return Err(self.http.malformed(
                &format!("{call} ({full_name}:{path})"),
                format!("a binary file ({} bytes), not text", blob.byte_size),
            ));
        }
        match blob.text {
            Some(text) if !blob.is_truncated => Ok(FileFetch::Changed {
                content: text,
                etag: Some(blob.oid),
            }),
            // Too large to inline: the raw REST answer has it whole.
            _ => Ok(match self.fetch_file(full_name, path, None).await? {
                FileFetch::Changed { content, .. } => FileFetch::Changed {
                    content,
                    etag: Some(blob.oid),
                },
                other => other,
            }),
        }
    }

    fn first_page_url(&self) -> Url {
        match &self.scope {
            GithubScope::Organization(org) => {
                let mut url = self.http.url(&["orgs", org, "repos"]);
                url.query_pairs_mut()
                    .append_pair("per_page", "100")
                    .append_pair("type", "all")
                    .append_pair("sort", "pushed")
                    .append_pair("direction", "desc");
                url
            }
            GithubScope::Installation => {
                let mut url = self.http.url(&["installation", "repositories"]);
                url.query_pairs_mut().append_pair("per_page", "100");
                url
            }
        }
    }

    async fn fetch_page(&self, url: &Url) -> Result<Page, ForgeError> {
        let call = HttpClient::call_label(&Method::GET, url);
        let key = url.to_string();
        let cached = self.cache().get(&key).cloned();
        let mut request = HttpRequest::get(url.clone());
        if let Some(cached) = &cached {
            request = request.header(IF_NONE_MATCH, &cached.etag);
        }
        let response = self.http.send(&request).await?;
        let (body, next, etag) = match response.status {
            StatusCode::OK => (
                response.body.clone(),
                next_link(&response.headers),
                response.header("etag").map(str::to_owned),
            ),
            StatusCode::NOT_MODIFIED => match cached {
                Some(cached) => (cached.body, cached.next, None),
                None => {
                    return Err(self.http.malformed(
                        &call,
                        "304 Not Modified for a page that was never received".to_owned(),
                    ));
                }
            },
            _ => return Err(self.http.status_error(&call, &response)),
        };
        let items = self.page_items(&call, &body)?;
        let next = match next {
            Some(link) => Some(self.next_url(&call, url, &link)?),
            None => None,
        };
        // Cached only once the page proved readable, so a 304 never revives a bad page.
        if let Some(etag) = etag {
            self.cache().insert(
                key,
                CachedPage {
                    etag,
                    body,
                    next: next.as_ref().map(Url::to_string),
                },
            );
        }
        Ok(Page { items, next })
    }

    fn page_items(&self, call: &str, body: &[u8]) -> Result<Vec<serde_json::Value>, ForgeError> {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| self.http.malformed(call, format!("not JSON: {e}")))?;
        let items = match (&self.scope, value) {
            (GithubScope::Organization(_), serde_json::Value::Array(items)) => Some(items),
            (GithubScope::Installation, serde_json::Value::Object(mut object)) => {
                match object.remove("repositories") {
                    Some(serde_json::Value::Array(items)) => Some(items),
                    _ => None,
                }
            }
            _ => None,
        };
        items.ok_or_else(|| {
            let expected = match self.scope {
                GithubScope::Organization(_) => "a JSON array of repositories",
                GithubScope::Installation => "an object with a `repositories` array",
            };
            self.http
                .malformed(call, format!("the page is not {expected}"))
        })
    }

    fn next_url(&self, call: &str, current: &Url, link: &str) -> Result<Url, ForgeError> {
        let next = current.join(link).map_err(|e| {
            self.http
                .malformed(call, format!("bad next link {link:?}: {e}"))
        })?;
        if !self.http.same_origin(&next) {
            // Following it would send the token to another host.
            return Err(self.http.malformed(
                call,
                format!("the next link {link:?} leaves the forge's host"),
            ));
        }
        Ok(next)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, CachedPage>> {
        // The map holds plain data; a panic elsewhere cannot leave it half-updated.
        self.pages.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn split<'a>(&self, call: &str, full_name: &'a str) -> Result<(&'a str, &'a str), ForgeError> {
        match full_name.split_once('/') {
            Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok((owner, name))
            }
            _ => Err(ForgeError::InvalidInput {
                forge: KIND.to_owned(),
                call: call.to_owned(),
                reason: format!("{full_name:?} is not an owner/name repository name"),
            }),
        }
    }

    fn parse_repository(&self, call: &str, body: &[u8]) -> Result<RemoteRepository, ForgeError> {
        serde_json::from_slice::<GithubRepository>(body)
            .map(GithubRepository::into_remote)
            .map_err(|e| self.http.malformed(call, e.to_string()))
    }

    /// Follows a rename redirect (GitHub points at `/repositories/{id}`) to learn the new name.
    async fn follow_move(
        &self,
        call: &str,
        from: &Url,
        response: &HttpResponse,
        full_name: &str,
    ) -> Result<FetchedRepository, ForgeError> {
        let location = response.header("location").ok_or_else(|| {
            self.http
                .malformed(call, "a redirect without Location".to_owned())
        })?;
        let target = self.next_url(call, from, location)?;
        let target_call = HttpClient::call_label(&Method::GET, &target);
        let moved = self.http.send(&HttpRequest::get(target)).await?;
        match moved.status {
            StatusCode::OK => {
                let repository = self.parse_repository(&target_call, &moved.body)?;
                Ok(if repository.full_name.eq_ignore_ascii_case(full_name) {
                    FetchedRepository::Found(repository)
                } else {
                    FetchedRepository::Moved {
                        new_full_name: repository.full_name.clone(),
                        repository,
                    }
                })
            }
            StatusCode::NOT_FOUND => Ok(FetchedRepository::Gone),
            _ => Err(self.http.status_error(&target_call, &moved)),
        }
    }
}

#[async_trait]
impl Forge for GithubClient {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn list_repositories(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<RepositoryListing, ForgeError> {
        let mut listing = RepositoryListing {
            complete: true,
            ..RepositoryListing::default()
        };
        // Only an organisation listing is sorted by push date; an installation listing is
        // filtered instead, page by page to the end.
        let sorted_by_push = matches!(self.scope, GithubScope::Organization(_));
        let mut next = Some(self.first_page_url());
        while let Some(url) = next.take() {
            let page = match self.fetch_page(&url).await {
                Ok(page) => page,
                // A bad token, a missing permission or an unknown org will not heal by itself
                // and leaves nothing to report: that is an error, not a partial listing.
                Err(
                    e @ (ForgeError::Unauthorized { .. }
                    | ForgeError::Forbidden { .. }
                    | ForgeError::NotFound { .. }),
                ) => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "listing cut short");
                    listing.complete = false;
                    listing.error = Some(e);
                    break;
                }
            };
            let mut reached_watermark = false;
            for item in page.items {
                let repository = match serde_json::from_value::<GithubRepository>(item) {
                    Ok(repository) => repository.into_remote(),
                    Err(e) => {
                        tracing::warn!(forge = KIND, error = %e, "skipping an unreadable repository");
                        self.http.count_skipped_item();
                        listing.skipped += 1;
                        continue;
                    }
                };
                // A repository never pushed to has no date; keep it, it may be new.
                let older = match (since, repository.pushed_at) {
                    (Some(since), Some(pushed_at)) => pushed_at < since,
                    _ => false,
                };
                if older {
                    if sorted_by_push {
                        reached_watermark = true;
                        break;
                    }
                    continue;
                }
                listing.repositories.push(repository);
            }
            if reached_watermark {
                break;
            }
            next = page.next;
        }
        Ok(listing)
    }

    async fn fetch_repository(&self, full_name: &str) -> Result<FetchedRepository, ForgeError> {
        let (owner, name) = self.split("GET /repos/{owner}/{repo}", full_name)?;
        let url = self.http.url(&["repos", owner, name]);
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = self.http.send(&HttpRequest::get(url.clone())).await?;
        match response.status {
            StatusCode::OK => Ok(FetchedRepository::Found(
                self.parse_repository(&call, &response.body)?,
            )),
            StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT => {
                self.follow_move(&call, &url, &response, full_name).await
            }
            StatusCode::NOT_FOUND => Ok(FetchedRepository::Gone),
            _ => Err(self.http.status_error(&call, &response)),
        }
    }

    async fn fetch_file(
        &self,
        full_name: &str,
        path: &str,
        etag: Option<&str>,
    ) -> Result<FileFetch, ForgeError> {
        let (owner, name) = self.split("GET /repos/{owner}/{repo}/contents", full_name)?;
        let mut segments = vec!["repos", owner, name];
        if path == README_PATH {
            segments.push("readme");
        } else {
            segments.push("contents");
            segments.extend(path.split('/').filter(|s| !s.is_empty()));
        }
        let url = self.http.url(&segments);
        let call = HttpClient::call_label(&Method::GET, &url);
        let mut request = HttpRequest::get(url).header(ACCEPT, RAW_MEDIA_TYPE);
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let response = self.http.send(&request).await?;
        match response.status {
            StatusCode::OK => Ok(FileFetch::Changed {
                etag: response.header("etag").map(str::to_owned),
                content: String::from_utf8_lossy(&response.body).into_owned(),
            }),
            StatusCode::NOT_MODIFIED => Ok(FileFetch::NotModified),
            StatusCode::NOT_FOUND => Ok(FileFetch::Missing),
            _ => Err(self.http.status_error(&call, &response)),
        }
    }

    async fn fetch_files(
        &self,
        full_name: &str,
        wanted: &[&[&str]],
        etags: &BTreeMap<String, String>,
    ) -> Result<Vec<WantedFileAnswer>, ForgeError> {
        if self.graphql_usable()
            && let Some(answers) = self.fetch_files_graphql(full_name, wanted, etags).await?
        {
            return Ok(answers);
        }
        let mut answers = Vec::with_capacity(wanted.len());
        for candidates in wanted {
            answers.push(first_found(self, full_name, candidates, etags).await);
        }
        Ok(answers)
    }

    async fn grant_read(
        &self,
        full_name: &str,
        username: &str,
    ) -> Result<GrantOutcome, ForgeError> {
        let (owner, name) = self.split("PUT /repos/{owner}/{repo}/collaborators", full_name)?;
        if username.trim().is_empty() {
            return Err(ForgeError::InvalidInput {
                forge: KIND.to_owned(),
                call: format!("PUT /repos/{full_name}/collaborators"),
                reason: "empty user name".to_owned(),
            });
        }
        let url = self
            .http
            .url(&["repos", owner, name, "collaborators", username]);
        let call = HttpClient::call_label(&Method::PUT, &url);
        let request = HttpRequest {
            method: Method::PUT,
            url,
            headers: HeaderMap::new(),
            json: Some(serde_json::json!({ "permission": "pull" })),
        };
        let response = match self.http.send(&request).await {
            Ok(response) => response,
            Err(e) if e.is_transient() => return Ok(GrantOutcome::TransientFailure(e.to_string())),
            Err(e) => return Err(e),
        };
        Ok(match response.status {
            StatusCode::CREATED => GrantOutcome::Invited,
            // GitHub documents 204 for "already a collaborator" and for organisation members
            // added without an invitation; either way the user can read the repository now.
            StatusCode::NO_CONTENT => GrantOutcome::AlreadyHadAccess,
            StatusCode::OK => GrantOutcome::Granted,
            StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY => {
                GrantOutcome::NotPermitted(response.message())
            }
            StatusCode::NOT_FOUND => GrantOutcome::UnknownUser(format!(
                "GitHub knows no user {username:?}, or no repository {full_name} this token can administer"
            )),
            _ => return Err(self.http.status_error(&call, &response)),
        })
    }

    fn stats(&self) -> SyncStats {
        self.http.stats()
    }
}

/// A repository as GitHub's REST API describes it (list items and single fetches alike). Only
/// `id` and `name` are required: everything else has a sensible absence.
#[derive(Debug, Deserialize)]
struct GithubRepository {
    id: u64,
    name: String,
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    owner: Option<GithubOwner>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    default_branch: Option<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    private: Option<bool>,
    #[serde(default)]
    archived: Option<bool>,
    #[serde(default)]
    fork: Option<bool>,
    #[serde(default)]
    mirror_url: Option<String>,
    #[serde(default)]
    topics: Option<Vec<String>>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    license: Option<GithubLicense>,
    #[serde(default)]
    stargazers_count: Option<i64>,
    #[serde(default)]
    forks_count: Option<i64>,
    #[serde(default)]
    open_issues_count: Option<i64>,
    #[serde(default)]
    watchers_count: Option<i64>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pushed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct GithubOwner {
    login: String,
}

#[derive(Debug, Deserialize)]
struct GithubLicense {
    #[serde(default)]
    spdx_id: Option<String>,
}

impl GithubRepository {
    fn into_remote(self) -> RemoteRepository {
        let owner = match (self.owner, &self.full_name) {
            (Some(owner), _) => owner.login,
            (None, Some(full_name)) => full_name
                .split_once('/')
                .map(|(owner, _)| owner.to_owned())
                .unwrap_or_default(),
            (None, None) => String::new(),
        };
        let full_name = self
            .full_name
            .unwrap_or_else(|| format!("{owner}/{}", self.name));
        // `visibility` (public/internal/private) is newer than `private`, and only it can say
        // "internal" (GitHub Enterprise).
        let visibility = self
            .visibility
            .as_deref()
            .and_then(RemoteVisibility::parse)
            .or(self.private.map(|private| {
                if private {
                    RemoteVisibility::Private
                } else {
                    RemoteVisibility::Public
                }
            }));
        RemoteRepository {
            external_id: self.id.to_string(),
            owner,
            name: self.name,
            full_name,
            description: self.description.filter(|d| !d.trim().is_empty()),
            html_url: self.html_url.unwrap_or_default(),
            default_branch: self.default_branch,
            visibility,
            archived: self.archived.unwrap_or(false),
            fork: self.fork.unwrap_or(false),
            mirror: self.mirror_url.is_some(),
            upstream_url: self
                .mirror_url
                .as_deref()
                .and_then(crate::repository::upstream_url),
            topics: self.topics.unwrap_or_default(),
            primary_language: self.language,
            license: self
                .license
                .and_then(|l| l.spdx_id)
                // GitHub's "a license file we could not identify".
                .filter(|id| !id.is_empty() && id != "NOASSERTION"),
            stars: self.stargazers_count.unwrap_or(0),
            forks: self.forks_count.unwrap_or(0),
            open_issues: self.open_issues_count.unwrap_or(0),
            watchers: self.watchers_count.unwrap_or(0),
            created_at: self.created_at,
            updated_at: self.updated_at,
            pushed_at: self.pushed_at,
            ..RemoteRepository::default()
        }
    }
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
