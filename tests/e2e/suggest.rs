//! `GET /api/v1/suggest`: search-as-you-type over names and titles, with the visibility rule of
//! search; and the search facets of a hidden repository stay hidden too.

use agora_catalog::model::{ForgeKind, RepositoryUpsert, Role, now};
use agora_catalog::testing::TestDatabase;
use agora_catalog::{departments, forges, repositories};
use serde_json::Value;

use crate::app::TestApp;
use crate::e2e_test;

/// A private repository of the security department, not published: its id.
async fn add_unpublished_private_repo(app: &TestApp) -> i64 {
    let id = app
        .indexer
        .catalog
        .write(|conn| {
            let forge = forges::ensure(
                conn,
                "ghe",
                ForgeKind::Github,
                "https://ghe.example.org/api/v3",
            )?;
            let security = departments::ensure(conn, "security", "Security")?;
            repositories::upsert(
                conn,
                &RepositoryUpsert {
                    forge_id: forge.id,
                    external_id: "9001".into(),
                    owner: "security".into(),
                    name: "zebracrypt-vault".into(),
                    full_name: "security/zebracrypt-vault".into(),
                    description: Some("Zebracrypt key vault internals".into()),
                    html_url: "https://ghe.example.org/security/zebracrypt-vault".into(),
                    default_branch: None,
                    visibility: "private".into(),
                    archived: false,
                    fork: false,
                    mirror: false,
                    topics: r#"["zebracrypt"]"#.into(),
                    primary_language: Some("Zig".into()),
                    languages: "{}".into(),
                    license: Some("zebra-license".into()),
                    stars: 5000,
                    forks: 0,
                    open_issues: 0,
                    watchers: 0,
                    readme: Some("zebracrypt".into()),
                    has_contributing: false,
                    has_code_of_conduct: false,
                    owners: "[]".into(),
                    department_id: Some(security.id),
                    metadata: "{}".into(),
                    participation: "[]".into(),
                    activity_score: Some(7),
                    forge_created_at: None,
                    forge_updated_at: None,
                    forge_pushed_at: None,
                    synced_at: None,
                    removed_at: None,
                    updated_at: now(),
                },
            )
        })
        .await
        .unwrap();
    app.indexer.refresh_project(id).await.unwrap();
    app.indexer.index.flush().await.unwrap();
    id
}

fn suggestions(body: &Value) -> &Vec<Value> {
    body["suggestions"]
        .as_array()
        .unwrap_or_else(|| panic!("no suggestions: {body}"))
}

async fn suggest_completes_names_and_titles(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let body = app.get("/api/v1/suggest?q=pdfinv", None).await.json();
    let found = suggestions(&body);
    assert_eq!(found[0]["name"], "PdfInvoiceKit", "{body}");
    assert_eq!(found[0]["full_name"], "finance/PdfInvoiceKit");
    assert_eq!(found[0]["title"], "PDF Invoice Kit");
    assert!(found[0]["id"].is_i64());

    // A word being typed matches as a prefix; at most eight come back.
    let body = app.get("/api/v1/suggest?q=s", None).await.json();
    let found = suggestions(&body);
    assert!(!found.is_empty() && found.len() <= 8, "{body}");
    let body = app
        .get("/api/v1/suggest?q=pdf%20invoice%20k", None)
        .await
        .json();
    assert_eq!(suggestions(&body)[0]["name"], "PdfInvoiceKit", "{body}");

    for q in ["", "%20%20", "%22((", "zzzzqqq"] {
        let reply = app.get(&format!("/api/v1/suggest?q={q}"), None).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert!(suggestions(&reply.json()).is_empty(), "q={q}");
    }
    let reply = app.get("/api/v1/suggest", None).await;
    assert!(suggestions(&reply.json()).is_empty());
}
e2e_test!(suggest_completes_names_and_titles);

async fn suggest_and_facets_hide_an_unpublished_private_repo(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let id = add_unpublished_private_repo(&app).await;
    let outsider = app.token("olga", Some("finance"), Role::Lead);
    let insider = app.token("ivan", Some("security"), Role::Employee);
    let admin = app.token("root", None, Role::Admin);

    for token in [None, Some(outsider.as_str())] {
        let body = app.get("/api/v1/suggest?q=zebra", token).await.json();
        assert!(suggestions(&body).is_empty(), "{body}");
        let all = app.get("/api/v1/search?limit=1", token).await.json();
        for (name, value) in [
            ("language", "Zig"),
            ("topic", "zebracrypt"),
            ("license", "zebra-license"),
        ] {
            assert!(
                all["facets"][name]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|c| c["value"] != value),
                "{name}={value} counted: {all}"
            );
            let chosen = app
                .get(&format!("/api/v1/search?{name}={value}"), token)
                .await
                .json();
            assert_eq!(chosen["total"], 0, "{name}={value}");
        }
    }
    for token in [&insider, &admin] {
        let body = app.get("/api/v1/suggest?q=zebra", Some(token)).await.json();
        let found = suggestions(&body);
        assert_eq!(found.len(), 1, "{body}");
        assert_eq!(found[0]["id"], id);
        assert_eq!(found[0]["name"], "zebracrypt-vault");
        let all = app
            .get("/api/v1/search?q=zebracrypt", Some(token))
            .await
            .json();
        assert_eq!(all["total"], 1);
        assert_eq!(all["facets"]["language"][0]["value"], "Zig");
        assert_eq!(all["facets"]["language"][0]["count"], 1);
        let chosen = app
            .get("/api/v1/search?license=zebra-license", Some(token))
            .await
            .json();
        assert_eq!(chosen["total"], 1);
        assert_eq!(chosen["hits"][0]["activity_score"], 7);
    }
}
e2e_test!(suggest_and_facets_hide_an_unpublished_private_repo);
