//! The sync pipeline against a GitHub organisation served by wiremock, on SQLite and PostgreSQL:
//! what the catalog and index hold afterwards, what the run recorded, and how many requests a
//! re-sync costs. The fault matrix: 0 projects lost whatever the forge answers. Files are served
//! as GitHub's GraphQL API answers the client's one-query-per-repository file read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agora_catalog::model::{ForgeKind, Role};
use agora_catalog::testing::TestDatabase;
use agora_catalog::users::UserClaims;
use agora_catalog::{forges, repositories, stars, storage_test, sync_runs, users};
use agora_forge::{Forge, GithubClient, GithubConfig, HttpLimits};
use agora_indexer::sync::{SyncOptions, SyncStatus};
use agora_indexer::{Indexer, NoProgress};
use agora_search::{Audience, SearchIndex, SearchRequest};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

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

/// Files by (repository name, path), as the fake GitHub's GraphQL endpoint serves them.
type Files = Arc<Mutex<HashMap<(String, String), String>>>;

/// The `alias: object(expression: $variable)` pairs of a GraphQL query, one selection per line.
fn aliased_objects(query: &str) -> Vec<(String, String)> {
    query
        .lines()
        .filter_map(|line| {
            let (alias, rest) = line.trim().split_once(": object(expression: $")?;
            Some((alias.to_owned(), rest.split(')').next()?.to_owned()))
        })
        .collect()
}

/// `POST /graphql` as GitHub answers the file query: each aliased `object(expression:
/// "HEAD:path")` is the blob at that path (its oid derived from the text) or `null`.
fn graphql_files(files: Files) -> impl Fn(&Request) -> ResponseTemplate {
    move |request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let name = body["variables"]["name"].as_str().unwrap().to_owned();
        let files = files.lock().unwrap();
        let mut repository = serde_json::Map::new();
        for (alias, variable) in aliased_objects(body["query"].as_str().unwrap()) {
            let expression = body["variables"][variable.as_str()].as_str().unwrap();
            let path = expression.strip_prefix("HEAD:").unwrap().to_owned();
            let blob = files.get(&(name.clone(), path)).map(|text| {
                json!({
                    "oid": format!("{:040x}", text.len() * 7919 + text.bytes().map(usize::from).sum::<usize>()),
                    "byteSize": text.len(), "isBinary": false, "isTruncated": false, "text": text
                })
            });
            repository.insert(alias, blob.unwrap_or(Value::Null));
        }
        ResponseTemplate::new(200).set_body_json(json!({ "data": { "repository": repository } }))
    }
}

struct Fixture {
    _db: TestDatabase,
    server: MockServer,
    indexer: Indexer,
    forge_id: i64,
    files: Files,
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
            files: Files::default(),
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

