//! The marketplace handshake end to end: a lead publishes a private repository; an employee of
//! another department finds it, stars it and asks for access; the lead approves; the forge
//! (a GitHub served by wiremock) receives exactly the documented grant call, once, even when two
//! owners approve at the same moment; the audit trail holds every step; and every refusal along
//! the way is a 403/409 problem.

use actix_web::test::TestRequest;
use agora_catalog::forges;
use agora_catalog::model::{ForgeKind, Role};
use agora_catalog::testing::TestDatabase;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::app::{Reply, TestApp};
use crate::e2e_test;

fn private_repo() -> Value {
    json!({
        "id": 4242, "name": "ledger-core", "full_name": "acme/ledger-core", "private": true,
        "owner": {"login": "acme"}, "html_url": "https://ghe.example.org/acme/ledger-core",
        "description": "Double-entry ledger engine with audit trails", "fork": false, "archived": false,
        "mirror_url": null, "created_at": "2023-01-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z",
        "pushed_at": "2026-11-01T00:00:00Z", "stargazers_count": 3, "watchers_count": 3, "forks_count": 0,
        "open_issues_count": 1, "language": "Rust", "topics": [], "visibility": "private", "default_branch": "main"
    })
}

async fn send(app: &TestApp, request: TestRequest, token: &str) -> Reply {
    app.call(request.insert_header(("Authorization", format!("Bearer {token}"))))
        .await
}

/// A GitHub org served locally holding the private `acme/ledger-core` (owned by finance), with
/// `grant` answering the collaborator call, connected as forge `ghe` and synced once.
async fn synced_ledger_forge(app: &TestApp, grant: Mock) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/orgs/acme/repos"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([private_repo()])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(
            r"^/repos/acme/ledger-core/(readme|contents/.*)$",
        ))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    grant.mount(&server).await;
    let sealed = app.syncs.secrets().seal("ghp_journey").unwrap();
    let uri = server.uri();
    app.indexer
        .catalog
        .write(move |conn| {
            forges::create(
                conn,
                &forges::NewForge {
                    name: "ghe".into(),
                    kind: ForgeKind::Github,
                    base_url: uri,
                    scope: json!({"org": "acme"}),
                    token_encrypted: Some(sealed),
                    department_map: [("acme".to_owned(), "finance".to_owned())].into(),
                    sync_interval_secs: 900,
                    webhook_secret_encrypted: None,
                },
            )
        })
        .await
        .unwrap();
    app.syncs.sync_now("ghe", true).await.unwrap();
    server
}

