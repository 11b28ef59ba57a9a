//! The Gitea / Forgejo client against wiremock servers answering as Gitea API v1 documents:
//! `Link` and `X-Total-Count` paging, the `token` authorization, repository mapping, client-side
//! `since`, retries, rate limits, malformed and failing pages, the topics fallback, raw files
//! with blob-sha ETags and collaborator grants, the per-repository languages read (bytes), the
//! license from `licenses`, mirrors' upstreams. Each test checks the result and the requests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use agora_forge::repository::Detail;
use agora_forge::{
    FetchedRepository, FileFetch, Forge, ForgeError, GiteaClient, GiteaConfig, GrantOutcome,
    HttpLimits, README_PATH, RemoteVisibility,
};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "gitea_SuperSecretToken1234567890";
const ORG_REPOS: &str = "/api/v1/orgs/acme/repos";

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
    format!("{}/api/v1", server.uri())
}

fn client(server: &MockServer) -> GiteaClient {
    GiteaClient::new(
        GiteaConfig::organization(api(server), "acme", SecretString::from(TOKEN.to_owned()))
            .with_limits(limits()),
    )
    .unwrap()
}

fn repo(id: u64, name: &str, updated_at: &str) -> Value {
    json!({
        "id": id,
        "owner": { "id": 1, "login": "acme", "username": "acme", "full_name": "ACME" },
        "name": name,
        "full_name": format!("acme/{name}"),
        "description": format!("The {name} service"),
        "empty": false,
        "private": false,
        "fork": false,
        "template": false,
        "parent": null,
        "mirror": false,
        "size": 120,
        "language": "Go",
        "html_url": format!("https://gitea.example.com/acme/{name}"),
        "clone_url": format!("https://gitea.example.com/acme/{name}.git"),
        "website": "",
        "stars_count": 5,
        "forks_count": 2,
        "watchers_count": 4,
        "open_issues_count": 3,
        "default_branch": "main",
        "archived": false,
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": updated_at,
        "internal": false,
        "topics": ["api", "go"]
    })
}

/// Requests besides the per-repository languages reads every listing and fetch adds, which the
/// languages tests count on their own.
async fn requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| !r.url.path().ends_with("/languages"))
        .count()
}

fn link(server: &MockServer, next: u32, last: u32) -> String {
    let base = api(server);
    format!(
        "<{base}/orgs/acme/repos?limit=50&page={next}>; rel=\"next\",<{base}/orgs/acme/repos?limit=50&page={last}>; rel=\"last\""
    )
}

async fn mount_page(server: &MockServer, page: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .and(query_param("page", page))
        .respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn listing_follows_link_headers_over_three_pages() {
    let server = MockServer::start().await;
    let ok = |items: Value| {
        ResponseTemplate::new(200)
            .set_body_json(items)
            .insert_header("x-total-count", "4")
    };
    mount_page(
        &server,
        "1",
        ok(json!([
            repo(1, "one", "2024-03-01T00:00:00Z"),
            repo(2, "two", "2024-03-01T00:00:00Z")
        ]))
        .insert_header("link", link(&server, 2, 3).as_str()),
        1,
    )
    .await;
    mount_page(
        &server,
        "2",
        ok(json!([repo(3, "three", "2024-03-01T00:00:00Z")]))
            .insert_header("link", link(&server, 3, 3).as_str()),
        1,
    )
    .await;
    mount_page(
        &server,
        "3",
        ok(json!([repo(4, "four", "2024-03-01T00:00:00Z")])),
        1,
    )
    .await;
    let client = client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete && listing.authoritative_for_deletions());
    let names: Vec<_> = listing
        .repositories
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["one", "two", "three", "four"]);
    assert_eq!(requests(&server).await, 3);
    let first = server.received_requests().await.unwrap().remove(0);
    assert!(first.url.query().unwrap().contains("limit=50"));
}