    /// Serves the listing (one page, with an ETag) and the GraphQL file query, holding no file
    /// until `serve_file` adds one.
    async fn serve_listing(&self, repos: Vec<Value>) {
        self.server.reset().await;
        self.serve_graphql().await;
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

    async fn serve_graphql(&self) {
        self.files.lock().unwrap().clear();
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(graphql_files(self.files.clone()))
            .mount(&self.server)
            .await;
    }

    /// Puts a file in a repository; `README` is the README at `README.md`.
    async fn serve_file(&self, repo: &str, file: &str, body: &str) {
        let file = if file == "README" { "README.md" } else { file };
        self.files
            .lock()
            .unwrap()
            .insert((repo.to_owned(), file.to_owned()), body.to_owned());
    }

    /// REST file routes answer 404 (only a client without GraphQL would ask them).
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

/// `GET /orgs/acme/repos` over pages of 100, as GitHub pages it: a relative `Link` to the next
/// page, an ETag per page, and 304 when `If-None-Match` still matches.
fn paged_listing(repos: Vec<Value>) -> impl Fn(&Request) -> ResponseTemplate {
    move |request: &Request| {
        let page: usize = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        let etag = format!("\"page-{page}\"");
        if request
            .headers
            .get("if-none-match")
            .is_some_and(|v| v.to_str().unwrap() == etag)
        {
            return ResponseTemplate::new(304).insert_header("etag", etag.as_str());
        }
        let items: Vec<Value> = repos
            .iter()
            .skip((page - 1) * 100)
            .take(100)
            .cloned()
            .collect();
        let mut response = ResponseTemplate::new(200)
            .set_body_json(items)
            .insert_header("etag", etag.as_str());
        if page * 100 < repos.len() {
            let next = format!(
                "</orgs/acme/repos?per_page=100&type=all&sort=pushed&direction=desc&page={}>; rel=\"next\"",
                page + 1
            );
            response = response.insert_header("link", next.as_str());
        }
        response
    }
}

async fn resync_of_an_unchanged_1000_repository_org_costs_under_two_percent(db: TestDatabase) {
    let fx = Fixture::new(db).await;
    // Pushed ten minutes ago: inside the incremental window's safety margin, so the second
    // listing walks every page again and every repository reaches the skip decision.
    let recently = (chrono::Utc::now() - chrono::Duration::minutes(10)).to_rfc3339();
    let repos: Vec<Value> = (1..=1000)
        .map(|i| repo(i, &format!("service-{i}"), &recently))
        .collect();
    fx.server.reset().await;
    fx.serve_graphql().await;
    Mock::given(method("GET"))
        .and(path("/orgs/acme/repos"))
        .respond_with(paged_listing(repos))
        .mount(&fx.server)
        .await;
    for i in 1..=1000 {
        let name = format!("service-{i}");
        fx.serve_file(
            &name,
            "README",
            &format!("# Service {i}\nHandles invoices."),
        )
        .await;
        if i % 10 == 0 {
            fx.serve_file(
                &name,
                "innersource.json",
                r#"{"title": "Shared", "skills": ["Rust"]}"#,
            )
            .await;
        }
    }
    // (requests, distinct repositories asked for) at the GraphQL endpoint.
    let graphql_served = || async {
        let received = fx.server.received_requests().await.unwrap();
        let queries: Vec<Value> = received
            .iter()
            .filter(|r| r.url.path() == "/graphql")
            .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
            .collect();
        let names: std::collections::HashSet<String> = queries
            .iter()
            .map(|q| q["variables"]["name"].as_str().unwrap().to_owned())
            .collect();
        (queries.len(), names.len())
    };

    let client = fx.client();
    let first = fx.sync(&client, true).await;
    assert_eq!(first.status, SyncStatus::Succeeded, "{:?}", first.errors);
    assert_eq!((first.counts.listed, first.counts.fetched), (1000, 1000));
    // Retries (a slow machine can time a request out) aside, exactly one request per repository.
    let retries = client.stats().retries as usize;
    let (queries, repositories) = graphql_served().await;
    assert_eq!(repositories, 1000);
    assert!(queries <= 1000 + retries, "{queries} file queries");
    let first_rate_limited = first.counts.requests - first.not_modified as i64;
    assert_eq!(
        first_rate_limited as usize,
        10 + 1000 + retries,
        "10 listing pages and 1000 file reads"
    );

    // The scheduler builds a new client for every run: no page ETag survives from the first.
    let second = fx.sync(&fx.client(), false).await;
    assert_eq!(second.status, SyncStatus::Succeeded, "{:?}", second.errors);
    assert_eq!(second.counts.listed, 1000);
    assert_eq!((second.counts.fetched, second.counts.unchanged), (0, 1000));
    assert_eq!(graphql_served().await.0, queries, "no file read again");
    let second_rate_limited = second.counts.requests - second.not_modified as i64;
    assert!(
        second_rate_limited * 50 <= first_rate_limited,
        "the second sync made {second_rate_limited} rate-limited requests, the first {first_rate_limited}"
    );

    // A client that kept its page ETags revalidates every page for free.
    let client = fx.client();
    fx.sync(&client, false).await;
    let third = fx.sync(&client, false).await;
    assert_eq!(third.counts.requests, 10);
    assert_eq!(third.not_modified, 10, "every page answered 304");

    assert_eq!(fx.present().await, 1000);
    let forge_id = fx.forge_id;
    let stored = fx
        .indexer
        .catalog
        .read(move |conn| repositories::by_external_id(conn, forge_id, "730"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored
            .readme
            .as_deref()
            .unwrap()
            .starts_with("# Service 730")
    );
    assert_eq!(fx.search_total("invoices"), 1000);
}
storage_test!(resync_of_an_unchanged_1000_repository_org_costs_under_two_percent);

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

/// A Gitea organisation `mirrors` holding `mirrors/widgets`, a mirror of GitHub's
/// `acme/widgets` when `mirror` is set (as Gitea describes one: `mirror` and `original_url`);
/// its languages endpoint fails with 500 when `languages_fail` is set.
async fn serve_gitea_mirror(server: &MockServer, mirror: bool, languages_fail: bool) {
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orgs/mirrors/repos"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "id": 77, "name": "widgets", "full_name": "mirrors/widgets",
            "owner": {"id": 3, "login": "mirrors", "username": "mirrors"},
            "description": "Widgets, mirrored", "private": false, "internal": false,
            "fork": false, "mirror": mirror, "archived": false,
            "original_url": "https://ci-bot:token123@github.example.org/acme/widgets.git",
            "html_url": "https://gitea.example.org/mirrors/widgets",
            "language": "Rust", "stars_count": 0, "forks_count": 0, "watchers_count": 1,
            "open_issues_count": 0, "default_branch": "main", "topics": [],
            "licenses": ["MIT"],
            "created_at": "2021-01-01T00:00:00Z", "updated_at": "2026-11-20T10:00:00Z"
        }])))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/mirrors/widgets/languages"))
        .respond_with(if languages_fail {
            ResponseTemplate::new(500).set_body_json(json!({"message": "internal error"}))
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"Rust": 5120}))
        })
        .mount(server)
        .await;
    // Every raw file: 404, as Gitea answers a missing file.
}

