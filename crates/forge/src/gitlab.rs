//! The GitLab client (self-managed, REST v4): lists a group's projects with its subgroups (offset
//! paging, following `x-next-page`, since `x-total` is dropped past 10,000 items) or every
//! project the token can see (keyset paging, following `Link: rel="next"`), and maps GitLab's
//! project JSON to `RemoteRepository`; fetches files through the repository files API; grants
//! read access by adding the user as a Reporter (`access_level=20`). Retries, rate limits
//! (`RateLimit-*`, `Retry-After`, and 429s without any header) are the shared `http` layer's.
//!
//! Incremental listings send `last_activity_after` and also filter on `last_activity_at`
//! client-side, so the window holds even where the group endpoint ignores the parameter. GitLab
//! updates `last_activity_at` lazily (up to an hour late), so callers should set the watermark
//! back by that much.
//!
//! Renames: the API may answer a project's old path with the project under its new path (GitLab
//! keeps redirect routes), or with 404. Ids never change, so the client remembers the id of
//! every project it listed or fetched: a 404 on a path it knows is retried by id, and a project
//! found under another path is reported as `Moved`. Only a 404 by id is `Gone`. A full name made
//! of digits only is taken as a project id, as GitLab's own `:id` parameter does.
//!
//! Languages and license are not in GitLab's project listings: they cost two calls per project,
//! `GET /projects/:id/languages` (percent per language) and `GET /projects/:id?license=true`
//! (the detected license, as a licensee key mapped here to its SPDX id). They are read for the
//! projects a listing returns — after a full listing every project, after an incremental one
//! only those active since the watermark, i.e. changed — and on a direct fetch. A failed read
//! leaves the value unknown (`unread_details`), never empty, so the catalog keeps what it had.
//! A pull mirror (`mirror: true`) names what it copies in `import_url` (credentials removed);
//! `forked_from_project` makes a fork, and an `import_url` without `mirror` a one-time import,
//! neither of which is a mirror.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Method, StatusCode, Url};
use secrecy::SecretString;
use serde::Deserialize;

use crate::answers::{README_NAMES, check_username, fetch_raw, first_found, send_grant};
use crate::client::{
    FetchedRepository, FileFetch, Forge, GrantOutcome, README_PATH, RepositoryListing, SyncStats,
};
use crate::error::ForgeError;
use crate::http::{
    Auth, DEFAULT_RATE_LIMIT_WAIT, HttpClient, HttpConfig, HttpLimits, HttpRequest, next_link,
    with_query_param,
};
use crate::paging::{Page, array_items, collect};
use crate::repository::{Detail, RemoteRepository, RemoteVisibility, UnreadDetail, upstream_url};

const KIND: &str = "gitlab";
/// Projects whose languages and license are read at once; the HTTP layer's own concurrency
/// limit still bounds the requests in flight.
const DETAIL_CONCURRENCY: usize = 16;
/// GitLab's Reporter role: read the code, open issues. The members API would default higher.
const REPORTER: u64 = 20;

/// Which projects a client lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitlabScope {
    /// `GET /groups/:id/projects?include_subgroups=true`: the group's own projects and those of
    /// every subgroup (not projects merely shared with it). The id or the full path.
    Group(String),
    /// `GET /projects?pagination=keyset`: every project the token can see.
    AllVisible,
}

/// Everything a `GitlabClient` needs. The token is a secret: it prints as `[REDACTED]`.
#[derive(Debug)]
pub struct GitlabConfig {
    /// `https://HOST/api/v4`.
    pub base_url: String,
    pub scope: GitlabScope,
    /// A personal, group or project access token, sent as `PRIVATE-TOKEN`.
    pub token: SecretString,
    pub user_agent: String,
    pub limits: HttpLimits,
    /// The wait on a 429 without `Retry-After` or `RateLimit-Reset`.
    pub default_rate_limit_wait: Duration,
}

