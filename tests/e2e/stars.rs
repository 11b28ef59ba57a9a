//! Starring through the API.

use actix_web::test::TestRequest;
use agora_catalog::model::Role;
use agora_catalog::testing::TestDatabase;

use crate::app::TestApp;
use crate::e2e_test;

async fn starring_twice_is_idempotent_and_listed_in_my_stars(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let id = app.project_id("finance/abacus-ledger").await;
    let ana = app.token("ana", Some("logistics"), Role::Employee);
    for _ in 0..2 {
        let reply = app
            .call(
                TestRequest::put()
                    .uri(&format!("/api/v1/projects/{id}/star"))
                    .insert_header(("Authorization", format!("Bearer {ana}"))),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(
            reply.json()["agora_stars"],
            1,
            "the second star changes nothing"
        );
    }
    let mine = app.get("/api/v1/me/stars", Some(&ana)).await.json();
    let stars = mine["stars"].as_array().unwrap();
    assert_eq!(stars.len(), 1);
    assert_eq!(stars[0]["project"]["full_name"], "finance/abacus-ledger");

    // The new count reaches the index: the hit carries it.
    app.indexer.index.flush().await.unwrap();
    let hits = app.get("/api/v1/search?q=abacus", None).await.json();
    assert_eq!(hits["hits"][0]["agora_stars"], 1);

    let reply = app
        .call(
            TestRequest::delete()
                .uri(&format!("/api/v1/projects/{id}/star"))
                .insert_header(("Authorization", format!("Bearer {ana}"))),
        )
        .await;
    assert_eq!(reply.json()["agora_stars"], 0);
    let reply = app
        .call(
            TestRequest::delete()
                .uri(&format!("/api/v1/projects/{id}/star"))
                .insert_header(("Authorization", format!("Bearer {ana}"))),
        )
        .await;
    assert_eq!(
        reply.status, 200,
        "unstarring what is not starred is not an error"
    );
    assert!(
        app.get("/api/v1/me/stars", Some(&ana)).await.json()["stars"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
e2e_test!(starring_twice_is_idempotent_and_listed_in_my_stars);

async fn starring_needs_a_token_and_a_known_project(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let id = app.project_id("finance/abacus-ledger").await;
    app.call(TestRequest::put().uri(&format!("/api/v1/projects/{id}/star")))
        .await
        .problem(401);
    app.get("/api/v1/me/stars", None).await.problem(401);
    let ana = app.token("ana", Some("logistics"), Role::Employee);
    app.call(
        TestRequest::put()
            .uri("/api/v1/projects/987654/star")
            .insert_header(("Authorization", format!("Bearer {ana}"))),
    )
    .await
    .problem(404);
    app.call(
        TestRequest::put()
            .uri("/api/v1/projects/abc/star")
            .insert_header(("Authorization", format!("Bearer {ana}"))),
    )
    .await
    .problem(400);
}
e2e_test!(starring_needs_a_token_and_a_known_project);