#[tokio::test]
async fn without_link_headers_paging_counts_up_to_x_total_count() {
    let server = MockServer::start().await;
    // A proxy stripped `Link`; the server capped `limit` at 2 items per page.
    let ok = |items: Value| {
        ResponseTemplate::new(200)
            .set_body_json(items)
            .insert_header("x-total-count", "5")
    };
    let r = |id, name| repo(id, name, "2024-03-01T00:00:00Z");
    mount_page(&server, "1", ok(json!([r(1, "a"), r(2, "b")])), 1).await;
    mount_page(&server, "2", ok(json!([r(3, "c"), r(4, "d")])), 1).await;
    mount_page(&server, "3", ok(json!([r(5, "e")])), 1).await;
    mount_page(&server, "4", ok(json!([])), 0).await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete);
    assert_eq!(listing.repositories.len(), 5);
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn every_request_carries_the_token_authorization() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .and(header("authorization", format!("token {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete);
}

#[tokio::test]
async fn repositories_map_with_visibility_and_topics_fallback() {
    let server = MockServer::start().await;
    let mut private = repo(2, "secret", "2024-03-01T00:00:00Z");
    private["private"] = json!(true);
    let mut internal = repo(3, "inner", "2024-03-01T00:00:00Z");
    internal["internal"] = json!(true);
    internal["fork"] = json!(true);
    internal["mirror"] = json!(true);
    internal["archived"] = json!(true);
    // Gitea before 1.15: no `topics` in list items.
    internal.as_object_mut().unwrap().remove("topics");
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            repo(1, "plain", "2024-03-01T00:00:00Z"),
            private,
            internal
        ])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/inner/topics"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "topics": ["legacy"] })))
        .expect(1)
        .mount(&server)
        .await;

    let listing = client(&server).list_repositories(None).await.unwrap();
    let [plain, private, internal] = listing.repositories.as_slice() else {
        panic!("expected three, got {:?}", listing.repositories);
    };

    assert_eq!(plain.external_id, "1");
    assert_eq!(
        (plain.owner.as_str(), plain.name.as_str()),
        ("acme", "plain")
    );
    assert_eq!(plain.full_name, "acme/plain");
    assert_eq!(plain.description.as_deref(), Some("The plain service"));
    assert_eq!(plain.html_url, "https://gitea.example.com/acme/plain");
    assert_eq!(plain.default_branch.as_deref(), Some("main"));
    assert_eq!(plain.visibility, Some(RemoteVisibility::Public));
    assert_eq!(plain.topics, ["api", "go"]);
    assert_eq!(plain.primary_language.as_deref(), Some("Go"));
    assert_eq!(
        (plain.stars, plain.forks, plain.open_issues, plain.watchers),
        (5, 2, 3, 4)
    );
    let updated: DateTime<Utc> = "2024-03-01T00:00:00Z".parse().unwrap();
    assert_eq!(plain.updated_at, Some(updated));
    assert!(plain.created_at.is_some());
    assert!(!plain.archived && !plain.fork && !plain.mirror);
    assert_eq!(private.visibility, Some(RemoteVisibility::Private));
    assert_eq!(internal.visibility, Some(RemoteVisibility::Internal));
    assert!(internal.fork && internal.mirror && internal.archived);
    assert_eq!(internal.topics, ["legacy"]);
    assert_eq!(
        requests(&server).await,
        2,
        "topics asked only for the item lacking them"
    );
}

#[tokio::test]
async fn since_lists_every_page_and_keeps_repositories_updated_since() {
    let server = MockServer::start().await;
    mount_page(
        &server,
        "1",
        ResponseTemplate::new(200)
            .set_body_json(json!([repo(1, "old", "2024-01-01T00:00:00Z")]))
            .insert_header("link", link(&server, 2, 2).as_str()),
        1,
    )
    .await;
    mount_page(
        &server,
        "2",
        ResponseTemplate::new(200).set_body_json(json!([repo(2, "new", "2024-05-01T00:00:00Z")])),
        1,
    )
    .await;
    let since: DateTime<Utc> = "2024-03-01T00:00:00Z".parse().unwrap();

    let listing = client(&server)
        .list_repositories(Some(since))
        .await
        .unwrap();

    assert!(listing.complete, "complete for the window");
    let names: Vec<_> = listing
        .repositories
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["new"]);
    assert_eq!(
        requests(&server).await,
        2,
        "Gitea cannot filter: every page is read"
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([repo(
            1,
            "one",
            "2024-01-01T00:00:00Z"
        )])))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert_eq!(listing.repositories.len(), 1);
    // Three attempts at the page, then the repository's languages.
    assert_eq!(
        (client.stats().requests, client.stats().retries),
        (3 + 1, 2)
    );
}

#[tokio::test]
async fn rate_limit_429_with_retry_after_waits_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let started = Instant::now();

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete);
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(
        (client.stats().rate_limit_waits, client.stats().requests),
        (1, 2)
    );
}

