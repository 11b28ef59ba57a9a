//! Prometheus metrics at `GET /metrics`, in the text exposition format.
//!
//! Two kinds. HTTP request durations are measured in this process, by a middleware, into a
//! histogram labelled by method, *matched route pattern* (`/api/v1/projects/{id}`, never the raw
//! path: ids would blow up the series count and leak what was looked at) and status class. Sync
//! counters, the catalog's size and the index's size are read at scrape time: the sync counters
//! from the catalog's `sync_runs` table, so they count every sync — scheduled or triggered, in this
//! replica, another one or the `agora sync` command — and survive restarts; every replica reports
//! the same totals (aggregate them with `max`, not `sum`). The index is each replica's own.
//!
//! Access: the endpoint is not public (the catalog's size would tell outsiders that private
//! projects exist). A scraper sends `Authorization: Bearer <metrics token>` (`--metrics-token`,
//! `AGORA_METRICS_TOKEN`); an admin's token or session works too.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, web};
use agora_catalog::{repositories, sync_runs};
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::auth::AdminUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The label for requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The process's metrics and who may read them. Cheap to clone: every worker's app shares one.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    http_duration: HistogramVec,
    token: Option<SecretString>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("token", &self.inner.token.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

fn metric_error(e: prometheus::Error) -> ApiError {
    ApiError::Internal(format!("metrics: {e}"))
}

impl Metrics {
    /// Metrics readable by admins, and with `token` (when given and not blank) by a scraper.
    pub fn new(token: Option<String>) -> ApiResult<Self> {
        let registry = Registry::new();
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "agora_http_request_duration_seconds",
                "Time to answer an HTTP request (until the response head), by method, matched \
                 route pattern and status class.",
            ),
            &["method", "route", "status"],
        )
        .map_err(metric_error)?;
        registry
            .register(Box::new(http_duration.clone()))
            .map_err(metric_error)?;
        let token = token
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(SecretString::from);
        Ok(Self {
            inner: Arc::new(Inner {
                registry,
                http_duration,
                token,
            }),
        })
    }

    /// Records one answered request. `route` is the matched pattern, if any route matched.
    pub fn observe_request(
        &self,
        method: &Method,
        route: Option<&str>,
        status: StatusCode,
        took: Duration,
    ) {
        self.inner
            .http_duration
            .with_label_values(&[
                method_label(method),
                route.unwrap_or(UNMATCHED),
                status_class(status),
            ])
            .observe(took.as_secs_f64());
    }

    /// Whether `presented` is the metrics token.
    fn is_token(&self, presented: &str) -> bool {
        self.inner.token.as_ref().is_some_and(|token| {
            bool::from(presented.as_bytes().ct_eq(token.expose_secret().as_bytes()))
        })
    }

    /// The whole exposition: this process's histograms, then what the catalog and index say now.
    async fn render(&self, state: &AppState) -> ApiResult<String> {
        let (totals, repositories) = state
            .indexer
            .catalog
            .read(|conn| Ok((sync_runs::totals(conn)?, repositories::count(conn)?)))
            .await?;
        let index = state.indexer.index.clone();
        // Walking the index directory is file-system work: off the async workers.
        let (documents, bytes) = web::block(move || (index.num_docs(), index.size_on_disk()))
            .await
            .map_err(|e| ApiError::Internal(format!("index size: {e}")))?;
        let scraped =
            scrape_registry(&totals, repositories, documents, bytes).map_err(metric_error)?;
        let mut families = self.inner.registry.gather();
        families.extend(scraped.gather());
        let mut out = Vec::new();
        prometheus::TextEncoder::new()
            .encode(&families, &mut out)
            .map_err(metric_error)?;
        String::from_utf8(out).map_err(|e| ApiError::Internal(format!("metrics: {e}")))
    }
}

/// Methods outside the standard few share one label: a client may send any token as a method.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The scrape-time metrics, in a registry built for this one scrape.
fn scrape_registry(
    totals: &[sync_runs::SyncTotals],
    repositories: i64,
    documents: u64,
    bytes: u64,
) -> prometheus::Result<Registry> {
    let registry = Registry::new();
    let counter = |name: &str, help: &str, labels: &[&str]| -> prometheus::Result<IntCounterVec> {
        let counter = IntCounterVec::new(Opts::new(name, help), labels)?;
        registry.register(Box::new(counter.clone()))?;
        Ok(counter)
    };
    let gauge = |name: &str, help: &str, value: i64| -> prometheus::Result<()> {
        let gauge = IntGauge::new(name, help)?;
        gauge.set(value);
        registry.register(Box::new(gauge))
    };
    let runs = counter(
        "agora_sync_runs_total",
        "Forge syncs, by forge and status (running, or how they ended).",
        &["forge", "status"],
    )?;
    let repos = counter(
        "agora_sync_repositories_total",
        "Repositories seen by forge syncs, by forge and outcome.",
        &["forge", "outcome"],
    )?;
    let requests = counter(
        "agora_sync_forge_requests_total",
        "HTTP requests made to forges by syncs.",
        &["forge"],
    )?;
    let waits = counter(
        "agora_sync_rate_limit_waits_total",
        "Times a sync waited for a forge's rate limit.",
        &["forge"],
    )?;
    // Counts in the catalog are never negative; a bad row must not make a counter go down.
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    for t in totals {
        runs.with_label_values(&[&t.forge, &t.status])
            .inc_by(n(t.runs));
        for (outcome, value) in [
            ("listed", t.listed),
            ("fetched", t.fetched),
            ("unchanged", t.unchanged),
            ("skipped", t.skipped),
            ("failed", t.failed),
        ] {
            repos
                .with_label_values(&[t.forge.as_str(), outcome])
                .inc_by(n(value));
        }
        requests
            .with_label_values(&[&t.forge])
            .inc_by(n(t.requests));
        waits
            .with_label_values(&[&t.forge])
            .inc_by(n(t.rate_limit_waits));
    }
    gauge(
        "agora_catalog_repositories",
        "Repositories known to the catalog, published or not, of every visibility.",
        repositories,
    )?;
    gauge(
        "agora_index_documents",
        "Documents visible to searches in this replica's index.",
        i64::try_from(documents).unwrap_or(i64::MAX),
    )?;
    gauge(
        "agora_index_size_bytes",
        "Bytes this replica's index takes on disk (0 for an in-memory index).",
        i64::try_from(bytes).unwrap_or(i64::MAX),
    )?;
    Ok(registry)
}

/// The metrics token, or else an admin.
async fn authorise(req: &HttpRequest, state: &AppState) -> ApiResult<()> {
    let bearer = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    if bearer.is_some_and(|token| state.metrics.is_token(token)) {
        return Ok(());
    }
    AdminUser::extract(req).await.map(|_| ())
}

/// Prometheus text exposition; for the metrics token or an admin.
#[get("/metrics")]
pub(crate) async fn scrape(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    authorise(&req, &state).await?;
    let body = state.metrics.render(&state).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}
