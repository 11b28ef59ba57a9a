//! Searching the demo catalog through the API and the page.

use agora_catalog::testing::TestDatabase;

use crate::app::TestApp;
use crate::e2e_test;

async fn search_finds_projects_by_department_and_topic(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let reply = app.get("/api/v1/search?q=kafka", None).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    let hits = body["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(body["total"].as_u64().unwrap() as usize >= hits.len());
    for key in [
        "id",
        "full_name",
        "name",
        "description",
        "language",
        "department",
        "topics",
        "stars",
        "html_url",
    ] {
        assert!(hits[0].get(key).is_some(), "hit lacks `{key}`: {}", hits[0]);
    }
    assert!(
        hits.iter()
            .any(|h| h["topics"].as_array().unwrap().iter().any(|t| t == "kafka"))
    );

    // A department's name finds its projects (it is in their full names).
    let reply = app.get("/api/v1/search?q=logistics&limit=50", None).await;
    let body = reply.json();
    assert!(
        body["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["department"] == "logistics")
    );
}
e2e_test!(search_finds_projects_by_department_and_topic);

async fn empty_query_lists_projects_by_stars(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let body = app.get("/api/v1/search?limit=10", None).await.json();
    let stars: Vec<u64> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["stars"].as_u64().unwrap())
        .collect();
    assert_eq!(stars.len(), 10);
    assert!(stars.windows(2).all(|w| w[0] >= w[1]), "{stars:?}");
    assert_eq!(stars[0], 874, "the demo's most starred project comes first");
    // 64 projects minus the private ones no anonymous caller may see are all counted.
    assert!(body["total"].as_u64().unwrap() >= 56);
}
e2e_test!(empty_query_lists_projects_by_stars);

async fn odd_queries_answer_normally_and_bad_parameters_are_problems(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    for q in [
        "%22%22%22",
        "((((",
        "*",
        "AND%20OR%20NOT",
        "%3Cscript%3E",
        "a%3A",
        "%E2%98%83",
    ] {
        let reply = app.get(&format!("/api/v1/search?q={q}"), None).await;
        assert_eq!(reply.status, 200, "q={q}: {}", reply.text());
    }
    app.get("/api/v1/search?limit=abc", None).await.problem(400);
    app.get("/api/v1/search?limit=0", None).await.problem(400);
    app.get("/api/v1/search?limit=1000", None)
        .await
        .problem(400);
    app.get("/api/v1/search?offset=-1", None).await.problem(400);
    app.get("/api/v1/search?sort=sideways", None)
        .await
        .problem(400);
    app.get("/api/v1/projects/not-a-number", None)
        .await
        .problem(400);
    app.get("/api/v1/nothing-here", None).await.problem(404);
}
e2e_test!(odd_queries_answer_normally_and_bad_parameters_are_problems);

async fn home_page_renders_results_and_escapes_the_query(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let reply = app.get("/?q=invoice", None).await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type.starts_with("text/html"));
    let html = reply.text();
    assert!(html.contains("<form class=\"search\""));
    assert!(
        html.contains("pdf-invoice-generator"),
        "an invoice project is listed"
    );
    assert!(html.contains("result"));

    let html = app
        .get("/?q=%3Cscript%3Ealert(1)%3C/script%3E", None)
        .await
        .text();
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "the query must be escaped"
    );
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"));

    let css = app.get("/static/agora.css", None).await;
    assert_eq!(css.status, 200);
    assert!(css.content_type.starts_with("text/css"));

    let health = app.get("/healthz", None).await.json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["index"], "ready");
}
e2e_test!(home_page_renders_results_and_escapes_the_query);

async fn project_detail_sanitizes_the_readme(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let id = app.project_id("data-platform/stars-dashboard").await;
    let project = app
        .get(&format!("/api/v1/projects/{id}"), None)
        .await
        .json();
    assert_eq!(project["full_name"], "data-platform/stars-dashboard");
    let html = project["readme_html"].as_str().unwrap();
    assert!(html.contains("<h1>") || html.contains("<h2>"));
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("onerror"), "{html}");
    app.get("/api/v1/projects/999999", None).await.problem(404);
}
e2e_test!(project_detail_sanitizes_the_readme);