async fn mirrored_on_two_forges_is_one_project_with_two_sources(
    db: TestDatabase,
    gitea_first: bool,
) {
    let fx = Fixture::new(db).await;
    fx.serve_listing(vec![repo(1, "widgets", "2026-11-20T10:00:00Z")])
        .await;
    fx.files_missing().await;
    let github = fx.client();
    let tea_server = MockServer::start().await;
    serve_gitea_mirror(&tea_server, true, false).await;
    let tea_forge = fx
        .indexer
        .catalog
        .write(|conn| {
            forges::create(
                conn,
                &forges::NewForge {
                    name: "tea".into(),
                    kind: ForgeKind::Gitea,
                    base_url: "unused".into(),
                    scope: json!({"org": "mirrors"}),
                    token_encrypted: None,
                    department_map: Default::default(),
                    sync_interval_secs: 900,
                    webhook_secret_encrypted: None,
                },
            )
        })
        .await
        .unwrap();
    let gitea = agora_forge::GiteaClient::new(
        agora_forge::GiteaConfig::organization(
            format!("{}/api/v1", tea_server.uri()),
            "mirrors",
            SecretString::from("gitea_test".to_owned()),
        )
        .with_limits(HttpLimits {
            max_attempts: 1,
            ..HttpLimits::default()
        }),
    )
    .unwrap();
    let sync_gitea = || async {
        let tea_id = tea_forge.id;
        let forge = fx
            .indexer
            .catalog
            .read(move |conn| Ok(forges::by_id(conn, tea_id)?.unwrap()))
            .await
            .unwrap();
        let options = SyncOptions {
            full: true,
            ..SyncOptions::default()
        };
        fx.indexer
            .sync_forge(&forge, &gitea, &options, &NoProgress)
            .await
            .unwrap()
    };
    let ana = fx
        .indexer
        .catalog
        .write(|conn| {
            Ok(users::upsert(
                conn,
                &UserClaims {
                    subject: "ana".into(),
                    display_name: "Ana".into(),
                    email: None,
                    department_id: None,
                    role: Role::Employee,
                },
            )?
            .id)
        })
        .await
        .unwrap();

    if gitea_first {
        assert_eq!(sync_gitea().await.status, SyncStatus::Succeeded);
        // Its upstream is not known yet: the mirror is a project of its own, and gets a star.
        assert_eq!(fx.search_total("widgets"), 1);
        let mirror_id = fx
            .indexer
            .catalog
            .read(|conn| Ok(repositories::projects_page(conn, 0, 10)?[0].repository.id))
            .await
            .unwrap();
        fx.indexer
            .catalog
            .write(move |conn| stars::star(conn, ana, mirror_id))
            .await
            .unwrap();
        assert_eq!(fx.sync(&github, true).await.status, SyncStatus::Succeeded);
    } else {
        assert_eq!(fx.sync(&github, true).await.status, SyncStatus::Succeeded);
        assert_eq!(sync_gitea().await.status, SyncStatus::Succeeded);
    }

    let projects = fx
        .indexer
        .catalog
        .read(|conn| repositories::projects_page(conn, 0, 10))
        .await
        .unwrap();
    assert_eq!(projects.len(), 1, "one project");
    let project = &projects[0];
    assert_eq!(
        project.repository.full_name, "acme/widgets",
        "GitHub holds the original"
    );
    let sources: Vec<_> = project
        .sources
        .iter()
        .map(|s| (s.forge_name.as_str(), s.full_name.as_str(), s.mirror))
        .collect();
    assert_eq!(
        sources,
        [
            ("ghe", "acme/widgets", false),
            ("tea", "mirrors/widgets", true)
        ]
    );
    assert_eq!(
        project.agora_stars,
        i64::from(gitea_first),
        "the star moved with the mirror"
    );
    assert_eq!(fx.search_total("widgets"), 1, "one search hit");
    let rows = fx.indexer.catalog.read(repositories::count).await.unwrap();
    assert_eq!(rows, 2, "both rows kept");
    let tea_id = tea_forge.id;
    let mirror = fx
        .indexer
        .catalog
        .read(move |conn| repositories::by_external_id(conn, tea_id, "77"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mirror.license.as_deref(), Some("MIT"));
    assert_eq!(mirror.languages().unwrap().get("Rust"), Some(&5120.0));

    // Gitea no longer calls it a mirror: two projects again, both found. Its languages cannot
    // be read this time: the stored ones stay, and the run says so.
    serve_gitea_mirror(&tea_server, false, true).await;
    let report = sync_gitea().await;
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("mirrors/widgets") && e.contains("/languages")),
        "{:?}",
        report.errors
    );
    let kept = fx
        .indexer
        .catalog
        .read(move |conn| repositories::by_external_id(conn, tea_id, "77"))
        .await
        .unwrap()
        .unwrap();
    assert!(!kept.mirror);
    assert_eq!(kept.languages().unwrap().get("Rust"), Some(&5120.0));
    let count = fx
        .indexer
        .catalog
        .read(|conn| Ok(repositories::projects_page(conn, 0, 10)?.len()))
        .await
        .unwrap();
    assert_eq!(count, 2);
    assert_eq!(fx.search_total("widgets"), 2);
}

async fn a_mirror_synced_after_its_original_is_one_project_with_two_sources(db: TestDatabase) {
    mirrored_on_two_forges_is_one_project_with_two_sources(db, false).await;
}
storage_test!(a_mirror_synced_after_its_original_is_one_project_with_two_sources);

async fn a_mirror_synced_before_its_original_is_one_project_with_two_sources(db: TestDatabase) {
    mirrored_on_two_forges_is_one_project_with_two_sources(db, true).await;
}
storage_test!(a_mirror_synced_before_its_original_is_one_project_with_two_sources);
