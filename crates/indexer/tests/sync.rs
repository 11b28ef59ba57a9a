//! The sync pipeline against a GitHub organisation served by wiremock, on SQLite and PostgreSQL:
//! what the catalog and index hold afterwards, what the run recorded, and how many requests a
//! re-sync costs. The fault matrix: 0 projects lost whatever the forge answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use agora_catalog::model::{ForgeKind, Role};
use agora_catalog::testing::TestDatabase;
use agora_catalog::users::UserClaims;
use agora_catalog::{forges, repositories, stars, storage_test, sync_runs, users};
use agora_forge::{GithubClient, GithubConfig, HttpLimits};
use agora_indexer::sync::{SyncOptions, SyncStatus};
use agora_indexer::{Indexer, NoProgress};
use agora_search::{Audience, SearchIndex, SearchRequest};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn repo(id: u64, name: &str, pushed_at: &str) -> Value {
    json!({
        "id": id, "name": name, "full_name": format!("acme/{name}"), "private": false,
        "owner": {"login": "acme", "id": 1, "type": "Organization"},
        "html_url": format!("https://github.example.org/acme/{name}"),
        "description": format!("The {name} service for invoices and payments"),
        "fork": false, "created_at": "2020-01-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z",
        "pushed_at": pushed_at, "stargazers_count": 5, "watchers_count": 5, "language": "Rust",
        "forks_count": 2, "mirror_url": null, "archived": false, "open_issues_count": 3,
        "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT"}, "topics": ["api"],
        "visibility": "internal", "default_branch": "main"
    })
}

fn org(n: u64) -> Vec<Value> {
    (1..=n)
        .map(|i| repo(i, &format!("service-{i}"), "2026-11-20T10:00:00Z"))
        .collect()
}

struct Fixture {
    _db: TestDatabase,
    server: MockServer,
    indexer: Indexer,
    forge_id: i64,
}

impl Fixture {
    async fn new(db: TestDatabase) -> Self {
        let server = MockServer::start().await;
        let indexer = Indexer::new(db.catalog.clone(), SearchIndex::in_memory().unwrap());
        let forge = db
            .catalog
            .write(|conn| {
                forges::create(
                    conn,
                    &forges::NewForge {
                        name: "ghe".into(),
                        kind: ForgeKind::Github,
                        base_url: "unused".into(),
                        scope: json!({"org": "acme"}),
                        token_encrypted: None,
                        department_map: [("acme".to_owned(), "platform".to_owned())].into(),
                        sync_interval_secs: 900,
                        webhook_secret_encrypted: None,
                    },
                )
            })
            .await
            .unwrap();
        Self {
            _db: db,
            server,
            indexer,
            forge_id: forge.id,
        }
    }

    fn client(&self) -> GithubClient {
        let limits = HttpLimits {
            timeout: Duration::from_secs(2),
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_rate_limit_wait: Duration::from_secs(2),
            concurrency: 8,
        };
        GithubClient::new(
            GithubConfig::organization("acme", SecretString::from("ghp_test".to_owned()))
                .with_base_url(self.server.uri())
                .with_limits(limits),
        )
        .unwrap()
    }