#[tokio::test]
async fn forbidden_without_rate_limit_headers_is_an_error_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(
                json!({ "message": "token does not have required scope", "url": "" }),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let error = client.list_repositories(None).await.unwrap_err();

    assert!(
        matches!(&error, ForgeError::Forbidden { message, .. } if message.contains("scope")),
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
    mount_page(
        &server,
        "1",
        ResponseTemplate::new(200)
            .set_body_json(json!([repo(1, "one", "2024-01-01T00:00:00Z")]))
            .insert_header("link", link(&server, 2, 2).as_str()),
        1,
    )
    .await;
    mount_page(
        &server,
        "2",
        ResponseTemplate::new(200).set_body_string("<html>proxy error</html>"),
        1,
    )
    .await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(!listing.complete);
    assert_eq!(listing.repositories.len(), 1);
    let text = listing.error.unwrap().to_string();
    assert!(
        text.starts_with("gitea: malformed GET /api/v1/orgs/acme/repos?"),
        "{text}"
    );
    assert!(text.contains("page=2"), "{text}");
}

#[tokio::test]
async fn empty_listing_is_complete_with_zero_repositories() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .insert_header("x-total-count", "0"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete && listing.repositories.is_empty() && listing.error.is_none());
}

#[tokio::test]
async fn second_page_failing_after_retries_keeps_the_first_page_and_is_incomplete() {
    let server = MockServer::start().await;
    mount_page(
        &server,
        "1",
        ResponseTemplate::new(200)
            .set_body_json(json!([repo(1, "one", "2024-01-01T00:00:00Z")]))
            .insert_header("link", link(&server, 2, 2).as_str()),
        1,
    )
    .await;
    mount_page(&server, "2", ResponseTemplate::new(502), 3).await;
    let client = client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert!(!listing.complete && !listing.authoritative_for_deletions());
    assert_eq!(listing.repositories.len(), 1);
    assert!(matches!(
        listing.error,
        Some(ForgeError::Http { status: 502, .. })
    ));
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test]
async fn fetch_repository_found_redirected_rename_is_moved_and_404_is_gone() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/here"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo(
            5,
            "here",
            "2024-01-01T00:00:00Z",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/old"))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/repos/acme/new", api(&server)).as_str(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo(
            6,
            "new",
            "2024-01-01T00:00:00Z",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/deleted"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(
                json!({ "errors": null, "message": "The target couldn't be found." }),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    assert!(
        matches!(client.fetch_repository("acme/here").await.unwrap(), FetchedRepository::Found(r) if r.external_id == "5")
    );
    assert!(matches!(
        client.fetch_repository("acme/old").await.unwrap(),
        FetchedRepository::Moved { new_full_name, .. } if new_full_name == "acme/new"
    ));
    assert_eq!(
        client.fetch_repository("acme/deleted").await.unwrap(),
        FetchedRepository::Gone
    );
    assert_eq!(requests(&server).await, 4);
}

#[tokio::test]
async fn fetch_file_reads_raw_files_with_blob_sha_etags() {
    let server = MockServer::start().await;
    let sha = "\"0e8a1b2c3d4e5f60718293a4b5c6d7e8f9012345\"";
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/widget/raw/docs/innersource.json"))
        .and(header("if-none-match", sha))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", sha))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/widget/raw/docs/innersource.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", sha)
                .set_body_string("{}"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/widget/raw/README.md"))
        .respond_with(ResponseTemplate::new(200).set_body_string("# Widget\n"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/widget/raw/CONTRIBUTING.md"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({ "message": "object does not exist [id: , rel_path: CONTRIBUTING.md]" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let fresh = client
        .fetch_file("acme/widget", "docs/innersource.json", None)
        .await
        .unwrap();
    let again = client
        .fetch_file("acme/widget", "docs/innersource.json", Some(sha))
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
            content: "{}".to_owned(),
            etag: Some(sha.to_owned())
        }
    );
    assert_eq!(again, FileFetch::NotModified);
    assert!(matches!(readme, FileFetch::Changed { content, .. } if content == "# Widget\n"));
    assert_eq!(missing, FileFetch::Missing);
    assert_eq!(
        requests(&server).await,
        4,
        "README.md found: README not tried"
    );
}

const COLLABORATOR: &str = "/api/v1/repos/acme/widget/collaborators/jdoe";

async fn grant_with(check: u16, status: u16, body: Option<Value>) -> (GrantOutcome, MockServer) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COLLABORATOR))
        .respond_with(ResponseTemplate::new(check))
        .expect(1)
        .mount(&server)
        .await;
    let mut response = ResponseTemplate::new(status);
    if let Some(body) = body {
        response = response.set_body_json(body);
    }
    Mock::given(method("PUT"))
        .and(path(COLLABORATOR))
        .and(body_json(json!({ "permission": "read" })))
        .respond_with(response)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .grant_read("acme/widget", "jdoe")
        .await
        .unwrap();
    (outcome, server)
}

