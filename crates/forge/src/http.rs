//! The HTTP layer every forge client shares: one reqwest client per forge with its base URL and
//! authentication headers, a per-request timeout, retries with exponential backoff and jitter on
//! server errors and transport failures (via `backon`), waits on the rate-limit signals forges
//! send (`retry-after`, `x-ratelimit-remaining: 0` + `x-ratelimit-reset`), bounded concurrency,
//! and counters for the sync report. A forge client only builds requests and maps answers; it
//! never loops, sleeps or counts by itself.
//!
//! The token lives in a `SecretString` and reaches the wire only as a sensitive header value; it
//! is absent from every `Debug` output and every error, which are built from the call label
//! (method and path), the status and the forge's own message.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, LINK, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::client::SyncStats;
use crate::error::ForgeError;

/// Upper bound on in-flight requests per client: GitHub's secondary limits forbid more than 100
/// concurrent requests per token, and no forge we speak is happier with more.
pub const MAX_CONCURRENCY: usize = 100;

/// How many rate-limit waits one request may sit through before giving up, so a forge that keeps
/// answering "wait 1 s" cannot hold a sync forever.
const MAX_RATE_LIMIT_WAITS: u32 = 5;

/// How long to wait on a 429 that carries no hint: GitHub documents "at least one minute". Other
/// forges pick their own through `HttpConfig::default_rate_limit_wait`.
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// Timeouts, retries, rate-limit patience and concurrency of one client.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Per attempt, connection to last body byte.
    pub timeout: Duration,
    /// Attempts per request, the first included (1 disables retries).
    pub max_attempts: usize,
    /// First backoff delay; doubled per retry, with jitter.
    pub base_delay: Duration,
    /// Ceiling of one backoff delay.
    pub max_delay: Duration,
    /// The longest rate-limit wait accepted; a longer one fails with `ForgeError::RateLimited`.
    pub max_rate_limit_wait: Duration,
    /// Requests in flight at once; clamped to `1..=MAX_CONCURRENCY`.
    pub concurrency: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(15 * 60),
            concurrency: 8,
        }
    }
}

/// How a forge wants its token presented.
pub struct Auth {
    header: HeaderName,
    prefix: &'static str,
    token: SecretString,
}

impl Auth {
    /// `Authorization: Bearer T` (GitHub, Bitbucket, GitLab OAuth tokens).
    pub fn bearer(token: SecretString) -> Self {
        Self {
            header: AUTHORIZATION,
            prefix: "Bearer ",
            token,
        }
    }

    /// `Authorization: token T` (Gitea, Forgejo).
    pub fn token(token: SecretString) -> Self {
        Self {
            header: AUTHORIZATION,
            prefix: "token ",
            token,
        }
    }

    /// The bare token in a header of its own (GitLab's `PRIVATE-TOKEN`).
    pub fn header(header: HeaderName, token: SecretString) -> Self {
        Self {
            header,
            prefix: "",
            token,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("header", &self.header)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// Everything needed to build an `HttpClient`.
#[derive(Debug)]
pub struct HttpConfig {
    /// The label errors and logs use (`github`, `gitlab`, …).
    pub forge: String,
    /// The API root; request paths are appended to it.
    pub base_url: String,
    pub auth: Auth,
    /// Headers sent on every request besides the auth header (API version, default Accept).
    pub headers: HeaderMap,
    pub user_agent: String,
    pub limits: HttpLimits,
    /// How long to wait on a rate-limit answer that says neither when to retry nor when the
    /// budget resets (GitLab documents such 429s).
    pub default_rate_limit_wait: Duration,
}

/// One request, as a forge client describes it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub url: Url,
    /// Overrides of the client's default headers for this request (Accept, If-None-Match).
    pub headers: HeaderMap,
    pub json: Option<serde_json::Value>,
}

impl HttpRequest {
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            json: None,
        }
    }

    pub fn get(url: Url) -> Self {
        Self::new(Method::GET, url)
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.json = Some(body);
        self
    }

    /// Adds or replaces one header; a value that is not a valid header is dropped (the callers
    /// only pass ETags and media types the forge itself produced).
    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(name, value);
        }
        self
    }
}

