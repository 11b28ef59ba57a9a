//! `import` then `export` gives back the SAP portal's fields.

use agora_catalog::Viewer;
use agora_catalog::testing::TestDatabase;
use agora_indexer::NoProgress;
use serde_json::Value;

use crate::app::{DEMO, TestApp};
use crate::e2e_test;

async fn import_then_export_round_trips_the_sap_fields(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let exported = agora_indexer::export::export_repos_json(
        &app.indexer.catalog,
        &Viewer::system(),
        &NoProgress,
    )
    .await
    .unwrap();
    let exported: Vec<Value> =
        serde_json::from_str(&agora_forge::repos_json::write(&exported)).unwrap();
    let original: Vec<Value> = serde_json::from_str(DEMO).unwrap();
    assert_eq!(exported.len(), original.len());
    for source in &original {
        let out = exported
            .iter()
            .find(|e| e["id"] == source["id"])
            .expect("every id comes back");
        for key in [
            "id",
            "name",
            "full_name",
            "description",
            "language",
            "stargazers_count",
            "watchers_count",
            "forks_count",
            "open_issues_count",
            "html_url",
            "default_branch",
            "created_at",
            "pushed_at",
        ] {
            let (a, b) = (&source[key], &out[key]);
            if key.ends_with("_at") {
                let parse = |v: &Value| {
                    v.as_str()
                        .map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap())
                };
                assert_eq!(parse(a), parse(b), "{key} of {}", source["full_name"]);
            } else {
                assert_eq!(a, b, "{key} of {}", source["full_name"]);
            }
        }
        assert_eq!(source["owner"]["login"], out["owner"]["login"]);
        assert_eq!(
            source["_InnerSourceMetadata"], out["_InnerSourceMetadata"],
            "innersource metadata of {}",
            source["full_name"]
        );
    }

    // And the export imports again, unchanged, under the same forge: no duplicates.
    let text = serde_json::to_string(&exported).unwrap();
    let report = app
        .indexer
        .import_repos_json("demo", &text, &NoProgress)
        .await
        .unwrap();
    assert_eq!(report.imported, 64);
    let count = app
        .indexer
        .catalog
        .read(agora_catalog::repositories::count)
        .await
        .unwrap();
    assert_eq!(count, 64);
}
e2e_test!(import_then_export_round_trips_the_sap_fields);

async fn a_malformed_import_changes_nothing(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    for text in ["{\"not\": \"an array\"}", "[{", ""] {
        assert!(
            app.indexer
                .import_repos_json("demo", text, &NoProgress)
                .await
                .is_err()
        );
    }
    let count = app
        .indexer
        .catalog
        .read(agora_catalog::repositories::count)
        .await
        .unwrap();
    assert_eq!(count, 64);
    // Good entries beside bad ones are imported, bad ones reported by position.
    let report = app
        .indexer
        .import_repos_json(
            "other",
            r#"[{"id": 5, "name": "ok", "owner": {"login": "hr"}}, {"name": "no-id"}]"#,
            &NoProgress,
        )
        .await
        .unwrap();
    assert_eq!(report.imported, 1);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].index, 1);
}
e2e_test!(a_malformed_import_changes_nothing);
