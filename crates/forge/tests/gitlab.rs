//! The GitLab client against wiremock servers answering as GitLab REST v4 documents: offset
//! paging by `x-next-page` (with `x-total` dropped) and keyset paging by `Link`, the
//! `PRIVATE-TOKEN` header, project mapping, `last_activity_after`, retries, rate limits (with and
//! without headers), malformed and failing pages, renames, raw files and member grants, the
//! per-project languages (percentages) and license reads, pull mirrors' upstreams. Each test
//! checks the result and the requests made.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use agora_forge::repository::Detail;
use agora_forge::{
    FetchedRepository, FileFetch, Forge, ForgeError, GitlabClient, GitlabConfig, GrantOutcome,
    HttpLimits, README_PATH, RemoteVisibility,
};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "glpat-SuperSecretToken1234567890";
const GROUP_PROJECTS: &str = "/api/v4/groups/acme%2Fplatform/projects";
const PROJECTS: &str = "/api/v4/projects";

fn limits() -> HttpLimits {
    HttpLimits {
        timeout: Duration::from_secs(5),
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_rate_limit_wait: Duration::from_secs(3),
        concurrency: 4,
    }
}

fn api(server: &MockServer) -> String {
    format!("{}/api/v4", server.uri())
}

fn group_client(server: &MockServer) -> GitlabClient {
    GitlabClient::new(
        GitlabConfig::group(
            api(server),
            "acme/platform",
            SecretString::from(TOKEN.to_owned()),
        )
        .with_limits(limits()),
    )
    .unwrap()
}

fn all_client(server: &MockServer) -> GitlabClient {
    GitlabClient::new(
        GitlabConfig::all_visible(api(server), SecretString::from(TOKEN.to_owned()))
            .with_limits(limits()),
    )
    .unwrap()
}

/// A project as `GET /projects` answers it.
fn project(id: u64, namespace: &str, path: &str, visibility: &str) -> Value {
    json!({
        "id": id,
        "description": format!("The {path} service"),
        "name": path.to_uppercase(),
        "name_with_namespace": format!("{namespace} / {path}"),
        "path": path,
        "path_with_namespace": format!("{namespace}/{path}"),
        "created_at": "2020-01-01T00:00:00.000Z",
        "default_branch": "main",
        "tag_list": ["legacy"],
        "topics": ["api", "rust"],
        "ssh_url_to_repo": format!("git@gitlab.example.com:{namespace}/{path}.git"),
        "http_url_to_repo": format!("https://gitlab.example.com/{namespace}/{path}.git"),
        "web_url": format!("https://gitlab.example.com/{namespace}/{path}"),
        "readme_url": null,
        "forks_count": 2,
        "star_count": 5,
        "last_activity_at": "2024-03-01T10:00:00.000Z",
        "namespace": {
            "id": 9, "name": "platform", "path": "platform", "kind": "group",
            "full_path": namespace, "parent_id": 1
        },
        "visibility": visibility,
        "archived": false,
        "open_issues_count": 3,
        "empty_repo": false
    })
}

/// Requests besides the per-project detail reads every listing adds (`/projects/:id/languages`
/// and `/projects/:id?license=true`), which the detail tests count on their own.
async fn requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| !is_detail_read(r))
        .count()
}

fn is_detail_read(request: &wiremock::Request) -> bool {
    let path = request.url.path();
    let by_id = path
        .rsplit('/')
        .next()
        .is_some_and(|id| id.bytes().all(|b| b.is_ascii_digit()));
    path.ends_with("/languages") || (by_id && request.url.query() == Some("license=true"))
}