/// A response read to the end. Bodies of forge API answers are small (≤ 100 items per page),
/// and reading them inside the retried attempt means a connection cut mid-body is retried too.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `message` of a JSON error body (GitHub, Gitea, GitLab all use it), else the raw text
    /// cut short.
    pub fn message(&self) -> String {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&self.body)
            && let Some(message) = value.get("message").and_then(|m| m.as_str())
        {
            return message.to_owned();
        }
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        match text.char_indices().nth(200) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None if text.is_empty() => "(no message)".to_owned(),
            None => text.to_owned(),
        }
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    not_modified: AtomicU64,
    rate_limited: AtomicU64,
    retries: AtomicU64,
    rate_limit_waits: AtomicU64,
    skipped_items: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Why one attempt did not produce a usable response.
enum AttemptError {
    /// Worth retrying with backoff: 5xx, timeout, connection failure.
    Transient(ForgeError),
    /// The forge asked us to wait this long.
    RateLimited(Duration),
    /// Retrying cannot help.
    Fatal(ForgeError),
}

/// The shared HTTP client of one forge. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct HttpClient {
    forge: String,
    base: Url,
    client: reqwest::Client,
    headers: HeaderMap,
    limits: HttpLimits,
    default_rate_limit_wait: Duration,
    permits: Semaphore,
    counters: Counters,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The header map holds the token: never print it.
        f.debug_struct("HttpClient")
            .field("forge", &self.forge)
            .field("base", &self.base.as_str())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    pub fn new(config: HttpConfig) -> Result<Self, ForgeError> {
        let invalid = |reason: String| ForgeError::InvalidInput {
            forge: config.forge.clone(),
            call: "configure the client".to_owned(),
            reason,
        };
        let base = Url::parse(&config.base_url)
            .map_err(|e| invalid(format!("base URL {:?}: {e}", config.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(invalid(format!(
                "base URL {:?} is not an http(s) URL",
                config.base_url
            )));
        }
        let mut headers = config.headers.clone();
        let mut auth = HeaderValue::from_str(&format!(
            "{}{}",
            config.auth.prefix,
            config.auth.token.expose_secret()
        ))
        // The error is built without the value so the token cannot leak through it.
        .map_err(|_| invalid("the token contains characters not allowed in a header".to_owned()))?;
        auth.set_sensitive(true);
        headers.insert(config.auth.header.clone(), auth);
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.limits.timeout)
            // Redirects are answers the clients interpret (GitHub's 301 = renamed repository), and
            // following one blindly could carry the token to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| invalid(format!("cannot build the HTTP client: {e}")))?;
        let concurrency = config.limits.concurrency.clamp(1, MAX_CONCURRENCY);
        Ok(Self {
            forge: config.forge,
            base,
            client,
            headers,
            limits: config.limits,
            default_rate_limit_wait: config.default_rate_limit_wait,
            permits: Semaphore::new(concurrency),
            counters: Counters::default(),
        })
    }

    pub fn forge(&self) -> &str {
        &self.forge
    }

    /// The base URL with `segments` appended, each percent-encoded as one path segment.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        // `new` rejected cannot-be-a-base URLs, so this always succeeds.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Whether `url` points at the same scheme, host and port as the base URL. Pagination and
    /// redirect targets are only followed when it does, so the token stays with its forge.
    pub fn same_origin(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    /// Resolves a next-page or redirect target against the URL that produced it, refusing one
    /// that leaves the forge's origin (following it would carry the token elsewhere).
    pub fn follow(&self, call: &str, current: &Url, target: &str) -> Result<Url, ForgeError> {
        let next = current
            .join(target)
            .map_err(|e| self.malformed(call, format!("bad link {target:?}: {e}")))?;
        if !self.same_origin(&next) {
            return Err(
                self.malformed(call, format!("the link {target:?} leaves the forge's host"))
            );
        }
        Ok(next)
    }

    /// The label errors use for a request: method and path (with query).
    pub fn call_label(method: &Method, url: &Url) -> String {
        match url.query() {
            Some(query) => format!("{method} {}?{query}", url.path()),
            None => format!("{method} {}", url.path()),
        }
    }

    /// Counts an item of a listing that could not be read and was skipped.
    pub fn count_skipped_item(&self) {
        bump(&self.counters.skipped_items);
    }

    pub fn stats(&self) -> SyncStats {
        let c = &self.counters;
        SyncStats {
            requests: c.requests.load(Ordering::Relaxed),
            not_modified: c.not_modified.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            rate_limit_waits: c.rate_limit_waits.load(Ordering::Relaxed),
            skipped_items: c.skipped_items.load(Ordering::Relaxed),
        }
    }

    /// Sends a request, retrying transient failures and waiting out rate limits. Returns every
    /// other answer — 2xx, 3xx, 304, 4xx — for the forge client to interpret; after the retries
    /// a 5xx becomes `ForgeError::Http` and a transport failure `ForgeError::Transport`.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, ForgeError> {
        let call = Self::call_label(&request.method, &request.url);
        // A permit is held across retries and waits so a rate-limited forge is not hit harder by
        // the other tasks of the same sync.
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| self.transport(&call, "the client is shutting down".to_owned()))?;
        let mut waits = 0;
        loop {
            let backoff = ExponentialBuilder::default()
                .with_min_delay(self.limits.base_delay)
                .with_max_delay(self.limits.max_delay)
                .with_max_times(self.limits.max_attempts.saturating_sub(1))
                .with_jitter();
            let outcome = (|| self.attempt(request, &call))
                .retry(backoff)
                .when(|e| matches!(e, AttemptError::Transient(_)))
                .notify(|e, delay| {
                    bump(&self.counters.retries);
                    if let AttemptError::Transient(e) = e {
                        tracing::debug!(error = %e, ?delay, "retrying");
                    }
                })
                .await;
            match outcome {
                Ok(response) => return Ok(response),
                Err(AttemptError::Transient(e) | AttemptError::Fatal(e)) => return Err(e),
                Err(AttemptError::RateLimited(wait)) => {
                    if wait > self.limits.max_rate_limit_wait || waits >= MAX_RATE_LIMIT_WAITS {
                        return Err(ForgeError::RateLimited {
                            forge: self.forge.clone(),
                            call,
                            retry_after: wait,
                        });
                    }
                    waits += 1;
                    bump(&self.counters.rate_limit_waits);
                    tracing::info!(forge = %self.forge, call = %call, ?wait, "rate limited; waiting");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn attempt(
        &self,
        request: &HttpRequest,
        call: &str,
    ) -> Result<HttpResponse, AttemptError> {
        let mut headers = self.headers.clone();
        for (name, value) in &request.headers {
            headers.insert(name.clone(), value.clone());
        }
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .headers(headers);
        if let Some(json) = &request.json {
            builder = builder.json(json);
        }
        bump(&self.counters.requests);
        let response = builder.send().await.map_err(|e| self.classify(call, &e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.classify(call, &e))?
            .to_vec();
        let response = HttpResponse {
            status,
            headers,
            body,
        };
        if status == StatusCode::NOT_MODIFIED {
            bump(&self.counters.not_modified);
        }
        if let Some(wait) = rate_limit_wait(&response, self.default_rate_limit_wait) {
            bump(&self.counters.rate_limited);
            return Err(AttemptError::RateLimited(wait));
        }
        if status.is_server_error() {
            return Err(AttemptError::Transient(ForgeError::Http {
                forge: self.forge.clone(),
                call: call.to_owned(),
                status: status.as_u16(),
                message: response.message(),
            }));
        }
        Ok(response)
    }

    fn classify(&self, call: &str, error: &reqwest::Error) -> AttemptError {
        let reason = if error.is_timeout() {
            format!("timed out after {:?}", self.limits.timeout)
        } else if error.is_connect() {
            format!("cannot connect: {}", error_chain(error))
        } else {
            error_chain(error)
        };
        let error_value = self.transport(call, reason);
        if error.is_builder() {
            AttemptError::Fatal(error_value)
        } else {
            AttemptError::Transient(error_value)
        }
    }

    fn transport(&self, call: &str, reason: String) -> ForgeError {
        ForgeError::Transport {
            forge: self.forge.clone(),
            call: call.to_owned(),
            reason,
        }
    }

    /// Maps an answer no client-specific rule claimed to the common error variants.
    pub fn status_error(&self, call: &str, response: &HttpResponse) -> ForgeError {
        let (forge, call) = (self.forge.clone(), call.to_owned());
        match response.status {
            StatusCode::UNAUTHORIZED => ForgeError::Unauthorized { forge, call },
            StatusCode::FORBIDDEN => ForgeError::Forbidden {
                forge,
                call,
                message: response.message(),
            },
            StatusCode::NOT_FOUND => ForgeError::NotFound { forge, call },
            status => ForgeError::Http {
                forge,
                call,
                status: status.as_u16(),
                message: response.message(),
            },
        }
    }

    /// A `Malformed` error naming the forge and the call.
    pub fn malformed(&self, call: &str, reason: String) -> ForgeError {
        ForgeError::Malformed {
            source_name: self.forge.clone(),
            what: call.to_owned(),
            reason,
        }
    }
}

/// The reqwest error with its sources, which hold the useful part ("connection refused").
/// Request URLs appear in it, never headers, so no token does.
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// How long the forge asks us to wait, if this answer is a rate limit. A 403 counts only with a
/// rate-limit header (otherwise it is a real permission error); a 429 always counts, and one
/// without any hint waits `default_wait`.
fn rate_limit_wait(response: &HttpResponse, default_wait: Duration) -> Option<Duration> {
    let status = response.status;
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    if let Some(wait) = response.header(RETRY_AFTER.as_str()).and_then(retry_after) {
        return Some(wait);
    }
    let exhausted = response
        .header("x-ratelimit-remaining")
        .or_else(|| response.header("ratelimit-remaining"))
        .is_some_and(|v| v.trim() == "0");
    let reset = response
        .header("x-ratelimit-reset")
        .or_else(|| response.header("ratelimit-reset"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(until_epoch);
    if exhausted {
        return Some(reset.unwrap_or(default_wait));
    }
    if status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    // A 429 with a reset time but no remaining count (GitLab's `RateLimit-Reset` alone) waits
    // for the reset; GitHub always sends the count, so its secondary limits keep the default.
    let has_remaining = response.header("x-ratelimit-remaining").is_some()
        || response.header("ratelimit-remaining").is_some();
    Some(match reset {
        Some(reset) if !has_remaining => reset,
        _ => default_wait,
    })
}

/// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110 allows both).
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let epoch = u64::try_from(date.timestamp()).ok()?;
    Some(until_epoch(epoch))
}

/// The time from now until `epoch` (seconds), zero when it has passed.
fn until_epoch(epoch: u64) -> Duration {
    (UNIX_EPOCH + Duration::from_secs(epoch))
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
}

/// `url` with the query parameter `name` set to `value`, replacing any previous value: offset
/// paging (GitLab's `x-next-page`, Gitea's page counter, Bitbucket's `start`) moves one number.
pub fn with_query_param(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != name)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    let mut url = url.clone();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(name, value);
    url
}

/// The `rel="next"` target of a `Link` header (RFC 8288), as GitHub, GitLab and Gitea send it.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let mut parts = link.split(';');
            let target = parts.next()?.trim().strip_prefix('<')?.strip_suffix('>')?;
            parts
                .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"))
                .then(|| target.to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_finds_the_next_target_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LINK,
            HeaderValue::from_static(
                "<https://api.github.com/orgs/a/repos?page=1>; rel=\"prev\", <https://api.github.com/orgs/a/repos?page=3>; rel=\"next\", <https://api.github.com/orgs/a/repos?page=9>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.github.com/orgs/a/repos?page=3")
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    fn answer(status: u16, headers: &[(&'static str, String)]) -> HttpResponse {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                *name,
                HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")),
            );
        }
        HttpResponse {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            headers: map,
            body: Vec::new(),
        }
    }

    #[test]
    fn rate_limit_wait_reads_every_documented_signal() {
        let default = Duration::from_secs(7);
        let later = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
            + 30;
        let wait = |status, headers: &[(&'static str, String)]| {
            rate_limit_wait(&answer(status, headers), default)
        };
        assert_eq!(
            wait(429, &[("retry-after", "3".into())]),
            Some(Duration::from_secs(3))
        );
        assert_eq!(wait(429, &[]), Some(default), "a 429 without headers");
        assert_eq!(wait(403, &[]), None, "a plain 403 is a permission error");
        assert_eq!(wait(500, &[("retry-after", "3".into())]), None);
        let reset_only = wait(429, &[("ratelimit-reset", later.to_string())]).unwrap_or_default();
        assert!(reset_only > Duration::from_secs(25) && reset_only <= Duration::from_secs(30));
        let github_secondary = wait(
            429,
            &[
                ("x-ratelimit-remaining", "10".into()),
                ("x-ratelimit-reset", later.to_string()),
            ],
        );
        assert_eq!(github_secondary, Some(default));
        let date = wait(
            429,
            &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".into())],
        );
        assert_eq!(
            date,
            Some(Duration::ZERO),
            "a date in the past waits nothing"
        );
    }

    #[test]
    fn with_query_param_replaces_only_its_parameter() {
        let url = Url::parse("https://h/api/v4/groups/1/projects?per_page=100&page=2&x=y")
            .unwrap_or_else(|_| unreachable!());
        let next = with_query_param(&url, "page", "3");
        assert_eq!(
            next.as_str(),
            "https://h/api/v4/groups/1/projects?per_page=100&x=y&page=3"
        );
    }
}
