//! Admin forge endpoints and webhooks through the real app, with a GitHub served by wiremock.

use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use agora_catalog::model::Role;
use agora_catalog::testing::TestDatabase;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::app::TestApp;
use crate::e2e_test;

const TOKEN: &str = "ghp_e2e_token_never_shown";
const WEBHOOK_SECRET: &str = "whsec_e2e_secret";

fn repo(description: &str) -> Value {
    json!({
        "id": 77, "name": "payments", "full_name": "acme/payments", "private": true,
        "owner": {"login": "acme"}, "html_url": "https://ghe.example.org/acme/payments",
        "description": description, "fork": false, "archived": false, "mirror_url": null,
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z", "pushed_at": "2026-11-01T00:00:00Z",
        "stargazers_count": 1, "watchers_count": 1, "forks_count": 0, "open_issues_count": 0,
        "language": "Kotlin", "topics": ["inner-source"], "visibility": "internal", "default_branch": "main"
    })
}

async fn github(description: &str) -> MockServer {
    let server = MockServer::start().await;
    mount(&server, description).await;
    server
}

async fn mount(server: &MockServer, description: &str) {
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/orgs/acme/repos"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([repo(description)])))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/payments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo(description)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/payments/contents/innersource.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"title": "Quetzal Payments", "motivation": "One payment service for every department.", "skills": ["Kotlin"]}"#,
        ))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/payments/contents/catalog-info.yaml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "metadata:\n  name: payments\n  tags: [sepa]\nspec:\n  type: service\n  lifecycle: production\n  owner: group:treasury\n",
        ))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/repos/acme/payments/(readme|contents/.*)$"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(server)
        .await;
}

fn signed(body: &str, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn add_forge(app: &TestApp, server: &MockServer, token: &str) -> crate::app::Reply {
    app.call(
        TestRequest::post()
            .uri("/api/v1/admin/forges")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_json(json!({
                "name": "ghe", "kind": "github", "base_url": server.uri(), "token": TOKEN,
                "scope": {"org": "acme"}, "department_map": {"acme": "Payments Team"},
                "webhook_secret": WEBHOOK_SECRET
            })),
    )
    .await
}

async fn search_total(app: &TestApp, q: &str, token: &str) -> u64 {
    app.get(&format!("/api/v1/search?q={q}"), Some(token))
        .await
        .json()["total"]
        .as_u64()
        .unwrap()
}

async fn admins_connect_forges_and_tokens_never_come_back(db: TestDatabase) {
    let app = TestApp::empty(db);
    let server = github("Pays the bills").await;
    let employee = app.token("eve", Some("finance"), Role::Employee);
    let admin = app.token("root", None, Role::Admin);

    add_forge(&app, &server, &employee).await.problem(403);
    app.get("/api/v1/admin/forges", Some(&employee))
        .await
        .problem(403);
    app.get("/api/v1/admin/forges", None).await.problem(401);

    let created = add_forge(&app, &server, &admin).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert!(!created.text().contains(TOKEN) && !created.text().contains(WEBHOOK_SECRET));
    assert_eq!(created.json()["has_token"], true);
    add_forge(&app, &server, &admin).await.problem(409);

    let listed = app.get("/api/v1/admin/forges", Some(&admin)).await;
    assert!(!listed.text().contains(TOKEN));
    assert_eq!(
        listed.json()["forges"][0]["department_map"]["acme"],
        "payments-team"
    );

    // A sync through the service fills the catalog; its run is visible to admins.
    let report = app.syncs.sync_now("ghe", true).await.unwrap();
    assert_eq!(report.counts.listed, 1);
    assert_eq!(search_total(&app, "bills", &admin).await, 1);
    let runs = app
        .get("/api/v1/admin/forges/ghe/runs", Some(&admin))
        .await
        .json();
    assert_eq!(runs["runs"][0]["status"], "succeeded");
    assert_eq!(runs["runs"][0]["listed"], 1);
    app.get("/api/v1/admin/forges/nope/runs", Some(&admin))
        .await
        .problem(404);
    let trigger = app
        .call(
            TestRequest::post()
                .uri("/api/v1/admin/forges/nope/sync")
                .insert_header(("Authorization", format!("Bearer {admin}"))),
        )
        .await;
    trigger.problem(404);

    let bad = app
        .call(
            TestRequest::post()
                .uri("/api/v1/admin/forges")
                .insert_header(("Authorization", format!("Bearer {admin}")))
                .set_json(
                    json!({"name": "x", "kind": "svn", "base_url": "https://x", "token": "t"}),
                ),
        )
        .await;
    bad.problem(400);
}
e2e_test!(admins_connect_forges_and_tokens_never_come_back);

async fn a_signed_push_webhook_reindexes_the_repository_within_a_second(db: TestDatabase) {
    let app = TestApp::empty(db);
    let server = github("Pays the bills").await;
    let admin = app.token("root", None, Role::Admin);
    assert_eq!(add_forge(&app, &server, &admin).await.status, 201);
    app.syncs.sync_now("ghe", true).await.unwrap();

    // The repository's description changes on the forge; GitHub sends a signed push event.
    mount(&server, "Zanzibar settlement engine").await;
    let body =
        json!({"ref": "refs/heads/main", "repository": {"id": 77, "full_name": "acme/payments"}})
            .to_string();

    // Unsigned, and badly signed: refused, nothing changes.
    for signature in [None, Some(signed(&body, "wrong-secret"))] {
        let mut request = TestRequest::post()
            .uri("/api/v1/hooks/ghe")
            .insert_header(("X-GitHub-Event", "push"))
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body.clone());
        if let Some(signature) = signature {
            request = request.insert_header(("X-Hub-Signature-256", signature));
        }
        app.call(request).await.problem(401);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        search_total(&app, "zanzibar", &admin).await,
        0,
        "a refused webhook changes nothing"
    );

    let sent = Instant::now();
    let reply = app
        .call(
            TestRequest::post()
                .uri("/api/v1/hooks/ghe")
                .insert_header(("X-GitHub-Event", "push"))
                .insert_header(("X-Hub-Signature-256", signed(&body, WEBHOOK_SECRET)))
                .insert_header(("Content-Type", "application/json"))
                .set_payload(body.clone()),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    loop {
        if search_total(&app, "zanzibar", &admin).await == 1 {
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(1),
            "not searchable within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The topic `inner-source` published it, so other departments find it too.
    let outsider = app.token("olga", Some("hr"), Role::Employee);
    assert_eq!(search_total(&app, "zanzibar", &outsider).await, 1);
    // Unknown forges answer like a bad signature.
    app.call(
        TestRequest::post()
            .uri("/api/v1/hooks/unknown")
            .set_payload(body),
    )
    .await
    .problem(401);
}
e2e_test!(a_signed_push_webhook_reindexes_the_repository_within_a_second);
