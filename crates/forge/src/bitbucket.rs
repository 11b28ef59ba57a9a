//! The Bitbucket Data Center client (REST 1.0): lists a project's repositories, or every
//! repository the token can see, following `nextPageStart` until `isLastPage`, and maps
//! Bitbucket's repository JSON to `RemoteRepository`; fetches raw files; grants `REPO_READ`.
//! Retries and rate limits (429 + `Retry-After`, when the admin turned limiting on) are the
//! shared `http` layer's.
//!
//! Bitbucket's repository JSON has no topics, no counters and no dates, so `since` cannot be
//! honoured: every listing is a full one (a superset of any window, hence complete for it).
//! Raw files are read without `at`, which Bitbucket resolves to the default branch — this saves
//! a `default-branch` call per repository. A renamed repository answers 404 under its old slug
//! (Bitbucket keeps no redirects), so `fetch_repository` reports it `Gone`; the next listing
//! brings it back under its new slug with the same id.
//!
//! Setting `REPO_READ` on a user who holds `REPO_WRITE` or `REPO_ADMIN` would demote them (the
//! PUT sets the permission), so the client first looks the user up among the repository's users.
//! Bitbucket answers 401 both for a rejected token and for a token lacking a permission; the
//! exception name in the body tells them apart.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
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
    with_query_param,
};
use crate::paging::{Page, collect, parse_json};
use crate::repository::{RemoteRepository, RemoteVisibility};

const KIND: &str = "bitbucket";
const PAGE_SIZE: &str = "100";

/// Which repositories a client lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BitbucketScope {
    /// `GET /projects/{key}/repos`.
    Project(String),
    /// `GET /repos`: every repository the token can see.
    AllVisible,
}

/// Everything a `BitbucketClient` needs. The token is a secret: it prints as `[REDACTED]`.
#[derive(Debug)]
pub struct BitbucketConfig {
    /// `https://HOST/rest/api/1.0`.
    pub base_url: String,
    pub scope: BitbucketScope,
    /// An HTTP access token, sent as `Authorization: Bearer T`.
    pub token: SecretString,
    pub user_agent: String,
    pub limits: HttpLimits,
}

impl BitbucketConfig {
    pub fn project(
        base_url: impl Into<String>,
        key: impl Into<String>,
        token: SecretString,
    ) -> Self {
        Self::new(base_url.into(), BitbucketScope::Project(key.into()), token)
    }

    pub fn all_visible(base_url: impl Into<String>, token: SecretString) -> Self {
        Self::new(base_url.into(), BitbucketScope::AllVisible, token)
    }