async fn mount_ok(server: &MockServer, route: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn group_listing_follows_x_next_page_over_three_pages_without_x_total() {
    let server = MockServer::start().await;
    // Past 10,000 projects GitLab drops x-total and x-total-pages: only x-next-page remains.
    let pages = [
        (
            None,
            vec![project(1, "acme/platform", "one", "public")],
            "2",
        ),
        (
            Some("2"),
            vec![project(2, "acme/platform/sub", "two", "internal")],
            "3",
        ),
        (
            Some("3"),
            vec![project(3, "acme/platform", "three", "private")],
            "",
        ),
    ];
    for (page, items, next) in pages {
        let mock = Mock::given(method("GET")).and(path(GROUP_PROJECTS));
        let mock = match page {
            None => mock.and(query_param_is_missing("page")),
            Some(page) => mock.and(query_param("page", page)),
        };
        mock.respond_with(
            ResponseTemplate::new(200)
                .set_body_json(items)
                .insert_header("x-next-page", next)
                .insert_header("x-per-page", "100"),
        )
        .expect(1)
        .mount(&server)
        .await;
    }
    let client = group_client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete && listing.authoritative_for_deletions());
    let names: Vec<_> = listing
        .repositories
        .iter()
        .map(|r| r.full_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "acme/platform/one",
            "acme/platform/sub/two",
            "acme/platform/three"
        ]
    );
    assert_eq!(requests(&server).await, 3);
    // Three pages, then languages and license for each of the three projects.
    assert_eq!(client.stats().requests, 3 + 2 * 3);
    let first = server.received_requests().await.unwrap().remove(0);
    let query = first.url.query().unwrap();
    for expected in [
        "include_subgroups=true",
        "per_page=100",
        "order_by=id",
        "sort=asc",
    ] {
        assert!(query.contains(expected), "{query} lacks {expected}");
    }
    assert!(!query.contains("last_activity_after"));
}