impl GitlabConfig {
    pub fn group(
        base_url: impl Into<String>,
        group: impl Into<String>,
        token: SecretString,
    ) -> Self {
        Self::new(base_url.into(), GitlabScope::Group(group.into()), token)
    }

    pub fn all_visible(base_url: impl Into<String>, token: SecretString) -> Self {
        Self::new(base_url.into(), GitlabScope::AllVisible, token)
    }

    fn new(base_url: String, scope: GitlabScope, token: SecretString) -> Self {
        Self {
            base_url,
            scope,
            token,
            user_agent: concat!("agora/", env!("CARGO_PKG_VERSION")).to_owned(),
            limits: HttpLimits::default(),
            default_rate_limit_wait: DEFAULT_RATE_LIMIT_WAIT,
        }
    }

    pub fn with_limits(mut self, limits: HttpLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn with_default_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.default_rate_limit_wait = wait;
        self
    }
}

/// What the client remembers of a project it has seen, by lower-cased full path.
#[derive(Debug, Clone)]
struct Known {
    id: String,
    default_branch: Option<String>,
}

pub struct GitlabClient {
    http: HttpClient,
    scope: GitlabScope,
    known: Mutex<HashMap<String, Known>>,
}

impl fmt::Debug for GitlabClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitlabClient")
            .field("http", &self.http)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl GitlabClient {
    pub fn new(config: GitlabConfig) -> Result<Self, ForgeError> {
        let http = HttpClient::new(HttpConfig {
            forge: KIND.to_owned(),
            base_url: config.base_url,
            auth: Auth::header(HeaderName::from_static("private-token"), config.token),
            headers: HeaderMap::new(),
            user_agent: config.user_agent,
            limits: config.limits,
            default_rate_limit_wait: config.default_rate_limit_wait,
        })?;
        Ok(Self {
            http,
            scope: config.scope,
            known: Mutex::new(HashMap::new()),
        })
    }

    fn first_page_url(&self, since: Option<DateTime<Utc>>) -> Url {
        let mut url = match &self.scope {
            GitlabScope::Group(group) => {
                let mut url = self.http.url(&["groups", group, "projects"]);
                url.query_pairs_mut()
                    .append_pair("include_subgroups", "true")
                    .append_pair("with_shared", "false");
                url
            }
            GitlabScope::AllVisible => {
                let mut url = self.http.url(&["projects"]);
                url.query_pairs_mut().append_pair("pagination", "keyset");
                url
            }
        };
        // Ordered by id, projects created during the listing land on its last page instead of
        // shifting every offset (the default order is newest first).
        url.query_pairs_mut()
            .append_pair("order_by", "id")
            .append_pair("sort", "asc")
            .append_pair("per_page", "100");
        if let Some(since) = since {
            url.query_pairs_mut().append_pair(
                "last_activity_after",
                &since.to_rfc3339_opts(SecondsFormat::Secs, true),
            );
        }
        url
    }

    async fn fetch_page(&self, url: Url) -> Result<Page, ForgeError> {
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = self.http.send(&HttpRequest::get(url.clone())).await?;
        if response.status != StatusCode::OK {
            return Err(self.http.status_error(&call, &response));
        }
        let items = array_items(&self.http, &call, &response.body)?;
        // Offset paging says the next page in `x-next-page` (empty on the last page); keyset
        // paging only in `Link`. `x-total` is not used: GitLab omits it past 10,000 projects.
        let next = match response.header("x-next-page").map(str::trim) {
            Some("") => None,
            Some(page) if page.parse::<u64>().is_ok() => Some(with_query_param(&url, "page", page)),
            Some(page) => {
                return Err(self
                    .http
                    .malformed(&call, format!("x-next-page {page:?} is not a page number")));
            }
            None => match next_link(&response.headers) {
                Some(link) => Some(self.http.follow(&call, &url, &link)?),
                None => None,
            },
        };
        Ok(Page { items, next })
    }

    fn known(&self) -> MutexGuard<'_, HashMap<String, Known>> {
        // The map holds plain data; a panic elsewhere cannot leave it half-updated.
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn remember(&self, repository: &RemoteRepository) {
        self.known().insert(
            repository.full_name.to_lowercase(),
            Known {
                id: repository.external_id.clone(),
                default_branch: repository.default_branch.clone(),
            },
        );
    }

    /// The project's `:id` for URLs (its id when known, which survives renames, else its path)
    /// and its default branch when known.
    fn project_ref(
        &self,
        call: &str,
        full_name: &str,
    ) -> Result<(String, Option<String>), ForgeError> {
        if let Some(known) = self.known().get(&full_name.to_lowercase()) {
            return Ok((known.id.clone(), known.default_branch.clone()));
        }
        Ok((self.check_name(call, full_name)?.to_owned(), None))
    }

    fn check_name<'a>(&self, call: &str, full_name: &'a str) -> Result<&'a str, ForgeError> {
        let is_id = !full_name.is_empty() && full_name.bytes().all(|b| b.is_ascii_digit());
        let is_path = full_name
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .is_some_and(|(name, namespace)| {
                !namespace.is_empty() && !name.is_empty() && namespace.iter().all(|s| !s.is_empty())
            });
        if is_id || is_path {
            Ok(full_name)
        } else {
            Err(ForgeError::InvalidInput {
                forge: KIND.to_owned(),
                call: call.to_owned(),
                reason: format!(
                    "{full_name:?} is neither a namespace/project path nor a project id"
                ),
            })
        }
    }

    fn parse_project(&self, call: &str, body: &[u8]) -> Result<RemoteRepository, ForgeError> {
        serde_json::from_slice::<GitlabProject>(body)
            .map(GitlabProject::into_remote)
            .map_err(|e| self.http.malformed(call, e.to_string()))
    }

    /// `GET /projects/:id?license=true` (the license is only given on request); `Ok(None)` on
    /// 404.
    async fn get_project(&self, id: &str) -> Result<Option<RemoteRepository>, ForgeError> {
        let mut url = self.http.url(&["projects", id]);
        url.query_pairs_mut().append_pair("license", "true");
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = self.http.send(&HttpRequest::get(url.clone())).await?;
        match response.status {
            StatusCode::OK => Ok(Some(self.parse_project(&call, &response.body)?)),
            StatusCode::NOT_FOUND => Ok(None),
            status if status.is_redirection() => {
                let location = response.header("location").ok_or_else(|| {
                    self.http
                        .malformed(&call, "a redirect without Location".to_owned())
                })?;
                let target = self.http.follow(&call, &url, location)?;
                let target_call = HttpClient::call_label(&Method::GET, &target);
                let moved = self.http.send(&HttpRequest::get(target)).await?;
                match moved.status {
                    StatusCode::OK => Ok(Some(self.parse_project(&target_call, &moved.body)?)),
                    StatusCode::NOT_FOUND => Ok(None),
                    _ => Err(self.http.status_error(&target_call, &moved)),
                }
            }
            _ => Err(self.http.status_error(&call, &response)),
        }
    }

    /// Reads the languages and license of each project, `DETAIL_CONCURRENCY` at a time.
    async fn read_all_details(&self, repositories: &mut [RemoteRepository]) {
        futures_util::stream::iter(repositories.iter_mut())
            .for_each_concurrent(DETAIL_CONCURRENCY, |repository| async move {
                if let Err(e) = self.read_license(repository).await {
                    repository.unread_details.push(unread(Detail::License, &e));
                }
                if let Err(e) = self.read_languages(repository).await {
                    repository
                        .unread_details
                        .push(unread(Detail::Languages, &e));
                }
            })
            .await;
    }

    /// `GET /projects/:id/languages`: `{"Rust": 81.5, "Shell": 18.5}`, percent of the code.
    /// The largest share stands for the primary language, which GitLab does not name.
    async fn read_languages(&self, repository: &mut RemoteRepository) -> Result<(), ForgeError> {
        let url = self
            .http
            .url(&["projects", &repository.external_id, "languages"]);
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = self.http.send(&HttpRequest::get(url)).await?;
        if response.status != StatusCode::OK {
            return Err(self.http.status_error(&call, &response));
        }
        let languages: BTreeMap<String, f64> = serde_json::from_slice(&response.body)
            .map_err(|e| self.http.malformed(&call, e.to_string()))?;
        if repository.primary_language.is_none() {
            repository.primary_language = languages
                .iter()
                .filter(|(_, share)| share.is_finite())
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(language, _)| language.clone());
        }
        repository.languages = languages;
        Ok(())
    }

    /// The license, from `GET /projects/:id?license=true` (the listing cannot include it).
    async fn read_license(&self, repository: &mut RemoteRepository) -> Result<(), ForgeError> {
        let mut url = self.http.url(&["projects", &repository.external_id]);
        url.query_pairs_mut().append_pair("license", "true");
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = self.http.send(&HttpRequest::get(url)).await?;
        if response.status != StatusCode::OK {
            return Err(self.http.status_error(&call, &response));
        }
        let answer: GitlabLicenseAnswer = serde_json::from_slice(&response.body)
            .map_err(|e| self.http.malformed(&call, e.to_string()))?;
        repository.license = answer.license.and_then(GitlabLicense::spdx_id);
        Ok(())
    }

    /// Resolves a user name to GitLab's numeric user id; `Err(outcome)` when the answer is an
    /// outcome of the grant (no such user, a refusal, a transient failure).
    async fn user_id(&self, username: &str) -> Result<Result<u64, GrantOutcome>, ForgeError> {
        let mut url = self.http.url(&["users"]);
        url.query_pairs_mut().append_pair("username", username);
        let call = HttpClient::call_label(&Method::GET, &url);
        let response = match send_grant(&self.http, &HttpRequest::get(url)).await? {
            Ok(response) => response,
            Err(outcome) => return Ok(Err(outcome)),
        };
        match response.status {
            StatusCode::OK => {}
            StatusCode::FORBIDDEN => {
                return Ok(Err(GrantOutcome::NotPermitted(response.message())));
            }
            _ => return Err(self.http.status_error(&call, &response)),
        }
        let users: Vec<GitlabUser> = serde_json::from_slice(&response.body)
            .map_err(|e| self.http.malformed(&call, e.to_string()))?;
        Ok(match users.first() {
            Some(user) => Ok(user.id),
            None => Err(GrantOutcome::UnknownUser(format!(
                "GitLab knows no user {username:?}"
            ))),
        })
    }
}

