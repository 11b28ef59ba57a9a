//! An unpublished private repository never shows to another department.

use agora_catalog::model::Role;
use agora_catalog::model::{ForgeKind, RepositoryUpsert, now};
use agora_catalog::testing::TestDatabase;
use agora_catalog::{departments, forges, repositories};

use crate::app::TestApp;
use crate::e2e_test;

async fn unpublished_private_repo_is_invisible_to_other_departments(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
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
                    primary_language: Some("Go".into()),
                    languages: "{}".into(),
                    license: None,
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
                    activity_score: None,
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

    let outsider = app.token("olga", Some("finance"), Role::Lead);
    let insider = app.token("ivan", Some("security"), Role::Employee);
    let admin = app.token("root", None, Role::Admin);
    let anonymous_total = app.get("/api/v1/search", None).await.json()["total"]
        .as_u64()
        .unwrap();

    for token in [None, Some(outsider.as_str())] {
        let found = app.get("/api/v1/search?q=zebracrypt", token).await.json();
        assert_eq!(found["total"], 0, "not even counted");
        assert!(found["hits"].as_array().unwrap().is_empty());
        let top = app.get("/api/v1/search?limit=100", token).await.json();
        assert!(
            top["hits"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["id"] != id),
            "not in the star-sorted list"
        );
        app.get(&format!("/api/v1/projects/{id}"), token)
            .await
            .problem(404);
        let star = app
            .call(
                actix_web::test::TestRequest::put()
                    .uri(&format!("/api/v1/projects/{id}/star"))
                    .insert_header(("Authorization", format!("Bearer {}", token.unwrap_or("x")))),
            )
            .await;
        assert!(star.status == 404 || star.status == 401);
        assert!(
            !app.get("/?q=zebracrypt", token)
                .await
                .text()
                .contains("zebracrypt-vault")
        );
    }
    assert_eq!(
        app.get("/api/v1/search", Some(&outsider)).await.json()["total"]
            .as_u64()
            .unwrap(),
        anonymous_total
    );

    // Every other GET that lists or counts projects, with the private repository starred by an
    // insider (so it tops the star rankings for those who may see it).
    let star = app
        .call(
            actix_web::test::TestRequest::put()
                .uri(&format!("/api/v1/projects/{id}/star"))
                .insert_header(("Authorization", format!("Bearer {insider}"))),
        )
        .await;
    assert_eq!(star.status, 200);
    app.indexer.index.flush().await.unwrap();
    let leaks = |text: &str| text.contains("zebracrypt") || text.contains(&format!("\"id\":{id},"));
    for token in [None, Some(outsider.as_str())] {
        for uri in [
            "/api/v1/stars/top".to_owned(),
            "/api/v1/stars/trending".to_owned(),
            "/api/v1/suggest?q=zebr".to_owned(),
            "/api/v1/search?q=zebracrypt&language=Go".to_owned(),
            "/api/v1/search?department=security".to_owned(),
            "/api/v1/search?limit=100&sort=activity".to_owned(),
            "/?q=vault".to_owned(),
            "/healthz".to_owned(),
        ] {
            let reply = app.get(&uri, token).await;
            assert!(reply.status.is_success(), "{uri}: {}", reply.text());
            assert!(
                !leaks(&reply.text()),
                "{uri} leaks the private repository: {}",
                reply.text()
            );
        }
        for uri in [
            format!("/api/v1/projects/{id}/stargazers"),
            format!("/api/v1/projects/{id}"),
        ] {
            let reply = app.get(&uri, token).await;
            assert!(
                reply.status == 404 || reply.status == 401,
                "{uri}: {}",
                reply.status
            );
            assert!(!leaks(&reply.text()));
        }
    }
    let outsider_stars = app.get("/api/v1/me/stars", Some(&outsider)).await;
    assert!(!leaks(&outsider_stars.text()));
    let department_facet = app
        .get("/api/v1/search?q=zebracrypt", Some(&outsider))
        .await
        .json();
    assert!(
        department_facet["facets"]["department"]
            .as_array()
            .unwrap()
            .is_empty(),
        "no facet counts it"
    );
    let insider_top = app.get("/api/v1/stars/top", Some(&insider)).await.json();
    assert_eq!(
        insider_top["projects"][0]["project"]["id"], id,
        "the insider sees it top the ranking"
    );
    let gazers = app
        .get(&format!("/api/v1/projects/{id}/stargazers"), Some(&insider))
        .await;
    gazers.problem(403);
    let gazers = app
        .get(&format!("/api/v1/projects/{id}/stargazers"), Some(&admin))
        .await
        .json();
    assert_eq!(gazers["stargazers"][0]["name"], "IVAN");

    for token in [&insider, &admin] {
        let found = app
            .get("/api/v1/search?q=zebracrypt", Some(token))
            .await
            .json();
        assert_eq!(found["total"], 1);
        assert_eq!(found["hits"][0]["id"], id);
        assert_eq!(
            app.get(&format!("/api/v1/projects/{id}"), Some(token))
                .await
                .status,
            200
        );
    }
}
e2e_test!(unpublished_private_repo_is_invisible_to_other_departments);
