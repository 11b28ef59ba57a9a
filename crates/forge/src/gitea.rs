//! The Gitea / Forgejo client (API v1): lists an organisation's (or a user's) repositories page by
//! page, following `Link: rel="next"` — or, behind a proxy that drops `Link`, the page counter
//! until `X-Total-Count` items were read — and maps Gitea's repository JSON to
//! `RemoteRepository`; fetches raw files with their blob-sha ETags; grants read access as a
//! collaborator. Retries and rate limits are the shared `http` layer's (Gitea documents none).
//!
//! Gitea has no server-side `since` filter on these listings, and no push date: its `updated_at`
//! moves on every push, so an incremental listing reads every page and keeps the repositories
//! updated at or after the watermark (the listing is complete for that window). Servers older
//! than 1.15 leave `topics` out of list items; only then are they asked per repository.
//!
//! Languages come in bytes per language from `GET /repos/{owner}/{repo}/languages`, one call per
//! repository: made for the repositories a listing returns (after an incremental listing only
//! those updated since the watermark, i.e. changed) and on a direct fetch. A failed read leaves
//! the languages unknown (`unread_details`), never empty, so the catalog keeps what it had. The
//! license is in the repository object itself (`licenses`, SPDX ids, Gitea 1.23+; older servers
//! and Forgejo versions without the field give none). A mirror (`mirror: true`) names what
//! it copies in `original_url` (credentials removed); a migrated repository has an
//! `original_url` too, but no `mirror` flag, and is no mirror.
//!
//! Granting `read` to an existing collaborator would lower a `write` or `admin` one to `read`
//! (the PUT sets the permission), so the client first asks whether the user already is one.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use secrecy::SecretString;
use serde::Deserialize;

use crate::answers::{README_NAMES, check_username, fetch_raw, first_found, send_grant};
use crate::client::{
    FetchedRepository, FileFetch, Forge, GrantOutcome, README_PATH, RepositoryListing, SyncStats,
};
use crate::error::ForgeError;
use crate::http::{
    Auth, DEFAULT_RATE_LIMIT_WAIT, HttpClient, HttpConfig, HttpLimits, HttpRequest, HttpResponse,
    next_link, with_query_param,
};
use crate::paging::{Page, array_items, collect};
use crate::repository::{Detail, RemoteRepository, RemoteVisibility, UnreadDetail, upstream_url};

const KIND: &str = "gitea";
/// Gitea's default `MAX_RESPONSE_ITEMS`; a server configured lower caps it silently.
const PAGE_SIZE: usize = 50;
/// Repositories whose languages are read at once; the HTTP layer's own concurrency limit still
/// bounds the requests in flight.
const DETAIL_CONCURRENCY: usize = 16;

/// Which repositories a client lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GiteaScope {
    /// `GET /orgs/{org}/repos`.
    Organization(String),
    /// `GET /users/{user}/repos`.
    User(String),
}

/// Everything a `GiteaClient` needs. The token is a secret: it prints as `[REDACTED]`.
#[derive(Debug)]
pub struct GiteaConfig {
    /// `https://HOST/api/v1`.
    pub base_url: String,
    pub scope: GiteaScope,
    /// Sent as `Authorization: token T`.
    pub token: SecretString,
    pub user_agent: String,
    pub limits: HttpLimits,
}

impl GiteaConfig {
    pub fn organization(
        base_url: impl Into<String>,
        org: impl Into<String>,
        token: SecretString,
    ) -> Self {
        Self::new(base_url.into(), GiteaScope::Organization(org.into()), token)
    }

    pub fn user(base_url: impl Into<String>, user: impl Into<String>, token: SecretString) -> Self {
        Self::new(base_url.into(), GiteaScope::User(user.into()), token)
    }

    fn new(base_url: String, scope: GiteaScope, token: SecretString) -> Self {
        Self {
            base_url,
            scope,
            token,
            user_agent: concat!("agora/", env!("CARGO_PKG_VERSION")).to_owned(),
            limits: HttpLimits::default(),
        }
    }

    pub fn with_limits(mut self, limits: HttpLimits) -> Self {
        self.limits = limits;
        self
    }
}

pub struct GiteaClient {
    http: HttpClient,
    scope: GiteaScope,
}