#[async_trait]
impl Forge for GitlabClient {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn list_repositories(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<RepositoryListing, ForgeError> {
        let listing = collect(
            &self.http,
            self.first_page_url(since),
            |url| self.fetch_page(url),
            |item| serde_json::from_value::<GitlabProject>(item).map(GitlabProject::into_remote),
            |repository| match (since, repository.pushed_at) {
                (Some(since), Some(active)) => active >= since,
                _ => true,
            },
        )
        .await?;
        for repository in &listing.repositories {
            self.remember(repository);
        }
        let mut listing = listing;
        self.read_all_details(&mut listing.repositories).await;
        Ok(listing)
    }

    async fn fetch_repository(&self, full_name: &str) -> Result<FetchedRepository, ForgeError> {
        let wanted = self.check_name("GET /projects/:id", full_name)?;
        let by_id = wanted.bytes().all(|b| b.is_ascii_digit());
        let mut found = self.get_project(wanted).await?;
        if found.is_none() && !by_id {
            let known = self
                .known()
                .get(&wanted.to_lowercase())
                .map(|k| k.id.clone());
            if let Some(id) = known {
                found = self.get_project(&id).await?;
            }
        }
        let Some(mut repository) = found else {
            return Ok(FetchedRepository::Gone);
        };
        self.remember(&repository);
        // The license came with the project (`license=true`); the languages need their call.
        if let Err(e) = self.read_languages(&mut repository).await {
            repository
                .unread_details
                .push(unread(Detail::Languages, &e));
        }
        Ok(
            if by_id || repository.full_name.eq_ignore_ascii_case(wanted) {
                FetchedRepository::Found(repository)
            } else {
                FetchedRepository::Moved {
                    new_full_name: repository.full_name.clone(),
                    repository,
                }
            },
        )
    }

    async fn fetch_file(
        &self,
        full_name: &str,
        path: &str,
        etag: Option<&str>,
    ) -> Result<FileFetch, ForgeError> {
        let (project, branch) =
            self.project_ref("GET /projects/:id/repository/files", full_name)?;
        let fetch = |file: String| {
            let mut url =
                self.http
                    .url(&["projects", &project, "repository", "files", &file, "raw"]);
            // Without `ref`, GitLab reads the project's HEAD, which is its default branch.
            if let Some(branch) = &branch {
                url.query_pairs_mut().append_pair("ref", branch);
            }
            fetch_raw(&self.http, HttpRequest::get(url), etag)
        };
        if path == README_PATH {
            first_found(&README_NAMES, fetch).await
        } else {
            fetch(path.trim_matches('/').to_owned()).await
        }
    }

    async fn grant_read(
        &self,
        full_name: &str,
        username: &str,
    ) -> Result<GrantOutcome, ForgeError> {
        let call = "POST /projects/:id/members";
        let (project, _) = self.project_ref(call, full_name)?;
        check_username(KIND, call, username)?;
        let user_id = match self.user_id(username).await? {
            Ok(id) => id,
            Err(outcome) => return Ok(outcome),
        };
        let url = self.http.url(&["projects", &project, "members"]);
        let call = HttpClient::call_label(&Method::POST, &url);
        let request = HttpRequest::new(Method::POST, url).json(serde_json::json!({
            "user_id": user_id,
            "access_level": REPORTER,
        }));
        let response = match send_grant(&self.http, &request).await? {
            Ok(response) => response,
            Err(outcome) => return Ok(outcome),
        };
        Ok(match response.status {
            StatusCode::CREATED | StatusCode::OK => GrantOutcome::Granted,
            // "Member already exists": with this role or a higher one, which is left alone.
            StatusCode::CONFLICT => GrantOutcome::AlreadyHadAccess,
            StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                GrantOutcome::NotPermitted(response.message())
            }
            StatusCode::NOT_FOUND => GrantOutcome::UnknownUser(format!(
                "GitLab answered {:?}: no project {full_name} this token can see, or no user {username:?}",
                response.message()
            )),
            _ => return Err(self.http.status_error(&call, &response)),
        })
    }