    /// Serves the listing (one page, with an ETag) and makes every file but the given ones 404.
    async fn serve_listing(&self, repos: Vec<Value>) {
        self.server.reset().await;
        Mock::given(method("GET"))
            .and(path("/orgs/acme/repos"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(Value::Array(repos))
                    .insert_header("etag", "\"page-1\""),
            )
            .mount(&self.server)
            .await;
    }

    async fn serve_file(&self, repo: &str, file: &str, body: &str) {
        let route = if file == "README" {
            format!("/repos/acme/{repo}/readme")
        } else {
            format!("/repos/acme/{repo}/contents/{file}")
        };
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(body)
                    .insert_header("etag", "\"blob-1\""),
            )
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    async fn files_missing(&self) {
        Mock::given(method("GET"))
            .and(path_regex(r"^/repos/acme/[^/]+/(readme|contents/.*)$"))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
            .with_priority(5)
            .mount(&self.server)
            .await;
    }

    async fn forge(&self) -> forges::Forge {
        let id = self.forge_id;
        self.indexer
            .catalog
            .read(move |conn| Ok(forges::by_id(conn, id)?.unwrap()))
            .await
            .unwrap()
    }

    async fn sync(&self, client: &GithubClient, full: bool) -> agora_indexer::sync::SyncReport {
        let options = SyncOptions {
            full,
            ..SyncOptions::default()
        };
        self.indexer
            .sync_forge(&self.forge().await, client, &options, &NoProgress)
            .await
            .unwrap()
    }

    async fn present(&self) -> usize {
        let id = self.forge_id;
        self.indexer
            .catalog
            .read(move |conn| repositories::present_on_forge(conn, id))
            .await
            .unwrap()
            .len()
    }

    fn search_total(&self, text: &str) -> usize {
        let request = SearchRequest {
            text: text.into(),
            limit: 10,
            ..SearchRequest::default()
        };
        self.indexer
            .index
            .search(
                &request,
                Audience::Member {
                    department_id: None,
                },
            )
            .unwrap()
            .total
    }
}

async fn full_sync_reads_files_publishes_and_maps_departments(db: TestDatabase) {
    let fx = Fixture::new(db).await;
    fx.serve_listing(org(3)).await;
    fx.serve_file("service-1", "README", "# Service one\nRenders invoices.")
        .await;
    fx.serve_file(
        "service-1",
        "innersource.json",
        r#"{"title": "Invoice Service", "motivation": "Everyone needs invoices, nobody should write them twice.", "skills": ["Rust"], "contributions": ["Templates"]}"#,
    )
    .await;
    fx.serve_file("service-2", "catalog-info.yaml", "metadata:\n  name: s2\n  tags: [billing]\nspec:\n  owner: group:finance\n  lifecycle: production\n").await;
    fx.serve_file("service-3", ".github/CODEOWNERS", "* @acme/people-team\n")
        .await;
    fx.serve_file("service-3", "CONTRIBUTING.md", "Send patches.")
        .await;
    fx.files_missing().await;
    let client = fx.client();
    let report = fx.sync(&client, true).await;
    assert_eq!(report.status, SyncStatus::Succeeded, "{:?}", report.errors);
    assert_eq!(report.counts.listed, 3);
    assert_eq!(report.counts.fetched, 3);

    let projects = fx
        .indexer
        .catalog
        .read(|conn| repositories::projects_page(conn, 0, 10))
        .await
        .unwrap();
    let by_name = |name: &str| {
        projects
            .iter()
            .find(|p| p.repository.name == name)
            .unwrap()
            .clone()
    };
    let one = by_name("service-1");
    assert_eq!(
        one.listing.as_ref().unwrap().title.as_deref(),
        Some("Invoice Service"),
        "innersource.json publishes"
    );
    assert!(
        one.repository
            .readme
            .as_deref()
            .unwrap()
            .contains("Renders invoices")
    );
    assert!(one.repository.activity_score.unwrap() > 0);
    assert_eq!(
        one.department.as_ref().unwrap().slug,
        "platform",
        "the org mapping"
    );
    let two = by_name("service-2");
    assert_eq!(
        two.department.as_ref().unwrap().slug,
        "finance",
        "the catalog-info owner"
    );
    assert!(
        two.repository
            .topics()
            .unwrap()
            .contains(&"billing".to_owned())
    );
    assert!(two.listing.is_none());
    let three = by_name("service-3");
    assert!(three.repository.has_contributing);
    assert_eq!(three.repository.owners().unwrap(), ["@acme/people-team"]);
    assert_eq!(fx.search_total("invoice"), 3);
    let runs = fx
        .indexer
        .catalog
        .read(move |conn| sync_runs::recent(conn, 1, 5))
        .await
        .unwrap();
    assert_eq!(runs[0].status, "succeeded");
    assert_eq!(runs[0].listed, 3);
}
storage_test!(full_sync_reads_files_publishes_and_maps_departments);

async fn resync_of_an_unchanged_org_costs_almost_nothing(db: TestDatabase) {
    let fx = Fixture::new(db).await;
    // Pushed ten minutes ago: inside the incremental window's safety margin, so the second
    // (incremental) listing still mentions them, and their files must not be read again.
    let recently = (chrono::Utc::now() - chrono::Duration::minutes(10)).to_rfc3339();
    let repos = (1..=50)
        .map(|i| repo(i, &format!("service-{i}"), &recently))
        .collect();
    fx.serve_listing(repos).await;
    fx.files_missing().await;
    let client = fx.client();
    let first = fx.sync(&client, false).await;
    assert_eq!(first.counts.fetched, 50);
    let first_requests = first.counts.requests;
    // The second listing revalidates with the page's ETag: GitHub answers 304.
    Mock::given(method("GET"))
        .and(path("/orgs/acme/repos"))
        .and(wiremock::matchers::header("if-none-match", "\"page-1\""))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    let second = fx.sync(&client, false).await;
    assert_eq!(second.status, SyncStatus::Succeeded, "{:?}", second.errors);
    assert_eq!(
        second.counts.fetched, 0,
        "no file is re-read for an unchanged push time"
    );
    assert_eq!(second.counts.unchanged, 50);
    let rate_limited = second.counts.requests - second.not_modified as i64;
    assert!(
        rate_limited * 50 <= first_requests,
        "second sync made {rate_limited} rate-limited requests of the first's {first_requests}"
    );
    assert_eq!(fx.present().await, 50);
}
storage_test!(resync_of_an_unchanged_org_costs_almost_nothing);

async fn listings_that_fail_are_empty_or_lose_half_remove_nothing(db: TestDatabase) {
    let fx = Fixture::new(db).await;
    fx.serve_listing(org(10)).await;
    fx.files_missing().await;
    let client = fx.client();
    fx.sync(&client, true).await;
    // A user starred one of them: stars must survive whatever follows.
    fx.indexer
        .catalog
        .write(|conn| {
            let user = users::upsert(
                conn,
                &UserClaims {
                    subject: "u".into(),
                    display_name: "U".into(),
                    email: None,
                    department_id: None,
                    role: Role::Employee,
                },
            )?;
            stars::star(conn, user.id, 1)
        })
        .await
        .unwrap();

    // Half the repositories vanish from the listing.
    fx.serve_listing(org(5)).await;
    fx.files_missing().await;
    let half = fx.sync(&client, true).await;
    assert_eq!(half.status, SyncStatus::Partial);
    assert!(
        half.errors
            .iter()
            .any(|e| e.contains("above the 20 % guard")),
        "{:?}",
        half.errors
    );
    assert_eq!(fx.present().await, 10);

    // The forge answers an empty list.
    fx.serve_listing(vec![]).await;
    let empty = fx.sync(&client, true).await;
    assert_eq!(empty.status, SyncStatus::Partial);
    assert_eq!(fx.present().await, 10);

    // The forge fails outright.
    fx.server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&fx.server)
        .await;
    let failed = fx.sync(&client, true).await;
    assert_ne!(failed.status, SyncStatus::Succeeded);
    assert_eq!(fx.present().await, 10);