#[tokio::test]
async fn grant_read_puts_read_permission_and_maps_each_answer() {
    let (outcome, server) = grant_with(404, 204, None).await;
    assert_eq!(outcome, GrantOutcome::Granted);
    assert_eq!(requests(&server).await, 2, "one check, one PUT");

    let (outcome, _) = grant_with(
        404,
        404,
        Some(json!({ "message": "user does not exist [name: jdoe]" })),
    )
    .await;
    assert!(matches!(outcome, GrantOutcome::UnknownUser(m) if m.contains("jdoe")));

    let (outcome, _) = grant_with(404, 403, Some(json!({ "message": "Forbidden" }))).await;
    assert_eq!(outcome, GrantOutcome::NotPermitted("Forbidden".to_owned()));

    let (outcome, _) = grant_with(
        404,
        422,
        Some(json!({ "message": "user is the owner of the repository" })),
    )
    .await;
    assert_eq!(
        outcome,
        GrantOutcome::NotPermitted("user is the owner of the repository".to_owned())
    );

    let (outcome, server) = grant_with(404, 500, None).await;
    assert!(matches!(outcome, GrantOutcome::TransientFailure(m) if m.contains("500")));
    assert_eq!(
        requests(&server).await,
        4,
        "the PUT retried up to max_attempts"
    );
}

#[tokio::test]
async fn grant_read_to_an_existing_collaborator_does_not_demote_them() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(COLLABORATOR))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(COLLABORATOR))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;

    let outcome = client(&server)
        .grant_read("acme/widget", "jdoe")
        .await
        .unwrap();

    assert_eq!(outcome, GrantOutcome::AlreadyHadAccess);
}

#[tokio::test]
async fn token_never_appears_in_errors_or_debug() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({ "message": "token is required" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let config =
        GiteaConfig::organization(api(&server), "acme", SecretString::from(TOKEN.to_owned()))
            .with_limits(limits());
    assert!(!format!("{config:?}").contains(TOKEN));
    let client = GiteaClient::new(config).unwrap();

    let unauthorized = client.list_repositories(None).await.unwrap_err();
    let server_error = client.fetch_repository("acme/broken").await.unwrap_err();

    assert!(matches!(unauthorized, ForgeError::Unauthorized { .. }));
    assert!(matches!(server_error, ForgeError::Http { status: 500, .. }));
    for error in [&unauthorized, &server_error] {
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains(TOKEN), "{text}");
            assert!(text.contains("gitea"), "{text}");
        }
    }
    assert!(!format!("{client:?}").contains(TOKEN));
}

