//! Access-request notices go out through outgoing webhooks (Slack/Teams-compatible `text`), are
//! retried when the receiver fails, and a failing receiver never loses the request.

use actix_web::test::TestRequest;
use agora_catalog::model::Role;
use agora_catalog::notifications;
use agora_catalog::testing::TestDatabase;
use agora_indexer::notify::NotifyConfig;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::app::TestApp;
use crate::e2e_test;

async fn a_failed_notification_is_retried_and_never_loses_the_request(db: TestDatabase) {
    let mut app = TestApp::with_demo(db).await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    app.syncs = app.syncs.clone().with_notifications(NotifyConfig {
        webhooks: vec![format!("{}/hook", receiver.uri())],
        public_url: Some("https://agora.example.org".to_owned()),
        ..NotifyConfig::default()
    });
    let id = app.project_id("finance/abacus-ledger").await;
    let employee = app.token("nora", Some("logistics"), Role::Employee);
    let reply = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/projects/{id}/access-requests"))
                .insert_header(("Authorization", format!("Bearer {employee}")))
                .set_json(json!({"reason": "Our ledger needs double-entry support.", "forge_username": "nora"})),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());

    // The receiver fails the first delivery: the notice stays queued, the request stays filed.
    assert_eq!(app.syncs.deliver_due_notifications().await.unwrap(), 0);
    let queued = app
        .indexer
        .catalog
        .read(|conn| notifications::recent(conn, 10))
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].status, "pending");
    assert_eq!(queued[0].attempts, 1);
    assert!(queued[0].last_error.as_deref().unwrap().contains("500"));
    let mine = app
        .call(
            TestRequest::get()
                .uri("/api/v1/access-requests")
                .insert_header(("Authorization", format!("Bearer {employee}"))),
        )
        .await
        .json();
    assert_eq!(mine["access_requests"][0]["status"], "requested");

    // Retried: delivered, with a Slack/Teams-compatible text naming the project.
    app.indexer
        .catalog
        .write(notifications::retry_now)
        .await
        .unwrap();
    assert_eq!(app.syncs.deliver_due_notifications().await.unwrap(), 1);
    let received = receiver.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    let body: serde_json::Value = serde_json::from_slice(&received[1].body).unwrap();
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains("finance/abacus-ledger"),
        "{body}"
    );
    assert_eq!(body["event"], "access_request.created");
    let sent = app
        .indexer
        .catalog
        .read(|conn| notifications::recent(conn, 10))
        .await
        .unwrap();
    assert_eq!(sent[0].status, "sent");
}
e2e_test!(a_failed_notification_is_retried_and_never_loses_the_request);