#[tokio::test]
async fn all_visible_listing_follows_keyset_links_over_three_pages() {
    let server = MockServer::start().await;
    let base = api(&server);
    let link = |after: u64| {
        format!(
            "<{base}/projects?id_after={after}&order_by=id&pagination=keyset&per_page=100&sort=asc>; rel=\"next\""
        )
    };
    Mock::given(method("GET"))
        .and(path(PROJECTS))
        .and(query_param("pagination", "keyset"))
        .and(query_param_is_missing("id_after"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([
                    project(1, "a", "one", "public"),
                    project(2, "a", "two", "public")
                ]))
                .insert_header("link", link(2).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(PROJECTS))
        .and(query_param("id_after", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([project(3, "b", "three", "public")]))
                .insert_header("link", link(3).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(PROJECTS))
        .and(query_param("id_after", "3"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([project(4, "b", "four", "public")])),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = all_client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete);
    let ids: Vec<_> = listing
        .repositories
        .iter()
        .map(|r| r.external_id.as_str())
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4"]);
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn every_request_carries_the_private_token_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .and(header("private-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let listing = group_client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete);
    let request = server.received_requests().await.unwrap().remove(0);
    assert!(request.headers.get("authorization").is_none());
}

#[tokio::test]
async fn projects_map_to_remote_repositories_with_visibility() {
    let server = MockServer::start().await;
    let mut fork = project(8, "acme/platform/sub", "fork", "internal");
    let object = fork.as_object_mut().unwrap();
    object.insert(
        "forked_from_project".into(),
        json!({ "id": 1, "path_with_namespace": "x/y" }),
    );
    object.insert("archived".into(), json!(true));
    object.insert("mirror".into(), json!(true));
    object.remove("topics");
    object.remove("open_issues_count");
    let private = project(9, "acme/platform", "secret", "private");
    mount_ok(
        &server,
        GROUP_PROJECTS,
        json!([
            project(7, "acme/platform", "plain", "public"),
            fork,
            private
        ]),
    )
    .await;

    let listing = group_client(&server).list_repositories(None).await.unwrap();
    let [plain, fork, private] = listing.repositories.as_slice() else {
        panic!("expected three, got {:?}", listing.repositories);
    };

    assert_eq!(plain.external_id, "7");
    assert_eq!(plain.owner, "acme/platform");
    assert_eq!(plain.name, "plain");
    assert_eq!(plain.full_name, "acme/platform/plain");
    assert_eq!(plain.description.as_deref(), Some("The plain service"));
    assert_eq!(
        plain.html_url,
        "https://gitlab.example.com/acme/platform/plain"
    );
    assert_eq!(plain.default_branch.as_deref(), Some("main"));
    assert_eq!(plain.visibility, Some(RemoteVisibility::Public));
    assert_eq!(plain.topics, ["api", "rust"]);
    assert_eq!((plain.stars, plain.forks, plain.open_issues), (5, 2, 3));
    let active: DateTime<Utc> = "2024-03-01T10:00:00Z".parse().unwrap();
    assert_eq!(
        (plain.pushed_at, plain.updated_at),
        (Some(active), Some(active))
    );
    assert_eq!(
        plain.created_at,
        Some("2020-01-01T00:00:00Z".parse().unwrap())
    );
    assert!(!plain.archived && !plain.fork && !plain.mirror);

    assert_eq!(fork.owner, "acme/platform/sub");
    assert_eq!(fork.visibility, Some(RemoteVisibility::Internal));
    assert!(fork.fork && fork.archived && fork.mirror);
    assert_eq!(fork.topics, ["legacy"], "tag_list when topics is absent");
    assert_eq!(fork.open_issues, 0, "issues disabled");
    assert_eq!(private.visibility, Some(RemoteVisibility::Private));
}

#[tokio::test]
async fn since_sends_last_activity_after_and_drops_older_projects() {
    let server = MockServer::start().await;
    let mut old = project(2, "a", "old", "public");
    old["last_activity_at"] = json!("2024-01-01T00:00:00Z");
    Mock::given(method("GET"))
        .and(path(PROJECTS))
        .and(query_param("last_activity_after", "2024-02-01T00:00:00Z"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([project(1, "a", "new", "public"), old])),
        )
        .expect(1)
        .mount(&server)
        .await;
    let since: DateTime<Utc> = "2024-02-01T00:00:00Z".parse().unwrap();

    let listing = all_client(&server)
        .list_repositories(Some(since))
        .await
        .unwrap();

    assert!(listing.complete, "complete for the window");
    let names: Vec<_> = listing
        .repositories
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["new"],
        "a project the server let through is still filtered"
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    mount_ok(
        &server,
        GROUP_PROJECTS,
        json!([project(1, "acme/platform", "one", "public")]),
    )
    .await;
    let client = group_client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete);
    assert_eq!(listing.repositories.len(), 1);
    // Three attempts at the page, then the project's license and languages.
    assert_eq!(
        (client.stats().requests, client.stats().retries),
        (3 + 2, 2)
    );
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn rate_limit_429_with_retry_after_and_ratelimit_reset_waits_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .insert_header("ratelimit-name", "throttle_authenticated_api")
                .insert_header("ratelimit-limit", "60")
                .insert_header("ratelimit-observed", "61")
                .insert_header("ratelimit-remaining", "0")
                .insert_header("ratelimit-reset", (epoch_now() + 1).to_string().as_str())
                .set_body_string("Retry later\n"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_ok(&server, GROUP_PROJECTS, json!([])).await;
    let client = group_client(&server);
    let started = Instant::now();

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited the second"
    );
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.rate_limited, stats.rate_limit_waits),
        (2, 1, 1)
    );
    assert_eq!(stats.retries, 0);
}

#[tokio::test]
async fn headerless_429_waits_the_configured_default_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .respond_with(ResponseTemplate::new(429).set_body_string("Retry later\n"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_ok(
        &server,
        GROUP_PROJECTS,
        json!([project(1, "acme/platform", "one", "public")]),
    )
    .await;
    let client = GitlabClient::new(
        GitlabConfig::group(
            api(&server),
            "acme/platform",
            SecretString::from(TOKEN.to_owned()),
        )
        .with_limits(limits())
        .with_default_rate_limit_wait(Duration::from_millis(300)),
    )
    .unwrap();
    let started = Instant::now();

    let listing = client.list_repositories(None).await.unwrap();

    assert_eq!(listing.repositories.len(), 1);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(client.stats().rate_limit_waits, 1);
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn forbidden_without_rate_limit_headers_is_an_error_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({ "message": "403 Forbidden" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = group_client(&server);

    let error = client.list_repositories(None).await.unwrap_err();

    assert!(
        matches!(&error, ForgeError::Forbidden { message, .. } if message == "403 Forbidden"),
        "{error:?}"
    );
    assert_eq!(
        (client.stats().retries, client.stats().rate_limited),
        (0, 0)
    );
}

#[tokio::test]
async fn malformed_page_makes_the_listing_incomplete_and_names_the_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([project(1, "acme/platform", "one", "public")]))
                .insert_header("x-next-page", "2"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[{\"id\": 2, "))
        .expect(1)
        .mount(&server)
        .await;

    let listing = group_client(&server).list_repositories(None).await.unwrap();

    assert!(!listing.complete);
    assert_eq!(listing.repositories.len(), 1, "page 1 is kept");
    let error = listing.error.unwrap();
    assert!(matches!(error, ForgeError::Malformed { .. }));
    let text = error.to_string();
    assert!(text.starts_with("gitlab: "), "{text}");
    assert!(
        text.contains("GET /api/v4/groups/acme%2Fplatform/projects?") && text.contains("page=2"),
        "{text}"
    );
}

#[tokio::test]
async fn empty_listing_is_complete_with_zero_repositories() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PROJECTS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let listing = all_client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete && listing.repositories.is_empty() && listing.error.is_none());
}

#[tokio::test]
async fn second_page_failing_after_retries_keeps_the_first_page_and_is_incomplete() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([project(1, "acme/platform", "one", "public")]))
                .insert_header("x-next-page", "2"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({ "message": "500 Internal Server Error" })),
        )
        .expect(3)
        .mount(&server)
        .await;
    let client = group_client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert!(!listing.complete && !listing.authoritative_for_deletions());
    assert_eq!(listing.repositories.len(), 1);
    let error = listing.error.unwrap();
    assert!(
        matches!(error, ForgeError::Http { status: 500, .. }),
        "{error:?}"
    );
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test]
async fn fetch_repository_found_moved_by_remembered_id_and_gone() {
    let server = MockServer::start().await;
    mount_ok(
        &server,
        GROUP_PROJECTS,
        json!([project(42, "acme/platform", "old-name", "public")]),
    )
    .await;
    // GitLab answers the old path with 404 after the rename; the id still answers.
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fplatform%2Fold-name"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({ "message": "404 Project Not Found" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    // By id: the listing reads its license there, and the fetch after the rename finds it.
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(project(
            42,
            "acme/platform",
            "new-name",
            "public",
        )))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fplatform%2Fhere"))
        .respond_with(ResponseTemplate::new(200).set_body_json(project(
            5,
            "acme/platform",
            "here",
            "public",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fplatform%2Fdeleted"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({ "message": "404 Project Not Found" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = group_client(&server);
    client.list_repositories(None).await.unwrap();

    let moved = client
        .fetch_repository("acme/platform/old-name")
        .await
        .unwrap();
    let found = client.fetch_repository("acme/platform/here").await.unwrap();
    let gone = client
        .fetch_repository("acme/platform/deleted")
        .await
        .unwrap();

    match moved {
        FetchedRepository::Moved {
            new_full_name,
            repository,
        } => {
            assert_eq!(new_full_name, "acme/platform/new-name");
            assert_eq!(repository.external_id, "42");
        }
        other => panic!("expected Moved, got {other:?}"),
    }
    assert!(matches!(found, FetchedRepository::Found(r) if r.full_name == "acme/platform/here"));
    assert_eq!(gone, FetchedRepository::Gone, "unknown id: a 404 is final");
    // The listing, the old path's 404, `here` and `deleted`; the lookups by id 42 are reads
    // with `license=true`, left out of this count.
    assert_eq!(requests(&server).await, 4);
    assert!(matches!(
        client.fetch_repository("no-namespace").await,
        Err(ForgeError::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn fetch_repository_answered_under_a_new_path_is_moved() {
    let server = MockServer::start().await;
    // GitLab follows its redirect routes for API lookups by path on some versions.
    mount_ok(
        &server,
        "/api/v4/projects/acme%2Fold",
        project(3, "acme", "renamed", "internal"),
    )
    .await;

    let fetched = group_client(&server)
        .fetch_repository("acme/old")
        .await
        .unwrap();

    assert!(
        matches!(fetched, FetchedRepository::Moved { new_full_name, .. } if new_full_name == "acme/renamed")
    );
}

#[tokio::test]
async fn fetch_file_reads_raw_files_with_etags_and_falls_back_between_readme_names() {
    let server = MockServer::start().await;
    let raw = |file: &str| format!("/api/v4/projects/acme%2Fwidget/repository/files/{file}/raw");
    Mock::given(method("GET"))
        .and(path(raw("docs%2Finnersource.json")))
        .and(header("if-none-match", "\"blob1\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(raw("docs%2Finnersource.json")))
        .and(query_param_is_missing("ref"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"blob1\"")
                .insert_header("x-gitlab-blob-id", "blob1")
                .set_body_string("{\"title\":\"Widget\"}"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(raw("README.md")))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({ "message": "404 File Not Found" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(raw("README")))
        .respond_with(ResponseTemplate::new(200).set_body_string("Widget\n"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(raw("CONTRIBUTING.md")))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({ "message": "404 File Not Found" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = group_client(&server);

    let fresh = client
        .fetch_file("acme/widget", "docs/innersource.json", None)
        .await
        .unwrap();
    let again = client
        .fetch_file("acme/widget", "docs/innersource.json", Some("\"blob1\""))
        .await
        .unwrap();
    let readme = client
        .fetch_file("acme/widget", README_PATH, None)
        .await
        .unwrap();
    let missing = client
        .fetch_file("acme/widget", "CONTRIBUTING.md", None)
        .await
        .unwrap();

    assert_eq!(
        fresh,
        FileFetch::Changed {
            content: "{\"title\":\"Widget\"}".to_owned(),
            etag: Some("\"blob1\"".to_owned()),
        }
    );
    assert_eq!(again, FileFetch::NotModified);
    assert!(matches!(readme, FileFetch::Changed { content, .. } if content == "Widget\n"));
    assert_eq!(missing, FileFetch::Missing);
    assert_eq!(client.stats().not_modified, 1);
}

#[tokio::test]
async fn fetch_file_of_a_listed_project_uses_its_id_and_default_branch() {
    let server = MockServer::start().await;
    let mut listed = project(77, "acme/platform", "widget", "public");
    listed["default_branch"] = json!("develop");
    mount_ok(&server, GROUP_PROJECTS, json!([listed])).await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/77/repository/files/README.md/raw"))
        .and(query_param("ref", "develop"))
        .respond_with(ResponseTemplate::new(200).set_body_string("# Widget\n"))
        .expect(1)
        .mount(&server)
        .await;
    let client = group_client(&server);
    client.list_repositories(None).await.unwrap();

    let readme = client
        .fetch_file("acme/platform/widget", README_PATH, None)
        .await
        .unwrap();

    assert!(matches!(readme, FileFetch::Changed { content, .. } if content == "# Widget\n"));
    assert_eq!(requests(&server).await, 2);
}

async fn grant_with(status: u16, body: Value) -> (GrantOutcome, MockServer) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .and(query_param("username", "jdoe"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "id": 321, "username": "jdoe", "name": "J. Doe", "state": "active",
            "web_url": "https://gitlab.example.com/jdoe"
        }])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/projects/acme%2Fwidget/members"))
        .and(body_json(json!({ "user_id": 321, "access_level": 20 })))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    let outcome = group_client(&server)
        .grant_read("acme/widget", "jdoe")
        .await
        .unwrap();
    (outcome, server)
}

#[tokio::test]
async fn grant_read_resolves_the_user_and_posts_reporter_access_mapping_each_answer() {
    let (outcome, server) = grant_with(
        201,
        json!({ "id": 321, "username": "jdoe", "access_level": 20, "state": "active" }),
    )
    .await;
    assert_eq!(outcome, GrantOutcome::Granted);
    assert_eq!(requests(&server).await, 2, "one user lookup, one POST");

    let (outcome, _) = grant_with(409, json!({ "message": "Member already exists" })).await;
    assert_eq!(outcome, GrantOutcome::AlreadyHadAccess);

    let (outcome, _) = grant_with(403, json!({ "message": "403 Forbidden" })).await;
    assert_eq!(
        outcome,
        GrantOutcome::NotPermitted("403 Forbidden".to_owned())
    );

    let (outcome, server) = grant_with(503, json!({ "message": "503 Service Unavailable" })).await;
    assert!(matches!(outcome, GrantOutcome::TransientFailure(m) if m.contains("503")));
    assert_eq!(
        requests(&server).await,
        4,
        "the POST retried up to max_attempts"
    );
}

#[tokio::test]
async fn grant_read_to_an_unknown_user_never_posts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users"))
        .and(query_param("username", "ghost"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let outcome = group_client(&server)
        .grant_read("acme/widget", "ghost")
        .await
        .unwrap();

    assert!(matches!(outcome, GrantOutcome::UnknownUser(m) if m.contains("ghost")));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn token_never_appears_in_errors_or_debug() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GROUP_PROJECTS))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({ "message": "401 Unauthorized" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fbroken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let config = GitlabConfig::group(
        api(&server),
        "acme/platform",
        SecretString::from(TOKEN.to_owned()),
    )
    .with_limits(limits());
    assert!(!format!("{config:?}").contains(TOKEN));
    let client = GitlabClient::new(config).unwrap();

    let unauthorized = client.list_repositories(None).await.unwrap_err();
    let server_error = client.fetch_repository("acme/broken").await.unwrap_err();

    assert!(matches!(unauthorized, ForgeError::Unauthorized { .. }));
    assert!(matches!(server_error, ForgeError::Http { status: 500, .. }));
    for error in [&unauthorized, &server_error] {
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains(TOKEN), "{text}");
            assert!(text.contains("gitlab"), "{text}");
        }
    }
    assert!(!format!("{client:?}").contains(TOKEN));
}

/// `GET /projects/:id?license=true` as GitLab answers it: the project, with `license_url` and
/// the detected `license` (licensee's key, name, nickname and URLs), or `null` for none.
fn project_with_license(id: u64, name: &str, license: Value) -> Value {
    let mut body = project(id, "acme/platform", name, "internal");
    body["license_url"] = json!(format!(
        "https://gitlab.example.com/acme/platform/{name}/-/blob/main/LICENSE"
    ));
    body["license"] = license;
    body
}

async fn mount_details(server: &MockServer, id: u64, languages: Value, license: Value) {
    Mock::given(method("GET"))
        .and(path(format!("/api/v4/projects/{id}/languages")))
        .respond_with(ResponseTemplate::new(200).set_body_json(languages))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v4/projects/{id}")))
        .and(query_param("license", "true"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(project_with_license(
                id,
                &format!("p{id}"),
                license,
            )),
        )
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn listing_reads_each_projects_language_percentages_and_spdx_license() {
    let server = MockServer::start().await;
    mount_ok(
        &server,
        GROUP_PROJECTS,
        json!([
            project(1, "acme/platform", "engine", "internal"),
            project(2, "acme/platform", "notes", "internal")
        ]),
    )
    .await;
    mount_details(
        &server,
        1,
        json!({ "Rust": 81.52, "Shell": 12.3, "Dockerfile": 6.18 }),
        json!({
            "key": "apache-2.0",
            "name": "Apache License 2.0",
            "nickname": null,
            "html_url": "http://choosealicense.com/licenses/apache-2.0/",
            "source_url": "http://www.apache.org/licenses/LICENSE-2.0.html"
        }),
    )
    .await;
    // An empty repository: no languages; no license file.
    mount_details(&server, 2, json!({}), Value::Null).await;

    let listing = group_client(&server).list_repositories(None).await.unwrap();

    let engine = &listing.repositories[0];
    assert_eq!(engine.languages.len(), 3);
    assert_eq!(engine.languages.get("Rust"), Some(&81.52));
    assert_eq!(engine.languages.get("Dockerfile"), Some(&6.18));
    assert_eq!(engine.primary_language.as_deref(), Some("Rust"));
    assert_eq!(engine.license.as_deref(), Some("Apache-2.0"));
    assert!(engine.unread_details.is_empty());
    let notes = &listing.repositories[1];
    assert!(notes.languages.is_empty());
    assert_eq!(notes.primary_language, None);
    assert_eq!(notes.license, None);
    assert!(notes.unread_details.is_empty(), "none read is not unread");
}

#[tokio::test]
async fn unidentified_license_is_none_and_known_keys_map_to_spdx_case() {
    let server = MockServer::start().await;
    mount_ok(
        &server,
        GROUP_PROJECTS,
        json!([
            project(1, "acme/platform", "a", "internal"),
            project(2, "acme/platform", "b", "internal"),
            project(3, "acme/platform", "c", "internal")
        ]),
    )
    .await;
    for (id, key) in [(1, "other"), (2, "bsd-3-clause"), (3, "mit")] {
        mount_details(&server, id, json!({}), json!({ "key": key, "name": key })).await;
    }

    let listing = group_client(&server).list_repositories(None).await.unwrap();

    let licenses: Vec<_> = listing
        .repositories
        .iter()
        .map(|r| r.license.as_deref())
        .collect();
    assert_eq!(licenses, [None, Some("BSD-3-Clause"), Some("MIT")]);
}

#[tokio::test]
async fn incremental_listing_reads_details_only_of_projects_active_since_the_watermark() {
    let server = MockServer::start().await;
    let mut old = project(1, "acme/platform", "old", "internal");
    old["last_activity_at"] = json!("2024-01-01T00:00:00.000Z");
    let mut active = project(2, "acme/platform", "active", "internal");
    active["last_activity_at"] = json!("2024-03-05T00:00:00.000Z");
    // The group endpoint may ignore `last_activity_after`: the client filters as well.
    mount_ok(&server, GROUP_PROJECTS, json!([old, active])).await;
    mount_details(&server, 2, json!({ "Go": 100.0 }), json!({ "key": "mit" })).await;
    for route in ["/api/v4/projects/1/languages", "/api/v4/projects/1"] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
            .expect(0)
            .mount(&server)
            .await;
    }
    let since: DateTime<Utc> = "2024-03-01T00:00:00Z".parse().unwrap();

    let listing = group_client(&server)
        .list_repositories(Some(since))
        .await
        .unwrap();

    assert_eq!(listing.repositories.len(), 1);
    assert_eq!(listing.repositories[0].license.as_deref(), Some("MIT"));
    assert_eq!(listing.repositories[0].languages.get("Go"), Some(&100.0));
}

#[tokio::test]
async fn failed_detail_reads_leave_values_unknown_and_the_listing_complete() {
    let server = MockServer::start().await;
    mount_ok(
        &server,
        GROUP_PROJECTS,
        json!([project(1, "acme/platform", "engine", "internal")]),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/languages"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({ "message": "500 Internal Server Error" })),
        )
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1"))
        .and(query_param("license", "true"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({ "message": "403 Forbidden" })),
        )
        .expect(1)
        .mount(&server)
        .await;

    let listing = group_client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete && listing.authoritative_for_deletions());
    let engine = &listing.repositories[0];
    assert!(engine.is_unread(Detail::Languages) && engine.is_unread(Detail::License));
    assert!(engine.languages.is_empty() && engine.license.is_none());
    let errors: Vec<_> = engine
        .unread_details
        .iter()
        .map(|u| u.error.as_str())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("GET /api/v4/projects/1/languages") && e.contains("500")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("403")), "{errors:?}");
    assert!(errors.iter().all(|e| !e.contains(TOKEN)));
}

#[tokio::test]
async fn fetch_repository_reads_the_license_with_the_project_and_the_languages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/acme%2Fplatform%2Fengine"))
        .and(query_param("license", "true"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(project_with_license(
                1,
                "engine",
                json!({ "key": "mpl-2.0", "name": "Mozilla Public License 2.0" }),
            )),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/1/languages"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "Java": 70.0, "Kotlin": 30.0 })),
        )
        .expect(1)
        .mount(&server)
        .await;

    let fetched = group_client(&server)
        .fetch_repository("acme/platform/engine")
        .await
        .unwrap();

    let FetchedRepository::Found(repository) = fetched else {
        panic!("expected Found, got {fetched:?}");
    };
    assert_eq!(repository.license.as_deref(), Some("MPL-2.0"));
    assert_eq!(repository.primary_language.as_deref(), Some("Java"));
    assert_eq!(repository.languages.get("Kotlin"), Some(&30.0));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn pull_mirror_names_its_upstream_without_credentials_and_forks_and_imports_do_not() {
    let server = MockServer::start().await;
    let mut mirror = project(1, "acme/platform", "widgets", "internal");
    mirror["mirror"] = json!(true);
    mirror["import_url"] =
        json!("https://oauth2:glpat-upstream-secret@github.com/acme/widgets.git");
    let mut fork = project(2, "acme/platform", "widgets-fork", "internal");
    fork["forked_from_project"] =
        json!({ "id": 1, "path_with_namespace": "acme/platform/widgets" });
    let mut imported = project(3, "acme/platform", "imported", "internal");
    imported["import_url"] = json!("https://github.com/acme/imported.git");
    imported["mirror"] = json!(false);
    mount_ok(&server, GROUP_PROJECTS, json!([mirror, fork, imported])).await;

    let listing = group_client(&server).list_repositories(None).await.unwrap();

    let [mirror, fork, imported] = &listing.repositories[..] else {
        panic!("three projects expected");
    };
    assert!(mirror.mirror);
    assert_eq!(
        mirror.upstream_url.as_deref(),
        Some("https://github.com/acme/widgets.git")
    );
    assert!(fork.fork && !fork.mirror && fork.upstream_url.is_none());
    assert!(!imported.mirror && imported.upstream_url.is_none());
}