async fn marketplace_journey_from_publish_to_grant_on_the_forge(db: TestDatabase) {
    let app = TestApp::empty(db);
    // The documented grant: PUT collaborators with pull permission; 201 = invitation sent.
    let grant = Mock::given(method("PUT"))
        .and(path("/repos/acme/ledger-core/collaborators/emil-gh"))
        .and(body_json(json!({"permission": "pull"})))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": 1, "permissions": "read"})),
        )
        .expect(1);
    let server = synced_ledger_forge(&app, grant).await;

    let lead = app.token("lena", Some("finance"), Role::Lead);
    let other_lead = app.token("otto", Some("logistics"), Role::Lead);
    let employee = app.token("emil", Some("logistics"), Role::Employee);
    let admin = app.token("root", None, Role::Admin);

    // Private and unpublished: invisible to the employee, visible to the owning department.
    assert_eq!(
        app.get("/api/v1/search?q=ledger", Some(&employee))
            .await
            .json()["total"],
        0
    );
    let found = app.get("/api/v1/search?q=ledger", Some(&lead)).await.json();
    assert_eq!(found["total"], 1);
    let id = found["hits"][0]["id"].as_i64().unwrap();

    // Only owners publish.
    let pitch = json!({"title": "Ledger Core", "motivation": "Stop writing ledgers: reuse ours.", "skills": ["Rust"],
                       "maturity": "active", "looking_for_contributors": true});
    send(
        &app,
        TestRequest::put()
            .uri(&format!("/api/v1/projects/{id}/listing"))
            .set_json(&pitch),
        &other_lead,
    )
    .await
    .problem(404);
    let bad = json!({"title": "x", "docs_url": "javascript:alert(1)"});
    send(
        &app,
        TestRequest::put()
            .uri(&format!("/api/v1/projects/{id}/listing"))
            .set_json(&bad),
        &lead,
    )
    .await
    .problem(400);
    let published = send(
        &app,
        TestRequest::put()
            .uri(&format!("/api/v1/projects/{id}/listing"))
            .set_json(&pitch),
        &lead,
    )
    .await;
    assert_eq!(published.status, 200, "{}", published.text());
    assert_eq!(published.json()["listing"]["maturity"], "active");
    app.indexer.index.flush().await.unwrap();

    // The employee finds it, sees that access must be requested, stars it and asks.
    assert_eq!(
        app.get("/api/v1/search?q=ledger", Some(&employee))
            .await
            .json()["total"],
        1
    );
    let project = app
        .get(&format!("/api/v1/projects/{id}"), Some(&employee))
        .await
        .json();
    assert_eq!(project["access_requires_request"], true);
    let star = send(
        &app,
        TestRequest::put().uri(&format!("/api/v1/projects/{id}/star")),
        &employee,
    )
    .await;
    assert_eq!(star.status, 200);
    let short = json!({"reason": "pls", "forge_username": "emil-gh"});
    send(
        &app,
        TestRequest::post()
            .uri(&format!("/api/v1/projects/{id}/access-requests"))
            .set_json(&short),
        &employee,
    )
    .await
    .problem(400);
    let ask = json!({"reason": "We need the ledger engine for the logistics billing rewrite.", "forge_username": "emil-gh"});
    let created = send(
        &app,
        TestRequest::post()
            .uri(&format!("/api/v1/projects/{id}/access-requests"))
            .set_json(&ask),
        &employee,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let request_id = created.json()["id"].as_i64().unwrap();
    send(
        &app,
        TestRequest::post()
            .uri(&format!("/api/v1/projects/{id}/access-requests"))
            .set_json(&ask),
        &employee,
    )
    .await
    .problem(409);

    // Refusals: the employee cannot decide or read the owner inbox; another department's lead
    // cannot decide; nobody but the requester withdraws.
    for token in [&employee, &other_lead] {
        send(
            &app,
            TestRequest::post().uri(&format!("/api/v1/access-requests/{request_id}/approve")),
            token,
        )
        .await
        .problem(403);
        send(
            &app,
            TestRequest::post().uri(&format!("/api/v1/access-requests/{request_id}/deny")),
            token,
        )
        .await
        .problem(403);
    }
    send(
        &app,
        TestRequest::get().uri("/api/v1/access-requests?role=owner"),
        &employee,
    )
    .await
    .problem(403);
    send(
        &app,
        TestRequest::post().uri(&format!("/api/v1/access-requests/{request_id}/withdraw")),
        &lead,
    )
    .await
    .problem(403);
    send(&app, TestRequest::get().uri("/api/v1/admin/audit"), &lead)
        .await
        .problem(403);
    let mine = send(
        &app,
        TestRequest::get().uri("/api/v1/access-requests"),
        &employee,
    )
    .await
    .json();
    assert_eq!(mine["access_requests"].as_array().unwrap().len(), 1);
    let others = send(
        &app,
        TestRequest::get().uri("/api/v1/access-requests"),
        &other_lead,
    )
    .await
    .json();
    assert!(
        others["access_requests"].as_array().unwrap().is_empty(),
        "requests are private to their requester"
    );

    // The lead's inbox holds it; two owners approve at the same moment: one wins, one forge call.
    let inbox = send(
        &app,
        TestRequest::get().uri("/api/v1/access-requests?role=owner&status=open"),
        &lead,
    )
    .await
    .json();
    assert_eq!(inbox["access_requests"][0]["id"], request_id);
    let approve = |token: String| {
        let app = &app;
        async move {
            send(
                app,
                TestRequest::post()
                    .uri(&format!("/api/v1/access-requests/{request_id}/approve"))
                    .set_json(json!({"note": "Welcome aboard"})),
                &token,
            )
            .await
        }
    };
    let (first, second) = tokio::join!(approve(lead.clone()), approve(admin.clone()));
    let statuses = [first.status.as_u16(), second.status.as_u16()];
    assert!(
        statuses.contains(&200) && statuses.contains(&409),
        "{statuses:?}: {} / {}",
        first.text(),
        second.text()
    );
    let winner = if first.status == 200 { first } else { second };
    let decided = winner.json();
    assert_eq!(decided["status"], "granted");
    assert_eq!(decided["forge_result"]["outcome"], "invited");
    server.verify().await;

    send(
        &app,
        TestRequest::post().uri(&format!("/api/v1/access-requests/{request_id}/withdraw")),
        &employee,
    )
    .await
    .problem(409);

    // The audit trail holds every step.
    let audit = send(
        &app,
        TestRequest::get().uri("/api/v1/admin/audit?limit=100"),
        &admin,
    )
    .await
    .json();
    let actions: Vec<&str> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for step in [
        "project.published",
        "project.starred",
        "access_request.created",
        "access_request.approved",
        "access_request.grant_recorded",
    ] {
        assert!(actions.contains(&step), "{step} missing from {actions:?}");
    }
    let filtered = send(
        &app,
        TestRequest::get().uri("/api/v1/admin/audit?subject_type=access_request"),
        &admin,
    )
    .await
    .json();
    assert!(
        filtered["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["subject_type"] == "access_request")
    );
}
e2e_test!(marketplace_journey_from_publish_to_grant_on_the_forge);

async fn a_transient_forge_failure_leaves_the_grant_to_be_retried(db: TestDatabase) {
    let app = TestApp::empty(db);
    // The forge is down for the first grant (every retry of it), then back.
    let grant = Mock::given(method("PUT"))
        .and(path("/repos/acme/ledger-core/collaborators/emil-gh"))
        .respond_with(ResponseTemplate::new(502));
    let server = synced_ledger_forge(&app, grant).await;
    let lead = app.token("lena", Some("finance"), Role::Lead);
    let employee = app.token("emil", Some("finance"), Role::Employee);
    let id = app.get("/api/v1/search?q=ledger", Some(&lead)).await.json()["hits"][0]["id"]
        .as_i64()
        .unwrap();
    let ask = json!({"reason": "Needed for the quarterly close automation.", "forge_username": "emil-gh"});
    let created = send(
        &app,
        TestRequest::post()
            .uri(&format!("/api/v1/projects/{id}/access-requests"))
            .set_json(&ask),
        &employee,
    )
    .await;
    let request_id = created.json()["id"].as_i64().unwrap();
    let approved = send(
        &app,
        TestRequest::post().uri(&format!("/api/v1/access-requests/{request_id}/approve")),
        &lead,
    )
    .await
    .json();
    assert_eq!(
        approved["status"], "approved",
        "a transient failure leaves the request approved"
    );
    assert_eq!(approved["forge_result"]["outcome"], "transient_failure");
    // The forge is back.
    server.reset().await;
    Mock::given(method("PUT"))
        .and(path("/repos/acme/ledger-core/collaborators/emil-gh"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        app.syncs
            .retry_stalled_grants(chrono::Duration::zero())
            .await
            .unwrap(),
        1
    );
    let mine = send(
        &app,
        TestRequest::get().uri("/api/v1/access-requests"),
        &employee,
    )
    .await
    .json();
    assert_eq!(mine["access_requests"][0]["status"], "granted");
    assert_eq!(
        mine["access_requests"][0]["forge_result"]["outcome"],
        "already_had_access"
    );
}
e2e_test!(a_transient_forge_failure_leaves_the_grant_to_be_retried);