impl fmt::Debug for GiteaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GiteaClient")
            .field("http", &self.http)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl GiteaClient {
    pub fn new(config: GiteaConfig) -> Result<Self, ForgeError> {
        let http = HttpClient::new(HttpConfig {
            forge: KIND.to_owned(),
            base_url: config.base_url,
            auth: Auth::token(config.token),
            headers: HeaderMap::new(),
            user_agent: config.user_agent,
            limits: config.limits,
            default_rate_limit_wait: DEFAULT_RATE_LIMIT_WAIT,
        })?;
        Ok(Self {
            http,
            scope: config.scope,
        })
    }

    fn first_page_url(&self) -> Url {
        let mut url = match &self.scope {
            GiteaScope::Organization(org) => self.http.url(&["orgs", org, "repos"]),
            GiteaScope::User(user) => self.http.url(&["users", user, "repos"]),
        };
        url.query_pairs_mut()
            .append_pair("page", "1")
            .append_pair("limit", &PAGE_SIZE.to_string());
        url
    }

    /// One page. `read_before` is how many items earlier pages held, for the `X-Total-Count`
    /// fallback when no `Link` header came.
    async fn fetch_page(
        &self,
        url: Url,
        read_before: usize,
        since: Option<DateTime<Utc>>,
    ) -> Result<Page, ForgeError> {
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = self.http.send(&HttpRequest::get(url.clone())).await?;
        if response.status != StatusCode::OK {
            return Err(self.http.status_error(&call, &response));
        }
        let mut items = array_items(&self.http, &call, &response.body)?;
        let next = match next_link(&response.headers) {
            Some(link) => Some(self.http.follow(&call, &url, &link)?),
            None => self.counted_next(&url, &response, read_before + items.len(), items.is_empty()),
        };
        for item in &mut items {
            self.complete_topics(item, since).await;
        }
        Ok(Page { items, next })
    }

    /// The next page by counting, when `X-Total-Count` says more items exist than were read.
    fn counted_next(
        &self,
        url: &Url,
        response: &HttpResponse,
        read: usize,
        empty: bool,
    ) -> Option<Url> {
        let total = response
            .header("x-total-count")
            .and_then(|v| v.trim().parse::<usize>().ok())?;
        let page = url
            .query_pairs()
            .find(|(key, _)| key == "page")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(1);
        (!empty && read < total).then(|| with_query_param(url, "page", &(page + 1).to_string()))
    }

    /// Asks for the topics of a list item that lacks them (Gitea before 1.15). A failure leaves
    /// the item without topics rather than failing the listing.
    async fn complete_topics(&self, item: &mut serde_json::Value, since: Option<DateTime<Utc>>) {
        let Some(object) = item.as_object_mut() else {
            return;
        };
        if object.contains_key("topics") {
            return;
        }
        let updated = object
            .get("updated_at")
            .and_then(|v| v.as_str())
            .and_then(|v| v.parse::<DateTime<Utc>>().ok());
        if let (Some(since), Some(updated)) = (since, updated)
            && updated < since
        {
            return;
        }
        let Some(full_name) = object.get("full_name").and_then(|v| v.as_str()) else {
            return;
        };
        let Some((owner, name)) = full_name.split_once('/') else {
            return;
        };
        let url = self.http.url(&["repos", owner, name, "topics"]);
        let call = HttpClient::call_label(&Method::GET, &url);
        let topics = match self.http.send(&HttpRequest::get(url)).await {
            Ok(response) if response.status == StatusCode::OK => {
                serde_json::from_slice::<GiteaTopics>(&response.body)
                    .map_err(|e| self.http.malformed(&call, e.to_string()))
            }
            Ok(response) => Err(self.http.status_error(&call, &response)),
            Err(e) => Err(e),
        };
        match topics {
            Ok(topics) => {
                object.insert("topics".to_owned(), serde_json::json!(topics.topics));
            }
            Err(e) => tracing::warn!(error = %e, "topics unavailable; listed without them"),
        }
    }

    /// Reads the languages of each repository, `DETAIL_CONCURRENCY` at a time.
    async fn read_all_languages(&self, repositories: &mut [RemoteRepository]) {
        futures_util::stream::iter(repositories.iter_mut())
            .for_each_concurrent(DETAIL_CONCURRENCY, |repository| {
                self.read_languages(repository)
            })
            .await;
    }

    /// `GET /repos/{owner}/{repo}/languages`: `{"Go": 120034, "CSS": 3120}`, bytes of code.
    async fn read_languages(&self, repository: &mut RemoteRepository) {
        let result = async {
            let (owner, name) =
                self.split("GET /repos/{owner}/{repo}/languages", &repository.full_name)?;
            let url = self.http.url(&["repos", owner, name, "languages"]);
            let call = HttpClient::call_label(&Method::GET, &url);
            let response = self.http.send(&HttpRequest::get(url)).await?;
            if response.status != StatusCode::OK {
                return Err(self.http.status_error(&call, &response));
            }
            serde_json::from_slice::<BTreeMap<String, f64>>(&response.body)
                .map_err(|e| self.http.malformed(&call, e.to_string()))
        }
        .await;
        match result {
            Ok(languages) => repository.languages = languages,
            Err(error) => {
                tracing::warn!(forge = KIND, %error, "languages could not be read; the stored ones are kept");
                repository.unread_details.push(UnreadDetail {
                    detail: Detail::Languages,
                    error: error.to_string(),
                });
            }
        }
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
        serde_json::from_slice::<GiteaRepository>(body)
            .map(GiteaRepository::into_remote)
            .map_err(|e| self.http.malformed(call, e.to_string()))
    }
}