    // Malformed JSON.
    fx.server.reset().await;
    Mock::given(method("GET"))
        .and(path("/orgs/acme/repos"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[{\"id\": 1,"))
        .mount(&fx.server)
        .await;
    let malformed = fx.sync(&client, true).await;
    assert_ne!(malformed.status, SyncStatus::Succeeded);
    assert_eq!(fx.present().await, 10);
    assert_eq!(
        fx.indexer
            .catalog
            .read(|conn| stars::count_for(conn, 1))
            .await
            .unwrap(),
        1
    );

    // And a later good run completes.
    fx.serve_listing(org(10)).await;
    fx.files_missing().await;
    let later = fx.sync(&client, true).await;
    assert_eq!(later.status, SyncStatus::Succeeded, "{:?}", later.errors);
    let runs = fx
        .indexer
        .catalog
        .read(|conn| sync_runs::recent(conn, 1, 10))
        .await
        .unwrap();
    assert_eq!(runs.len(), 6, "every run is recorded");
    assert!(runs.iter().all(|r| r.finished_at.is_some()));
}
storage_test!(listings_that_fail_are_empty_or_lose_half_remove_nothing);

async fn a_confirmed_deletion_archives_and_a_rename_keeps_the_entry(db: TestDatabase) {
    let fx = Fixture::new(db).await;
    fx.serve_listing(org(10)).await;
    fx.files_missing().await;
    let client = fx.client();
    fx.sync(&client, true).await;

    // service-10 is gone (404 on a direct fetch); service-9 was renamed (same id, new name).
    let mut repos = org(8);
    repos.push(repo(9, "renamed-service", "2026-11-20T10:00:00Z"));
    fx.serve_listing(repos).await;
    fx.files_missing().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/service-10"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&fx.server)
        .await;
    let report = fx.sync(&client, true).await;
    assert_eq!(report.status, SyncStatus::Succeeded, "{:?}", report.errors);
    assert_eq!(report.removed, 1);
    assert_eq!(fx.present().await, 9);
    let all = fx.indexer.catalog.read(repositories::count).await.unwrap();
    assert_eq!(all, 10, "the removed repository is archived, not deleted");
    let forge_id = fx.forge_id;
    let renamed = fx
        .indexer
        .catalog
        .read(move |conn| repositories::by_external_id(conn, forge_id, "9"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renamed.full_name, "acme/renamed-service");
    assert_eq!(fx.search_total("service-10"), 0, "hidden from search");
}
storage_test!(a_confirmed_deletion_archives_and_a_rename_keeps_the_entry);

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.org",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00Z")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

async fn a_folder_of_git_repositories_syncs_like_a_forge(db: TestDatabase) {
    let root = tempfile::tempdir().unwrap();
    let repo = root.path().join("payroll").join("salary-engine");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(
        repo.join("README.md"),
        "# Salary engine\nComputes gross-to-net salaries.\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("innersource.json"),
        r#"{"title": "Salary Engine", "skills": ["Go"]}"#,
    )
    .unwrap();
    std::fs::write(repo.join("main.go"), "package main\nfunc main() {}\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "first"]);

    let path = root.path().display().to_string();
    let forge = db
        .catalog
        .write(move |conn| {
            forges::create(
                conn,
                &forges::NewForge {
                    name: "local".into(),
                    kind: ForgeKind::GitDirectory,
                    base_url: format!("file://{path}"),
                    scope: json!({ "path": path }),
                    token_encrypted: None,
                    department_map: Default::default(),
                    sync_interval_secs: 900,
                    webhook_secret_encrypted: None,
                },
            )
        })
        .await
        .unwrap();
    let indexer = Indexer::new(db.catalog.clone(), SearchIndex::in_memory().unwrap());
    let secrets = agora_catalog::secret_box::SecretBox::from_instance_secret(
        b"a-test-secret-that-is-long-enough!",
    );
    let client =
        agora_indexer::connectors::client_for(&forge, &secrets, HttpLimits::default()).unwrap();
    let report = indexer
        .sync_forge(
            &forge,
            client.as_ref(),
            &SyncOptions::default(),
            &NoProgress,
        )
        .await
        .unwrap();
    assert_eq!(report.status, SyncStatus::Succeeded, "{:?}", report.errors);
    assert_eq!(report.counts.listed, 1);
    let projects = indexer
        .catalog
        .read(|conn| repositories::projects_page(conn, 0, 10))
        .await
        .unwrap();
    let project = &projects[0];
    assert_eq!(project.repository.full_name, "payroll/salary-engine");
    assert_eq!(project.department.as_ref().unwrap().slug, "payroll");
    assert!(
        project
            .repository
            .readme
            .as_deref()
            .unwrap()
            .contains("gross-to-net")
    );
    assert_eq!(
        project.listing.as_ref().unwrap().title.as_deref(),
        Some("Salary Engine")
    );
    assert_eq!(project.repository.primary_language.as_deref(), Some("Go"));
    let request = SearchRequest {
        text: "salary".into(),
        limit: 10,
        ..SearchRequest::default()
    };
    assert_eq!(
        indexer
            .index
            .search(
                &request,
                Audience::Member {
                    department_id: None
                }
            )
            .unwrap()
            .total,
        1
    );
}
storage_test!(a_folder_of_git_repositories_syncs_like_a_forge);