    fn new(base_url: String, scope: BitbucketScope, token: SecretString) -> Self {
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

pub struct BitbucketClient {
    http: HttpClient,
    scope: BitbucketScope,
}

impl fmt::Debug for BitbucketClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BitbucketClient")
            .field("http", &self.http)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl BitbucketClient {
    pub fn new(config: BitbucketConfig) -> Result<Self, ForgeError> {
        let http = HttpClient::new(HttpConfig {
            forge: KIND.to_owned(),
            base_url: config.base_url,
            auth: Auth::bearer(config.token),
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
            BitbucketScope::Project(key) => self.http.url(&["projects", key, "repos"]),
            BitbucketScope::AllVisible => self.http.url(&["repos"]),
        };
        url.query_pairs_mut()
            .append_pair("start", "0")
            .append_pair("limit", PAGE_SIZE);
        url
    }

    async fn fetch_page(&self, url: Url) -> Result<Page, ForgeError> {
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = self.http.send(&HttpRequest::get(url.clone())).await?;
        if response.status != StatusCode::OK {
            return Err(self.error(&call, &response));
        }
        let page: BitbucketPage =
            serde_json::from_value(parse_json(&self.http, &call, &response.body)?).map_err(
                |e| {
                    self.http
                        .malformed(&call, format!("not a page of repositories: {e}"))
                },
            )?;
        let next = match (page.is_last_page, page.next_page_start) {
            (true, _) => None,
            (false, Some(start)) => Some(with_query_param(&url, "start", &start.to_string())),
            (false, None) => {
                return Err(self.http.malformed(
                    &call,
                    "isLastPage is false but nextPageStart is missing".to_owned(),
                ));
            }
        };
        Ok(Page {
            items: page.values,
            next,
        })
    }

    fn split<'a>(&self, call: &str, full_name: &'a str) -> Result<(&'a str, &'a str), ForgeError> {
        match full_name.split_once('/') {
            Some((key, slug)) if !key.is_empty() && !slug.is_empty() && !slug.contains('/') => {
                Ok((key, slug))
            }
            _ => Err(ForgeError::InvalidInput {
                forge: KIND.to_owned(),
                call: call.to_owned(),
                reason: format!("{full_name:?} is not a PROJECT/slug repository name"),
            }),
        }
    }

    /// Maps an answer to an error, with Bitbucket's own message (its bodies are
    /// `{"errors":[{"message", "exceptionName"}]}`, not `{"message"}`).
    fn error(&self, call: &str, response: &HttpResponse) -> ForgeError {
        let (forge, call) = (KIND.to_owned(), call.to_owned());
        match response.status {
            StatusCode::FORBIDDEN => ForgeError::Forbidden {
                forge,
                call,
                message: bitbucket_error(response).0,
            },
            StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND => {
                self.http.status_error(&call, response)
            }
            status => ForgeError::Http {
                forge,
                call,
                status: status.as_u16(),
                message: bitbucket_error(response).0,
            },
        }
    }

    /// Whether `username` already holds a permission on the repository. `None` when the lookup
    /// itself is not allowed or fails: the grant then decides on its own.
    async fn holds_permission(&self, key: &str, slug: &str, username: &str) -> Option<bool> {
        let mut url = self
            .http
            .url(&["projects", key, "repos", slug, "permissions", "users"]);
        url.query_pairs_mut()
            .append_pair("filter", username)
            .append_pair("limit", PAGE_SIZE);
        let response = self.http.send(&HttpRequest::get(url)).await.ok()?;
        if response.status != StatusCode::OK {
            return None;
        }
        let page: BitbucketPage = serde_json::from_slice(&response.body).ok()?;
        // `filter` matches substrings of names: only an exact match counts.
        Some(page.values.iter().any(|entry| {
            entry
                .pointer("/user/name")
                .and_then(|n| n.as_str())
                .is_some_and(|name| name.eq_ignore_ascii_case(username))
        }))
    }
}

#[async_trait]
impl Forge for BitbucketClient {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn list_repositories(
        &self,
        _since: Option<DateTime<Utc>>,
    ) -> Result<RepositoryListing, ForgeError> {
        collect(
            &self.http,
            self.first_page_url(),
            |url| self.fetch_page(url),
            |item| {
                serde_json::from_value::<BitbucketRepository>(item)
                    .map(BitbucketRepository::into_remote)
            },
            |_| true,
        )
        .await
    }

    async fn fetch_repository(&self, full_name: &str) -> Result<FetchedRepository, ForgeError> {
        let (key, slug) = self.split("GET /projects/{key}/repos/{slug}", full_name)?;
        let url = self.http.url(&["projects", key, "repos", slug]);
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = self.http.send(&HttpRequest::get(url)).await?;
        match response.status {
            StatusCode::OK => serde_json::from_slice::<BitbucketRepository>(&response.body)
                .map(|r| FetchedRepository::Found(r.into_remote()))
                .map_err(|e| self.http.malformed(&call, e.to_string())),
            StatusCode::NOT_FOUND => Ok(FetchedRepository::Gone),
            _ => Err(self.error(&call, &response)),
        }
    }

    async fn fetch_file(
        &self,
        full_name: &str,
        path: &str,
        etag: Option<&str>,
    ) -> Result<FileFetch, ForgeError> {
        let (key, slug) = self.split("GET /projects/{key}/repos/{slug}/raw", full_name)?;
        let fetch = |file: String| {
            let mut segments = vec!["projects", key, "repos", slug, "raw"];
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
        let call = "PUT /projects/{key}/repos/{slug}/permissions/users";
        let (key, slug) = self.split(call, full_name)?;
        check_username(KIND, call, username)?;
        if self.holds_permission(key, slug, username).await == Some(true) {
            return Ok(GrantOutcome::AlreadyHadAccess);
        }
        let mut url = self
            .http
            .url(&["projects", key, "repos", slug, "permissions", "users"]);
        url.query_pairs_mut()
            .append_pair("name", username)
            .append_pair("permission", "REPO_READ");
        let call = HttpClient::call_label(&Method::PUT, &url);
        let response = match send_grant(&self.http, &HttpRequest::new(Method::PUT, url)).await? {
            Ok(response) => response,
            Err(outcome) => return Ok(outcome),
        };
        let (message, exception) = bitbucket_error(&response);
        Ok(match response.status {
            StatusCode::NO_CONTENT | StatusCode::OK => GrantOutcome::Granted,
            StatusCode::NOT_FOUND if exception.ends_with("NoSuchUserException") => {
                GrantOutcome::UnknownUser(format!(
                    "Bitbucket knows no user {username:?}: {message}"
                ))
            }
            StatusCode::NOT_FOUND => GrantOutcome::UnknownUser(format!(
                "Bitbucket answered 404 for user {username:?} on {full_name}: {message}"
            )),
            StatusCode::FORBIDDEN => GrantOutcome::NotPermitted(message),
            // A token lacking REPO_ADMIN gets 401 with an AuthorisationException; any other 401
            // is the token itself rejected.
            StatusCode::UNAUTHORIZED if exception.ends_with("AuthorisationException") => {
                GrantOutcome::NotPermitted(message)
            }
            StatusCode::BAD_REQUEST | StatusCode::CONFLICT => GrantOutcome::NotPermitted(message),
            _ => return Err(self.error(&call, &response)),
        })
    }

    fn stats(&self) -> SyncStats {
        self.http.stats()
    }
}

/// The first error's message and exception name of a Bitbucket error body, or the plain
/// message when the body is not one.
fn bitbucket_error(response: &HttpResponse) -> (String, String) {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<Error>,
    }
    #[derive(Deserialize)]
    struct Error {
        #[serde(default)]
        message: Option<String>,
        #[serde(default, rename = "exceptionName")]
        exception_name: Option<String>,
    }
    match serde_json::from_slice::<Errors>(&response.body) {
        Ok(Errors { errors }) if !errors.is_empty() => {
            let first = &errors[0];
            (
                first.message.clone().unwrap_or_else(|| response.message()),
                first.exception_name.clone().unwrap_or_default(),
            )
        }
        _ => (response.message(), String::new()),
    }
}

#[derive(Debug, Deserialize)]
struct BitbucketPage {
    #[serde(default)]
    values: Vec<serde_json::Value>,
    #[serde(rename = "isLastPage")]
    is_last_page: bool,
    #[serde(default, rename = "nextPageStart")]
    next_page_start: Option<u64>,
}

/// A repository as Bitbucket Data Center describes it. `id`, `slug` and `project.key` are
/// required.
#[derive(Debug, Deserialize)]
struct BitbucketRepository {
    id: u64,
    slug: String,
    project: BitbucketProject,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    public: Option<bool>,
    /// Bitbucket 8.0+.
    #[serde(default)]
    archived: Option<bool>,
    /// Present (the upstream repository) on forks only.
    #[serde(default)]
    origin: Option<serde_json::Value>,
    #[serde(default)]
    links: Option<BitbucketLinks>,
}

#[derive(Debug, Deserialize)]
struct BitbucketProject {
    key: String,
}

#[derive(Debug, Deserialize)]
struct BitbucketLinks {
    #[serde(default, rename = "self")]
    self_links: Vec<BitbucketLink>,
}

#[derive(Debug, Deserialize)]
struct BitbucketLink {
    href: String,
}

impl BitbucketRepository {
    fn into_remote(self) -> RemoteRepository {
        RemoteRepository {
            external_id: self.id.to_string(),
            full_name: format!("{}/{}", self.project.key, self.slug),
            owner: self.project.key,
            name: self.slug,
            description: self.description.filter(|d| !d.trim().is_empty()),
            html_url: self
                .links
                .and_then(|l| l.self_links.into_iter().next())
                .map(|l| l.href)
                .unwrap_or_default(),
            // Data Center has no "internal": a repository is public or needs a permission.
            visibility: Some(if self.public.unwrap_or(false) {
                RemoteVisibility::Public
            } else {
                RemoteVisibility::Private
            }),
            archived: self.archived.unwrap_or(false),
            fork: self.origin.is_some(),
            ..RemoteRepository::default()
        }
    }
}