#[async_trait]
impl Forge for GiteaClient {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn list_repositories(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<RepositoryListing, ForgeError> {
        // Items read on earlier pages, for the `X-Total-Count` fallback.
        let read = AtomicUsize::new(0);
        let listing = collect(
            &self.http,
            self.first_page_url(),
            |url| {
                let read = &read;
                async move {
                    let page = self
                        .fetch_page(url, read.load(Ordering::Relaxed), since)
                        .await?;
                    read.fetch_add(page.items.len(), Ordering::Relaxed);
                    Ok(page)
                }
            },
            |item| {
                serde_json::from_value::<GiteaRepository>(item).map(GiteaRepository::into_remote)
            },
            |repository| match (since, repository.updated_at) {
                (Some(since), Some(updated)) => updated >= since,
                _ => true,
            },
        )
        .await?;
        let mut listing = listing;
        self.read_all_languages(&mut listing.repositories).await;
        Ok(listing)
    }

    async fn fetch_repository(&self, full_name: &str) -> Result<FetchedRepository, ForgeError> {
        let (owner, name) = self.split("GET /repos/{owner}/{repo}", full_name)?;
        let url = self.http.url(&["repos", owner, name]);
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = self.http.send(&HttpRequest::get(url.clone())).await?;
        let (call, response) = if response.status.is_redirection() {
            // Gitea redirects a renamed or transferred repository's old name to the new one.
            let location = response.header("location").ok_or_else(|| {
                self.http
                    .malformed(&call, "a redirect without Location".to_owned())
            })?;
            let target = self.http.follow(&call, &url, location)?;
            let target_call = HttpClient::call_label(&Method::GET, &target);
            (
                target_call,
                self.http.send(&HttpRequest::get(target)).await?,
            )
        } else {
            (call, response)
        };
        match response.status {
            StatusCode::OK => {
                let mut repository = self.parse_repository(&call, &response.body)?;
                self.read_languages(&mut repository).await;
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
            _ => Err(self.http.status_error(&call, &response)),
        }
    }

    async fn fetch_file(
        &self,
        full_name: &str,
        path: &str,
        etag: Option<&str>,
    ) -> Result<FileFetch, ForgeError> {
        let (owner, name) = self.split("GET /repos/{owner}/{repo}/raw", full_name)?;
        // Without `ref`, Gitea reads the default branch.
        let fetch = |file: String| {
            let mut segments = vec!["repos", owner, name, "raw"];
            segments.extend(file.split('/').filter(|s| !s.is_empty()));
            let url = self.http.url(&segments);
            fetch_raw(&self.http, HttpRequest::get(url), etag)
        };
        if path == README_PATH {
            first_found(&README_NAMES, fetch).await
        } else {
            fetch(path.to_owned()).await
        }
    }

    async fn grant_read(
        &self,
        full_name: &str,
        username: &str,
    ) -> Result<GrantOutcome, ForgeError> {
        let (owner, name) = self.split("PUT /repos/{owner}/{repo}/collaborators", full_name)?;
        check_username(KIND, "PUT /repos/{owner}/{repo}/collaborators", username)?;
        let url = self
            .http
            .url(&["repos", owner, name, "collaborators", username]);
        let check = match send_grant(&self.http, &HttpRequest::get(url.clone())).await? {
            Ok(response) => response,
            Err(outcome) => return Ok(outcome),
        };
        match check.status {
            StatusCode::NO_CONTENT => return Ok(GrantOutcome::AlreadyHadAccess),
            StatusCode::UNAUTHORIZED => {
                let call = HttpClient::call_label(&Method::GET, &url);
                return Err(self.http.status_error(&call, &check));
            }
            // 404 (not a collaborator, or no such user) and the rest: the PUT decides.
            _ => {}
        }
        let call = HttpClient::call_label(&Method::PUT, &url);
        let request =
            HttpRequest::new(Method::PUT, url).json(serde_json::json!({ "permission": "read" }));
        let response = match send_grant(&self.http, &request).await? {
            Ok(response) => response,
            Err(outcome) => return Ok(outcome),
        };
        Ok(match response.status {
            StatusCode::NO_CONTENT | StatusCode::OK | StatusCode::CREATED => GrantOutcome::Granted,
            StatusCode::NOT_FOUND => GrantOutcome::UnknownUser(format!(
                "Gitea knows no user {username:?}, or no repository {full_name} this token can administer"
            )),
            StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY => {
                GrantOutcome::NotPermitted(response.message())
            }
            _ => return Err(self.http.status_error(&call, &response)),
        })
    }

    fn stats(&self) -> SyncStats {
        self.http.stats()
    }
}

#[derive(Debug, Deserialize)]
struct GiteaTopics {
    #[serde(default)]
    topics: Vec<String>,
}

/// A repository as Gitea's API describes it. Only `id` and `name` are required.
#[derive(Debug, Deserialize)]
struct GiteaRepository {
    id: u64,
    name: String,
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    owner: Option<GiteaOwner>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    default_branch: Option<String>,
    #[serde(default)]
    private: Option<bool>,
    /// Gitea 1.13+: visible to every signed-in user.
    #[serde(default)]
    internal: Option<bool>,
    #[serde(default)]
    archived: Option<bool>,
    #[serde(default)]
    fork: Option<bool>,
    #[serde(default)]
    mirror: Option<bool>,
    /// Where a mirror (or a migrated repository) came from.
    #[serde(default)]
    original_url: Option<String>,
    #[serde(default)]
    topics: Option<Vec<String>>,
    #[serde(default)]
    language: Option<String>,
    /// SPDX ids of the license files Gitea detected (1.23+); absent on older servers.
    #[serde(default)]
    licenses: Option<Vec<String>>,
    #[serde(default)]
    stars_count: Option<i64>,
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
}

/// One SPDX id for one detected license; several license files are taken as a choice between
/// them (`MIT OR Apache-2.0`), the usual reason for a repository to carry two.
fn license_expression(ids: &[String]) -> Option<String> {
    let ids: Vec<&str> = ids
        .iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty())
        .collect();
    (!ids.is_empty()).then(|| ids.join(" OR "))
}

#[derive(Debug, Deserialize)]
struct GiteaOwner {
    /// Gitea sends both `login` and `username` (older servers only `username`).
    #[serde(default)]
    login: Option<String>,
    #[serde(default)]
    username: Option<String>,
}

impl GiteaRepository {
    fn into_remote(self) -> RemoteRepository {
        let owner = match (
            self.owner.and_then(|o| o.login.or(o.username)),
            &self.full_name,
        ) {
            (Some(owner), _) => owner,
            (None, Some(full_name)) => full_name
                .split_once('/')
                .map(|(owner, _)| owner.to_owned())
                .unwrap_or_default(),
            (None, None) => String::new(),
        };
        let full_name = self
            .full_name
            .unwrap_or_else(|| format!("{owner}/{}", self.name));
        // `internal` only means something on a repository that is not private.
        let visibility = match (self.private, self.internal) {
            (Some(true), _) => Some(RemoteVisibility::Private),
            (_, Some(true)) => Some(RemoteVisibility::Internal),
            (Some(false), _) => Some(RemoteVisibility::Public),
            (None, _) => None,
        };
        RemoteRepository {
            external_id: self.id.to_string(),
            owner,
            name: self.name,
            full_name,
            description: self.description.filter(|d| !d.trim().is_empty()),
            html_url: self.html_url.unwrap_or_default(),
            default_branch: self.default_branch.filter(|b| !b.is_empty()),
            visibility,
            archived: self.archived.unwrap_or(false),
            fork: self.fork.unwrap_or(false),
            mirror: self.mirror.unwrap_or(false),
            // A migrated repository keeps `original_url` too: only a mirror has an upstream.
            upstream_url: self
                .original_url
                .filter(|_| self.mirror == Some(true))
                .as_deref()
                .and_then(upstream_url),
            topics: self.topics.unwrap_or_default(),
            primary_language: self.language.filter(|l| !l.is_empty()),
            license: self.licenses.as_deref().and_then(license_expression),
            stars: self.stars_count.unwrap_or(0),
            forks: self.forks_count.unwrap_or(0),
            open_issues: self.open_issues_count.unwrap_or(0),
            watchers: self.watchers_count.unwrap_or(0),
            created_at: self.created_at,
            // Gitea has no push date; `updated_at` moves on every push and stands in for it.
            updated_at: self.updated_at,
            pushed_at: self.updated_at,
            ..RemoteRepository::default()
        }
    }
}
