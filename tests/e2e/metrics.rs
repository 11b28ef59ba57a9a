//! `GET /metrics`: HTTP latency histograms labelled by route pattern (never the raw path), sync
//! counters read from the catalog's recorded runs, catalog and index sizes, and the access rule
//! (the metrics token or an admin, nobody else).

use actix_web::test::TestRequest;
use agora_api::Metrics;
use agora_catalog::model::{ForgeKind, Role};
use agora_catalog::testing::TestDatabase;
use agora_catalog::{forges, sync_runs};
use serde_json::json;

use crate::app::TestApp;
use crate::e2e_test;

/// The value of the sample `name{labels}` whose labels include all of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
            if metric != name {
                return None;
            }
            let rest = rest.strip_suffix('}')?;
            let found: Vec<(&str, &str)> = rest
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .filter_map(|pair| pair.split_once("=\""))
                .map(|(k, v)| (k, v.trim_end_matches('"')))
                .collect();
            labels
                .iter()
                .all(|label| found.contains(label))
                .then(|| value.parse().ok())?
        })
}

async fn scrape(app: &TestApp, token: &str) -> String {
    let reply = app.get("/metrics", Some(token)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.content_type.starts_with("text/plain; version=0.0.4"));
    reply.text()
}

async fn latency_histogram_counts_requests_by_route_pattern(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let admin = app.token("root", None, Role::Admin);
    let first = app.project_id("finance/abacus-ledger").await;
    let second = app.project_id("finance/budget-planner").await;
    for id in [first, second] {
        let reply = app
            .get(&format!("/api/v1/projects/{id}"), Some(&admin))
            .await;
        assert_eq!(reply.status, 200);
    }
    app.get("/api/v1/projects/999999", Some(&admin))
        .await
        .problem(404);
    app.get(&format!("/no/such/page/{first}"), None)
        .await
        .problem(404);
    let text = scrape(&app, &admin).await;
    let count = |route: &str, status: &str| {
        sample(
            &text,
            "agora_http_request_duration_seconds_count",
            &[("method", "GET"), ("route", route), ("status", status)],
        )
    };
    assert_eq!(count("/api/v1/projects/{id}", "2xx"), Some(2.0), "{text}");
    assert_eq!(count("/api/v1/projects/{id}", "4xx"), Some(1.0), "{text}");
    // `project_id` searched twice.
    assert_eq!(count("/api/v1/search", "2xx"), Some(2.0), "{text}");
    assert_eq!(count("unmatched", "4xx"), Some(1.0), "{text}");
    let bucket = sample(
        &text,
        "agora_http_request_duration_seconds_bucket",
        &[
            ("route", "/api/v1/projects/{id}"),
            ("status", "2xx"),
            ("le", "+Inf"),
        ],
    );
    assert_eq!(bucket, Some(2.0), "{text}");
    // Neither ids nor unknown paths become series.
    assert!(
        !text.contains(&format!("/api/v1/projects/{first}")),
        "{text}"
    );
    assert!(!text.contains("/no/such/page"), "{text}");
}
e2e_test!(latency_histogram_counts_requests_by_route_pattern);

async fn sync_counters_reflect_recorded_sync_runs(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let admin = app.token("root", None, Role::Admin);
    app.indexer
        .catalog
        .write(|conn| {
            let forge = forges::create(
                conn,
                &forges::NewForge {
                    name: "ghe".into(),
                    kind: ForgeKind::Github,
                    base_url: "http://127.0.0.1:9".into(),
                    scope: json!({"org": "acme"}),
                    token_encrypted: None,
                    department_map: Default::default(),
                    sync_interval_secs: 900,
                    webhook_secret_encrypted: None,
                },
            )?;
            for (status, listed, fetched, failed) in [
                ("succeeded", 10, 4, 0),
                ("succeeded", 12, 2, 0),
                ("failed", 3, 0, 3),
            ] {
                let run = sync_runs::start(conn, forge.id, false)?;
                let counts = sync_runs::SyncCounts {
                    listed,
                    fetched,
                    unchanged: listed - fetched - failed,
                    skipped: 0,
                    failed,
                    requests: listed + 1,
                    rate_limit_waits: 1,
                };
                sync_runs::finish(conn, run, status, &counts, &[])?;
            }
            // One still running: counted as a run, with nothing seen yet.
            sync_runs::start(conn, forge.id, true)?;
            Ok(())
        })
        .await
        .unwrap();
    let text = scrape(&app, &admin).await;
    let value = |name: &str, labels: &[(&str, &str)]| sample(&text, name, labels);
    let runs = |status| {
        value(
            "agora_sync_runs_total",
            &[("forge", "ghe"), ("status", status)],
        )
    };
    assert_eq!(runs("succeeded"), Some(2.0), "{text}");
    assert_eq!(runs("failed"), Some(1.0), "{text}");
    assert_eq!(runs("running"), Some(1.0), "{text}");
    let repos = |outcome: &str| {
        // Summed over the statuses.
        text.lines()
            .filter(|l| l.starts_with("agora_sync_repositories_total{"))
            .filter(|l| {
                l.contains("forge=\"ghe\"") && l.contains(&format!("outcome=\"{outcome}\""))
            })
            .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
            .sum::<f64>()
    };
    assert_eq!(repos("listed"), 25.0, "{text}");
    assert_eq!(repos("fetched"), 6.0, "{text}");
    assert_eq!(repos("unchanged"), 16.0, "{text}");
    assert_eq!(repos("failed"), 3.0, "{text}");
    let per_forge = |name: &str| {
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{{forge=\"ghe\"")))
            .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
            .sum::<f64>()
    };
    assert_eq!(per_forge("agora_sync_forge_requests_total"), 28.0, "{text}");
    assert_eq!(
        per_forge("agora_sync_rate_limit_waits_total"),
        3.0,
        "{text}"
    );
    assert_eq!(
        value("agora_catalog_repositories", &[]),
        Some(64.0),
        "{text}"
    );
    assert_eq!(value("agora_index_documents", &[]), Some(64.0), "{text}");
    // The test index lives in memory.
    assert_eq!(value("agora_index_size_bytes", &[]), Some(0.0), "{text}");
}
e2e_test!(sync_counters_reflect_recorded_sync_runs);

async fn metrics_are_for_the_metrics_token_or_an_admin(db: TestDatabase) {
    let mut app = TestApp::empty(db);
    app.metrics = Metrics::new(Some("  scrape-me-please  ".to_owned())).unwrap();
    app.get("/metrics", None).await.problem(401);
    let member = app.token("ann", Some("platform"), Role::Employee);
    app.get("/metrics", Some(&member)).await.problem(403);
    let lead = app.token("lee", Some("platform"), Role::Lead);
    app.get("/metrics", Some(&lead)).await.problem(403);
    app.get("/metrics", Some("scrape-me-not"))
        .await
        .problem(401);
    app.get("/metrics", Some("scrape-me-please")).await;
    scrape(&app, "scrape-me-please").await;
    scrape(&app, &app.token("root", None, Role::Admin)).await;
    // Without a configured token, a token-shaped guess is just a bad bearer.
    app.metrics = Metrics::new(Some("   ".to_owned())).unwrap();
    app.get("/metrics", Some("   ")).await.problem(401);
    let reply = app
        .call(
            TestRequest::get()
                .uri("/metrics")
                .insert_header(("Authorization", "Bearer ")),
        )
        .await;
    reply.problem(401);
}
e2e_test!(metrics_are_for_the_metrics_token_or_an_admin);