    fn stats(&self) -> SyncStats {
        self.http.stats()
    }
}

#[derive(Debug, Deserialize)]
struct GitlabUser {
    id: u64,
}

/// A project as GitLab's REST API describes it. Only `id` and `path_with_namespace` are
/// required; the rest depends on the token's rights and the GitLab version.
#[derive(Debug, Deserialize)]
struct GitlabProject {
    id: u64,
    path_with_namespace: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    namespace: Option<GitlabNamespace>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    web_url: Option<String>,
    #[serde(default)]
    default_branch: Option<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    archived: Option<bool>,
    #[serde(default)]
    forked_from_project: Option<serde_json::Value>,
    #[serde(default)]
    mirror: Option<bool>,
    /// What a pull mirror copies (or where a one-time import came from); shown to maintainers.
    #[serde(default)]
    import_url: Option<String>,
    /// Only in answers to `?license=true`; `null` when GitLab detected no license.
    #[serde(default)]
    license: Option<GitlabLicense>,
    #[serde(default)]
    topics: Option<Vec<String>>,
    /// Before GitLab 14.0; deprecated for `topics`.
    #[serde(default)]
    tag_list: Option<Vec<String>>,
    #[serde(default)]
    star_count: Option<i64>,
    #[serde(default)]
    forks_count: Option<i64>,
    /// Absent when the project's issues are disabled.
    #[serde(default)]
    open_issues_count: Option<i64>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    last_activity_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct GitlabNamespace {
    full_path: String,
}

/// The part of a `?license=true` project answer the license read needs.
#[derive(Debug, Deserialize)]
struct GitlabLicenseAnswer {
    #[serde(default)]
    license: Option<GitlabLicense>,
}

/// A detected license as GitLab reports it (licensee's `key`, `name`, `nickname`, URLs).
#[derive(Debug, Deserialize)]
struct GitlabLicense {
    #[serde(default)]
    key: Option<String>,
}

impl GitlabLicense {
    /// The SPDX id of licensee's key (its keys are SPDX ids in lower case); `None` for `other`
    /// (a license file licensee could not identify) and keys it does not know.
    fn spdx_id(self) -> Option<String> {
        let key = self.key?.trim().to_ascii_lowercase();
        SPDX_IDS
            .iter()
            .find(|id| id.eq_ignore_ascii_case(&key))
            .map(|id| (*id).to_owned())
    }
}

/// The SPDX ids of the licenses licensee (and so GitLab) detects, choosealicense.com's list.
const SPDX_IDS: &[&str] = &[
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0",
    "Apache-2.0",
    "Artistic-2.0",
    "BlueOak-1.0.0",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSL-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CECILL-2.1",
    "CERN-OHL-P-2.0",
    "CERN-OHL-S-2.0",
    "CERN-OHL-W-2.0",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "GFDL-1.3",
    "GPL-2.0",
    "GPL-3.0",
    "ISC",
    "LGPL-2.1",
    "LGPL-3.0",
    "LPPL-1.3c",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "MS-PL",
    "MS-RL",
    "MulanPSL-2.0",
    "NCSA",
    "ODbL-1.0",
    "OFL-1.1",
    "OSL-3.0",
    "PostgreSQL",
    "Unlicense",
    "UPL-1.0",
    "Vim",
    "WTFPL",
    "Zlib",
];

fn unread(detail: Detail, error: &ForgeError) -> UnreadDetail {
    tracing::warn!(forge = KIND, ?detail, %error, "a repository detail could not be read; the stored value is kept");
    UnreadDetail {
        detail,
        error: error.to_string(),
    }
}

impl GitlabProject {
    fn into_remote(self) -> RemoteRepository {
        let (namespace, last) = match self.path_with_namespace.rsplit_once('/') {
            Some((namespace, last)) => (namespace.to_owned(), last.to_owned()),
            None => (String::new(), self.path_with_namespace.clone()),
        };
        RemoteRepository {
            external_id: self.id.to_string(),
            owner: self.namespace.map(|n| n.full_path).unwrap_or(namespace),
            name: self.path.unwrap_or(last),
            full_name: self.path_with_namespace,
            description: self.description.filter(|d| !d.trim().is_empty()),
            html_url: self.web_url.unwrap_or_default(),
            default_branch: self.default_branch,
            visibility: self.visibility.as_deref().and_then(RemoteVisibility::parse),
            archived: self.archived.unwrap_or(false),
            // `forked_from_project` is present (and an object) only for forks.
            fork: self.forked_from_project.is_some(),
            mirror: self.mirror.unwrap_or(false),
            // `import_url` alone is where a one-time import came from: not an upstream.
            upstream_url: self
                .import_url
                .filter(|_| self.mirror == Some(true))
                .as_deref()
                .and_then(upstream_url),
            license: self.license.and_then(GitlabLicense::spdx_id),
            topics: self.topics.or(self.tag_list).unwrap_or_default(),
            stars: self.star_count.unwrap_or(0),
            forks: self.forks_count.unwrap_or(0),
            open_issues: self.open_issues_count.unwrap_or(0),
            created_at: self.created_at,
            // GitLab's one activity date stands for both: pushes, merges, issues, comments.
            updated_at: self.last_activity_at,
            pushed_at: self.last_activity_at,
            ..RemoteRepository::default()
        }
    }
}