async fn mount_languages(server: &MockServer, name: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/repos/acme/{name}/languages")))
        .respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn listing_reads_languages_in_bytes_and_the_license_from_licenses() {
    let server = MockServer::start().await;
    let mut engine = repo(1, "engine", "2024-03-01T10:00:00Z");
    engine["licenses"] = json!(["Apache-2.0"]);
    let mut dual = repo(2, "dual", "2024-03-01T10:00:00Z");
    dual["licenses"] = json!(["MIT", "Apache-2.0"]);
    let mut none = repo(3, "none", "2024-03-01T10:00:00Z");
    none["licenses"] = json!([]);
    // A server before 1.23 has no `licenses` at all.
    let older = repo(4, "older", "2024-03-01T10:00:00Z");
    mount_page(
        &server,
        "1",
        ResponseTemplate::new(200).set_body_json(json!([engine, dual, none, older])),
        1,
    )
    .await;
    mount_languages(
        &server,
        "engine",
        ResponseTemplate::new(200).set_body_json(json!({ "Go": 120034, "CSS": 3120 })),
        1,
    )
    .await;
    for name in ["dual", "none", "older"] {
        mount_languages(
            &server,
            name,
            ResponseTemplate::new(200).set_body_json(json!({})),
            1,
        )
        .await;
    }

    let listing = client(&server).list_repositories(None).await.unwrap();

    let engine = &listing.repositories[0];
    assert_eq!(engine.languages.get("Go"), Some(&120034.0));
    assert_eq!(engine.languages.get("CSS"), Some(&3120.0));
    assert_eq!(engine.primary_language.as_deref(), Some("Go"));
    assert_eq!(engine.license.as_deref(), Some("Apache-2.0"));
    let licenses: Vec<_> = listing.repositories[1..]
        .iter()
        .map(|r| r.license.as_deref())
        .collect();
    assert_eq!(licenses, [Some("MIT OR Apache-2.0"), None, None]);
    assert!(
        listing
            .repositories
            .iter()
            .all(|r| r.unread_details.is_empty())
    );
}

#[tokio::test]
async fn incremental_listing_reads_languages_only_of_repositories_updated_since() {
    let server = MockServer::start().await;
    mount_page(
        &server,
        "1",
        ResponseTemplate::new(200).set_body_json(json!([
            repo(1, "old", "2024-01-01T00:00:00Z"),
            repo(2, "new", "2024-03-05T00:00:00Z")
        ])),
        1,
    )
    .await;
    mount_languages(
        &server,
        "old",
        ResponseTemplate::new(200).set_body_json(json!({})),
        0,
    )
    .await;
    mount_languages(
        &server,
        "new",
        ResponseTemplate::new(200).set_body_json(json!({ "Rust": 900 })),
        1,
    )
    .await;
    let since: DateTime<Utc> = "2024-03-01T00:00:00Z".parse().unwrap();

    let listing = client(&server)
        .list_repositories(Some(since))
        .await
        .unwrap();

    assert_eq!(listing.repositories.len(), 1);
    assert_eq!(listing.repositories[0].languages.get("Rust"), Some(&900.0));
}

#[tokio::test]
async fn a_failed_languages_read_leaves_them_unknown_and_the_listing_complete() {
    let server = MockServer::start().await;
    mount_page(
        &server,
        "1",
        ResponseTemplate::new(200).set_body_json(json!([repo(
            1,
            "engine",
            "2024-03-01T10:00:00Z"
        )])),
        1,
    )
    .await;
    mount_languages(
        &server,
        "engine",
        ResponseTemplate::new(502).set_body_string("Bad Gateway"),
        3,
    )
    .await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete && listing.authoritative_for_deletions());
    let engine = &listing.repositories[0];
    assert!(engine.is_unread(Detail::Languages));
    assert!(!engine.is_unread(Detail::License));
    assert!(engine.languages.is_empty());
    assert!(
        engine.unread_details[0]
            .error
            .contains("GET /api/v1/repos/acme/engine/languages")
    );
}

#[tokio::test]
async fn fetch_repository_reads_the_languages_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repos/acme/engine"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo(
            1,
            "engine",
            "2024-03-01T10:00:00Z",
        )))
        .expect(1)
        .mount(&server)
        .await;
    mount_languages(
        &server,
        "engine",
        ResponseTemplate::new(200).set_body_json(json!({ "Go": 10 })),
        1,
    )
    .await;

    let fetched = client(&server)
        .fetch_repository("acme/engine")
        .await
        .unwrap();

    let FetchedRepository::Found(repository) = fetched else {
        panic!("expected Found");
    };
    assert_eq!(repository.languages.get("Go"), Some(&10.0));
}

#[tokio::test]
async fn mirror_names_its_original_url_without_credentials_and_a_migration_does_not() {
    let server = MockServer::start().await;
    let mut mirror = repo(1, "widgets", "2024-03-01T10:00:00Z");
    mirror["mirror"] = json!(true);
    mirror["original_url"] = json!("https://bot:ghp_secret@github.com/acme/widgets");
    let mut migrated = repo(2, "migrated", "2024-03-01T10:00:00Z");
    migrated["original_url"] = json!("https://github.com/acme/migrated");
    mount_page(
        &server,
        "1",
        ResponseTemplate::new(200).set_body_json(json!([mirror, migrated])),
        1,
    )
    .await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    let mirror = &listing.repositories[0];
    assert!(mirror.mirror);
    assert_eq!(
        mirror.upstream_url.as_deref(),
        Some("https://github.com/acme/widgets")
    );
    let migrated = &listing.repositories[1];
    assert!(!migrated.mirror && migrated.upstream_url.is_none());
}
