//! The GitHub client against wiremock servers answering as GitHub documents: paging, headers,
//! conditional requests, renames, rate limits, retries, malformed answers, the incremental
//! watermark, access grants, file fetches, and the batched file read over GraphQL (blobs, errors,
//! rate limits, the fall back to REST). Each test checks the result and the requests made.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agora_forge::{
    FetchedRepository, FileFetch, Forge, ForgeError, FoundFile, GithubClient, GithubConfig,
    GrantOutcome, HttpLimits, README_PATH, RemoteVisibility,
};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, body_partial_json, header, header_exists, method, path, query_param,
    query_param_is_missing,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "ghp_SuperSecretToken1234567890";
const ORG_REPOS: &str = "/orgs/acme/repos";

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

fn config(base: String) -> GithubConfig {
    GithubConfig::organization("acme", SecretString::from(TOKEN.to_owned()))
        .with_base_url(base)
        .with_limits(limits())
}

fn client(server: &MockServer) -> GithubClient {
    GithubClient::new(config(server.uri())).unwrap()
}

fn repo(id: u64, name: &str, pushed_at: &str) -> Value {
    json!({
        "id": id,
        "node_id": "R_kgDO",
        "name": name,
        "full_name": format!("acme/{name}"),
        "private": false,
        "owner": { "login": "acme", "id": 1, "type": "Organization" },
        "html_url": format!("https://github.com/acme/{name}"),
        "description": format!("The {name} service"),
        "fork": false,
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "pushed_at": pushed_at,
        "stargazers_count": 5,
        "watchers_count": 5,
        "language": "Rust",
        "forks_count": 2,
        "mirror_url": null,
        "archived": false,
        "open_issues_count": 3,
        "license": { "key": "mit", "name": "MIT License", "spdx_id": "MIT" },
        "topics": ["api", "rust"],
        "visibility": "public",
        "default_branch": "main"
    })
}

fn link_next(base: &str, page: u32) -> String {
    format!(
        "<{base}{ORG_REPOS}?per_page=100&type=all&sort=pushed&direction=desc&page={page}>; rel=\"next\", <{base}{ORG_REPOS}?per_page=100&page=3>; rel=\"last\""
    )
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Mounts three pages of an organisation listing: page 1 links to 2, 2 to 3.
async fn mount_three_pages(server: &MockServer, api_prefix: &str, etags: bool) {
    let base = format!("{}{api_prefix}", server.uri());
    let route = format!("{api_prefix}{ORG_REPOS}");
    let pages = [
        (
            None,
            vec![
                repo(1, "one", "2024-03-03T00:00:00Z"),
                repo(2, "two", "2024-03-02T00:00:00Z"),
            ],
        ),
        (Some("2"), vec![repo(3, "three", "2024-02-01T00:00:00Z")]),
        (Some("3"), vec![repo(4, "four", "2024-01-01T00:00:00Z")]),
    ];
    for (index, (page, items)) in pages.into_iter().enumerate() {
        let mut response = ResponseTemplate::new(200).set_body_json(items);
        if index < 2 {
            response = response.insert_header("link", link_next(&base, index as u32 + 2).as_str());
        }
        if etags {
            response = response.insert_header("etag", format!("W/\"page-{index}\"").as_str());
        }
        let mock = Mock::given(method("GET")).and(path(route.as_str()));
        let mock = match page {
            None => mock.and(query_param_is_missing("page")),
            Some(page) => mock.and(query_param("page", page)),
        };
        mock.respond_with(response).mount(server).await;
    }
}

#[tokio::test]
async fn listing_follows_link_headers_over_three_pages_on_enterprise_server() {
    let server = MockServer::start().await;
    mount_three_pages(&server, "/api/v3", false).await;
    let client = GithubClient::new(config(format!("{}/api/v3", server.uri()))).unwrap();

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete);
    assert!(listing.authoritative_for_deletions());
    let names: Vec<_> = listing
        .repositories
        .iter()
        .map(|r| r.full_name.as_str())
        .collect();
    assert_eq!(names, ["acme/one", "acme/two", "acme/three", "acme/four"]);
    assert_eq!(requests(&server).await, 3);
    assert_eq!(client.stats().requests, 3);
    let first = server.received_requests().await.unwrap().remove(0);
    let query = first.url.query().unwrap();
    for expected in ["per_page=100", "type=all", "sort=pushed", "direction=desc"] {
        assert!(query.contains(expected), "{query} lacks {expected}");
    }
}

#[tokio::test]
async fn list_items_map_to_remote_repositories() {
    let server = MockServer::start().await;
    let mut odd = repo(7, "mirror", "2024-01-01T00:00:00Z");
    let object = odd.as_object_mut().unwrap();
    object.remove("visibility");
    object.insert("private".into(), json!(true));
    object.insert(
        "mirror_url".into(),
        json!("https://example.com/upstream.git"),
    );
    object.insert("license".into(), json!({ "spdx_id": "NOASSERTION" }));
    object.insert("archived".into(), json!(true));
    object.insert("fork".into(), json!(true));
    let mut internal = repo(8, "internal", "2024-01-01T00:00:00Z");
    internal["visibility"] = json!("internal");
    internal["private"] = json!(true);
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            repo(6, "plain", "2024-01-02T00:00:00Z"),
            odd,
            internal
        ])))
        .expect(1)
        .mount(&server)
        .await;

    let listing = client(&server).list_repositories(None).await.unwrap();
    let [plain, mirror, internal] = listing.repositories.as_slice() else {
        panic!(
            "expected three repositories, got {:?}",
            listing.repositories
        );
    };

    assert_eq!(plain.external_id, "6");
    assert_eq!(plain.owner, "acme");
    assert_eq!(plain.name, "plain");
    assert_eq!(plain.description.as_deref(), Some("The plain service"));
    assert_eq!(plain.html_url, "https://github.com/acme/plain");
    assert_eq!(plain.default_branch.as_deref(), Some("main"));
    assert_eq!(plain.visibility, Some(RemoteVisibility::Public));
    assert_eq!(plain.topics, ["api", "rust"]);
    assert_eq!(plain.primary_language.as_deref(), Some("Rust"));
    assert_eq!(plain.license.as_deref(), Some("MIT"));
    assert_eq!(
        (plain.stars, plain.forks, plain.open_issues, plain.watchers),
        (5, 2, 3, 5)
    );
    assert_eq!(
        plain.pushed_at,
        Some("2024-01-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap())
    );
    assert!(plain.created_at.is_some() && plain.updated_at.is_some());
    assert!(!plain.archived && !plain.fork && !plain.mirror);

    assert_eq!(mirror.visibility, Some(RemoteVisibility::Private));
    assert!(mirror.mirror && mirror.archived && mirror.fork);
    assert_eq!(mirror.license, None, "NOASSERTION is not a license");
    assert_eq!(internal.visibility, Some(RemoteVisibility::Internal));
}

#[tokio::test]
async fn every_request_carries_auth_accept_api_version_and_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept", "application/vnd.github+json"))
        .and(header("x-github-api-version", "2022-11-28"))
        .and(header_exists("user-agent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete);
}

#[tokio::test]
async fn second_listing_revalidates_every_page_with_etags_and_gets_304s() {
    let server = MockServer::start().await;
    // Revalidations, mounted first so they win when If-None-Match is present.
    for (index, page) in [None, Some("2"), Some("3")].into_iter().enumerate() {
        let mock = Mock::given(method("GET")).and(path(ORG_REPOS)).and(header(
            "if-none-match",
            format!("W/\"page-{index}\"").as_str(),
        ));
        let mock = match page {
            None => mock.and(query_param_is_missing("page")),
            Some(page) => mock.and(query_param("page", page)),
        };
        mock.respond_with(ResponseTemplate::new(304))
            .expect(1)
            .mount(&server)
            .await;
    }
    mount_three_pages(&server, "", true).await;
    let client = client(&server);

    let first = client.list_repositories(None).await.unwrap();
    let second = client.list_repositories(None).await.unwrap();

    assert!(second.complete);
    assert_eq!(first.repositories, second.repositories);
    assert_eq!(second.repositories.len(), 4);
    let stats = client.stats();
    assert_eq!(
        stats.requests, 6,
        "the second listing makes as many requests"
    );
    assert_eq!(stats.not_modified, 3);
    assert_eq!(stats.rate_limited, 0, "a 304 is not a rate limit");
    assert_eq!(requests(&server).await, 6);
}

#[tokio::test]
async fn renamed_repository_answers_moved_with_its_new_name() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/old-name"))
        .respond_with(
            ResponseTemplate::new(301)
                .insert_header(
                    "location",
                    format!("{}/repositories/42", server.uri()).as_str(),
                )
                .set_body_json(json!({
                    "message": "Moved Permanently",
                    "url": format!("{}/repositories/42", server.uri()),
                })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repositories/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo(
            42,
            "new-name",
            "2024-01-01T00:00:00Z",
        )))
        .expect(1)
        .mount(&server)
        .await;

    let fetched = client(&server)
        .fetch_repository("acme/old-name")
        .await
        .unwrap();

    match fetched {
        FetchedRepository::Moved {
            new_full_name,
            repository,
        } => {
            assert_eq!(new_full_name, "acme/new-name");
            assert_eq!(repository.external_id, "42");
        }
        other => panic!("expected Moved, got {other:?}"),
    }
}

#[tokio::test]
async fn fetch_repository_found_and_404_is_gone() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/here"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo(
            5,
            "here",
            "2024-01-01T00:00:00Z",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/deleted"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let found = client.fetch_repository("acme/here").await.unwrap();
    let gone = client.fetch_repository("acme/deleted").await.unwrap();

    assert!(matches!(found, FetchedRepository::Found(r) if r.full_name == "acme/here"));
    assert_eq!(gone, FetchedRepository::Gone);
    assert!(matches!(
        client.fetch_repository("not-a-full-name").await,
        Err(ForgeError::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn primary_rate_limit_403_waits_until_reset_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-limit", "5000")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", (epoch_now() + 1).to_string().as_str())
                .set_body_json(json!({ "message": "API rate limit exceeded for user ID 1." })),
        )
        .up_to_n_times(1)
        .expect(1)
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

    assert!(listing.complete);
    assert_eq!(listing.repositories.len(), 1);
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.rate_limited, stats.rate_limit_waits),
        (2, 1, 1)
    );
    assert_eq!(stats.retries, 0, "a rate-limit wait is not a backoff retry");
}

#[tokio::test]
async fn secondary_rate_limit_429_honours_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({ "message": "You have exceeded a secondary rate limit." })),
        )
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
    let started = std::time::Instant::now();

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited the second"
    );
    assert_eq!(client.stats().rate_limit_waits, 1);
}

#[tokio::test]
async fn rate_limit_longer_than_the_cap_fails_without_waiting() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/x"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let error = client.fetch_repository("acme/x").await.unwrap_err();

    match &error {
        ForgeError::RateLimited {
            forge, retry_after, ..
        } => {
            assert_eq!(forge, "github");
            assert_eq!(*retry_after, Duration::from_secs(3600));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(client.stats().rate_limit_waits, 0);
}

#[tokio::test]
async fn forbidden_without_rate_limit_headers_is_a_permission_error_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by personal access token",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let error = client.list_repositories(None).await.unwrap_err();

    let ForgeError::Forbidden { message, call, .. } = &error else {
        panic!("expected Forbidden, got {error:?}");
    };
    assert!(message.contains("not accessible"));
    assert!(call.contains(ORG_REPOS));
    assert_eq!(client.stats().retries, 0);
    assert_eq!(client.stats().rate_limited, 0);
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

    assert!(listing.complete);
    assert_eq!(listing.repositories.len(), 1);
    assert_eq!((client.stats().requests, client.stats().retries), (3, 2));
}

#[tokio::test]
async fn timeouts_are_retried_then_the_listing_is_incomplete() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_secs(2)),
        )
        .expect(3)
        .mount(&server)
        .await;
    let mut config = config(server.uri());
    config.limits.timeout = Duration::from_millis(150);
    let client = GithubClient::new(config).unwrap();

    let listing = client.list_repositories(None).await.unwrap();

    assert!(!listing.complete);
    assert!(!listing.authoritative_for_deletions());
    let error = listing.error.expect("the reason is kept");
    assert!(matches!(error, ForgeError::Transport { .. }), "{error:?}");
    assert!(error.to_string().contains("timed out"), "{error}");
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test]
async fn malformed_page_makes_the_listing_incomplete_and_names_the_call() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([repo(1, "one", "2024-01-01T00:00:00Z")]))
                .insert_header("link", link_next(&base, 2).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "message": "oops" })))
        .expect(1)
        .mount(&server)
        .await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(!listing.complete);
    assert_eq!(listing.repositories.len(), 1, "page 1 is kept");
    let error = listing.error.unwrap();
    assert!(matches!(error, ForgeError::Malformed { .. }));
    let text = error.to_string();
    assert!(text.starts_with("github: "), "{text}");
    assert!(
        text.contains("GET /orgs/acme/repos?") && text.contains("page=2"),
        "{text}"
    );
}

#[tokio::test]
async fn malformed_item_is_skipped_and_counted_not_failing_the_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            repo(1, "one", "2024-01-01T00:00:00Z"),
            { "name": "no-id" },
            repo(3, "three", "2024-01-01T00:00:00Z"),
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete);
    assert_eq!(listing.repositories.len(), 2);
    assert_eq!(listing.skipped, 1);
    assert!(!listing.authoritative_for_deletions());
    assert_eq!(client.stats().skipped_items, 1);
}

#[tokio::test]
async fn empty_listing_is_complete_with_zero_repositories() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete);
    assert!(listing.repositories.is_empty());
    assert!(listing.error.is_none());
}

#[tokio::test]
async fn since_watermark_stops_paging_at_the_first_older_repository() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([
                    repo(1, "new", "2024-05-01T00:00:00Z"),
                    repo(2, "old", "2024-01-01T00:00:00Z"),
                ]))
                .insert_header("link", link_next(&base, 2).as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(0)
        .mount(&server)
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
}

#[tokio::test]
async fn installation_listing_reads_the_repositories_envelope() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/installation/repositories"))
        .and(query_param("per_page", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total_count": 2,
            "repository_selection": "selected",
            "repositories": [
                repo(1, "one", "2024-01-01T00:00:00Z"),
                repo(2, "two", "2024-01-01T00:00:00Z"),
            ],
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = GithubClient::new(
        GithubConfig::installation(SecretString::from(TOKEN.to_owned()))
            .with_base_url(server.uri())
            .with_limits(limits()),
    )
    .unwrap();

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete);
    assert_eq!(listing.repositories.len(), 2);
}

async fn grant_with(status: u16, body: Option<Value>) -> (GrantOutcome, MockServer) {
    let server = MockServer::start().await;
    let mut response = ResponseTemplate::new(status);
    if let Some(body) = body {
        response = response.set_body_json(body);
    }
    Mock::given(method("PUT"))
        .and(path("/repos/acme/widget/collaborators/octocat"))
        .and(body_json(json!({ "permission": "pull" })))
        .and(header("accept", "application/vnd.github+json"))
        .respond_with(response)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .grant_read("acme/widget", "octocat")
        .await
        .unwrap();
    (outcome, server)
}

#[tokio::test]
async fn grant_read_puts_pull_permission_and_maps_each_answer() {
    let (outcome, server) = grant_with(201, Some(json!({ "id": 1, "permissions": "read" }))).await;
    assert_eq!(outcome, GrantOutcome::Invited);
    assert_eq!(
        requests(&server).await,
        1,
        "exactly one PUT with the pull body"
    );

    let (outcome, _) = grant_with(204, None).await;
    assert_eq!(outcome, GrantOutcome::AlreadyHadAccess);

    let (outcome, _) = grant_with(404, Some(json!({ "message": "Not Found" }))).await;
    assert!(
        matches!(outcome, GrantOutcome::UnknownUser(m) if m.contains("octocat") && m.contains("acme/widget"))
    );

    let (outcome, _) = grant_with(403, Some(json!({ "message": "Must have admin rights" }))).await;
    assert_eq!(
        outcome,
        GrantOutcome::NotPermitted("Must have admin rights".to_owned())
    );

    let (outcome, _) = grant_with(
        422,
        Some(json!({ "message": "Validation Failed", "errors": [] })),
    )
    .await;
    assert_eq!(
        outcome,
        GrantOutcome::NotPermitted("Validation Failed".to_owned())
    );

    let (outcome, server) = grant_with(502, None).await;
    assert!(matches!(outcome, GrantOutcome::TransientFailure(m) if m.contains("502")));
    assert_eq!(requests(&server).await, 3, "retried up to max_attempts");
}

#[tokio::test]
async fn fetch_file_sends_raw_accept_and_if_none_match() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widget/contents/docs/innersource.json"))
        .and(header("accept", "application/vnd.github.raw+json"))
        .and(header("if-none-match", "\"abc\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widget/contents/docs/innersource.json"))
        .and(header("accept", "application/vnd.github.raw+json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"abc\"")
                .set_body_string("{\"title\":\"Widget\"}"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widget/readme"))
        .and(header("accept", "application/vnd.github.raw+json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("# Widget\n"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widget/contents/CONTRIBUTING.md"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "message": "Not Found" })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let fresh = client
        .fetch_file("acme/widget", "docs/innersource.json", None)
        .await
        .unwrap();
    let again = client
        .fetch_file("acme/widget", "docs/innersource.json", Some("\"abc\""))
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
            etag: Some("\"abc\"".to_owned()),
        }
    );
    assert_eq!(again, FileFetch::NotModified);
    assert!(matches!(readme, FileFetch::Changed { content, .. } if content == "# Widget\n"));
    assert_eq!(missing, FileFetch::Missing);
    assert_eq!(client.stats().not_modified, 1);
}

#[tokio::test]
async fn token_never_appears_in_errors_or_debug() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORG_REPOS))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({ "message": "Bad credentials" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let github_config = config(server.uri());
    assert!(!format!("{github_config:?}").contains(TOKEN));
    let client = GithubClient::new(github_config).unwrap();

    let unauthorized = client.list_repositories(None).await.unwrap_err();
    let server_error = client.fetch_repository("acme/broken").await.unwrap_err();
    // Nothing listens on port 1: the connection is refused.
    let offline = GithubClient::new(config("http://127.0.0.1:1".to_owned())).unwrap();
    let unreachable = offline.fetch_repository("acme/gone").await.unwrap_err();

    assert!(matches!(unauthorized, ForgeError::Unauthorized { .. }));
    assert!(matches!(server_error, ForgeError::Http { status: 500, .. }));
    assert!(matches!(unreachable, ForgeError::Transport { .. }));
    for error in [&unauthorized, &server_error, &unreachable] {
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains(TOKEN), "{text}");
            assert!(
                text.starts_with("github") || text.contains("\"github\""),
                "{text}"
            );
        }
    }
    assert!(!format!("{client:?}").contains(TOKEN));
}

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

fn blob(oid: &str, text: &str) -> Value {
    json!({ "oid": oid, "byteSize": text.len(), "isBinary": false, "isTruncated": false, "text": text })
}

/// Answers the file query as GitHub does: each aliased `object(expression: "HEAD:path")` is the
/// blob held at that path, or `null`.
fn graphql_files(files: Vec<(&'static str, Value)>) -> impl Fn(&Request) -> ResponseTemplate {
    move |request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let query = body["query"].as_str().unwrap();
        let mut repository = serde_json::Map::new();
        for (alias, variable) in aliased_objects(query) {
            let expression = body["variables"][variable.as_str()].as_str().unwrap();
            let path = expression.strip_prefix("HEAD:").unwrap();
            let found = files
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, b)| b.clone());
            repository.insert(alias, found.unwrap_or(Value::Null));
        }
        ResponseTemplate::new(200).set_body_json(json!({ "data": { "repository": repository } }))
    }
}

const WANTED: [&[&str]; 4] = [
    &[README_PATH],
    &["CONTRIBUTING.md", ".github/CONTRIBUTING.md"],
    &["CODE_OF_CONDUCT.md"],
    &[".github/CODEOWNERS", "CODEOWNERS"],
];

fn found(path: &str, fetch: FileFetch) -> Option<FoundFile> {
    Some(FoundFile {
        path: path.to_owned(),
        fetch,
    })
}

#[tokio::test]
async fn files_are_read_in_one_graphql_request_on_enterprise_server_with_blob_ids_as_etags() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(graphql_files(vec![
            (".github/README.md", blob("aaa1", "# Widget\n")),
            ("README.md", blob("aaa2", "# The other README\n")),
            (".github/CONTRIBUTING.md", blob("bbb", "Send patches.\n")),
            ("CODEOWNERS", blob("ccc", "* @acme/widgets\n")),
            // A directory: the Blob fragment selects nothing from it.
            ("CODE_OF_CONDUCT.md", json!({})),
        ]))
        .expect(1)
        .mount(&server)
        .await;
    let client = GithubClient::new(config(format!("{}/api/v3", server.uri()))).unwrap();
    let etags = [("CODEOWNERS".to_owned(), "ccc".to_owned())].into();

    let answers = client
        .fetch_files("acme/widget", &WANTED, &etags)
        .await
        .unwrap();

    let answers: Vec<Option<FoundFile>> = answers.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        answers,
        [
            found(
                ".github/README.md",
                FileFetch::Changed {
                    content: "# Widget\n".into(),
                    etag: Some("aaa1".into())
                }
            ),
            found(
                ".github/CONTRIBUTING.md",
                FileFetch::Changed {
                    content: "Send patches.\n".into(),
                    etag: Some("bbb".into())
                }
            ),
            None,
            found("CODEOWNERS", FileFetch::NotModified),
        ]
    );
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "one request for every file");
    let body: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(body["variables"]["owner"], "acme");
    assert_eq!(body["variables"]["name"], "widget");
    assert!(!body["query"].as_str().unwrap().contains("widget"));
    assert_eq!(client.stats().requests, 1);
}

#[tokio::test]
async fn binary_blobs_are_errors_and_truncated_ones_are_read_whole_over_rest() {
    let server = MockServer::start().await;
    let whole = format!(
        "{{\"title\": \"Widget\", \"motivation\": \"{}\"}}",
        "x".repeat(600)
    );
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(graphql_files(vec![
            (
                "README.md",
                json!({ "oid": "bin", "byteSize": 2048, "isBinary": true, "isTruncated": false, "text": null }),
            ),
            (
                "innersource.json",
                json!({ "oid": "big", "byteSize": whole.len(), "isBinary": false, "isTruncated": true, "text": &whole[..100] }),
            ),
        ]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/widget/contents/innersource.json"))
        .and(header("accept", "application/vnd.github.raw+json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"rest-etag\"")
                .set_body_string(whole.clone()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let mut answers = client
        .fetch_files(
            "acme/widget",
            &[&[README_PATH], &["innersource.json"]],
            &Default::default(),
        )
        .await
        .unwrap()
        .into_iter();

    let readme = answers.next().unwrap().unwrap_err();
    assert!(matches!(readme, ForgeError::Malformed { .. }), "{readme:?}");
    assert!(readme.to_string().contains("binary"), "{readme}");
    assert!(readme.to_string().contains("README.md"), "{readme}");
    assert_eq!(
        answers.next().unwrap().unwrap(),
        found(
            "innersource.json",
            FileFetch::Changed {
                content: whole,
                etag: Some("big".into())
            }
        ),
        "the whole text, under the blob id"
    );
}

#[tokio::test]
async fn graphql_not_found_means_no_files_and_other_errors_name_the_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(
            json!({ "variables": { "name": "gone" } }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": { "repository": null },
            "errors": [{
                "type": "NOT_FOUND", "path": ["repository"],
                "locations": [{ "line": 2, "column": 3 }],
                "message": "Could not resolve to a Repository with the name 'acme/gone'."
            }]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({ "variables": { "name": "odd" } })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{
                "message": "Something went wrong while executing your query. Please include `0400:1A:2B` when reporting this issue."
            }]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(
            json!({ "variables": { "name": "saml" } }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": { "repository": null },
            "errors": [{
                "type": "FORBIDDEN", "path": ["repository"],
                "message": "Resource protected by organization SAML enforcement."
            }]
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let none = Default::default();

    let gone = client
        .fetch_files("acme/gone", &WANTED, &none)
        .await
        .unwrap();
    let odd = client
        .fetch_files("acme/odd", &WANTED, &none)
        .await
        .unwrap_err();
    let saml = client
        .fetch_files("acme/saml", &WANTED, &none)
        .await
        .unwrap_err();

    assert_eq!(gone.len(), 4);
    assert!(gone.into_iter().all(|a| matches!(a, Ok(None))));
    assert!(matches!(odd, ForgeError::Unreadable { .. }), "{odd:?}");
    let text = odd.to_string();
    assert!(
        text.starts_with("github: cannot read POST /graphql"),
        "{text}"
    );
    assert!(
        text.contains("0400:1A:2B") && text.contains("acme/odd"),
        "{text}"
    );
    assert!(
        matches!(&saml, ForgeError::Forbidden { message, .. } if message.contains("SAML")),
        "{saml:?}"
    );
    assert_eq!(requests(&server).await, 3, "no REST fallback for these");
}

#[tokio::test]
async fn a_rate_limited_graphql_request_waits_for_the_reset_and_is_retried() {
    let server = MockServer::start().await;
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-limit", "5000")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-used", "5000")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .insert_header("x-ratelimit-resource", "graphql")
                .set_body_json(json!({
                    "message": "API rate limit exceeded for user ID 1.",
                    "documentation_url": "https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api"
                })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(graphql_files(vec![("README.md", blob("r1", "# Widget\n"))]))
        .mount(&server)
        .await;
    let client = client(&server);

    let answers = client
        .fetch_files("acme/widget", &[&[README_PATH]], &Default::default())
        .await
        .unwrap();

    assert_eq!(
        answers.into_iter().next().unwrap().unwrap(),
        found(
            "README.md",
            FileFetch::Changed {
                content: "# Widget\n".into(),
                etag: Some("r1".into())
            }
        )
    );
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.rate_limited, stats.rate_limit_waits),
        (2, 1, 1)
    );
}

#[tokio::test]
async fn files_are_read_over_rest_when_graphql_is_absent_or_its_budget_is_spent() {
    async fn rest_files(server: &MockServer) {
        Mock::given(method("GET"))
            .and(path("/repos/acme/widget/readme"))
            .and(header("accept", "application/vnd.github.raw+json"))
            .respond_with(ResponseTemplate::new(200).set_body_string("# Widget\n"))
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repos/acme/widget/contents/CONTRIBUTING.md"))
            .respond_with(ResponseTemplate::new(200).set_body_string("Send patches.\n"))
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex_contents())
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json!({ "message": "Not Found" })),
            )
            .with_priority(5)
            .mount(server)
            .await;
    }
    let expected_readme = found(
        README_PATH,
        FileFetch::Changed {
            content: "# Widget\n".into(),
            etag: None,
        },
    );

    // No GraphQL endpoint (404): REST, and GraphQL is not asked again.
    let absent = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "message": "Not Found" })))
        .expect(1)
        .mount(&absent)
        .await;
    rest_files(&absent).await;
    let github = client(&absent);
    for _ in 0..2 {
        let answers: Vec<_> = github
            .fetch_files("acme/widget", &WANTED, &Default::default())
            .await
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(answers[0], expected_readme);
        assert_eq!(answers[1].as_ref().unwrap().path, "CONTRIBUTING.md");
        assert_eq!(answers[2], None);
        assert_eq!(answers[3], None);
    }
    // 1 GraphQL, then twice: README, CONTRIBUTING, CODE_OF_CONDUCT, 2 CODEOWNERS paths.
    assert_eq!(requests(&absent).await, 11);

    // GraphQL's own budget spent (200 with RATE_LIMITED): REST until the reset.
    let spent = MockServer::start().await;
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({
                    "errors": [{
                        "type": "RATE_LIMITED", "code": "graphql_rate_limit",
                        "message": "API rate limit already exceeded for user ID 1."
                    }]
                })),
        )
        .expect(1)
        .mount(&spent)
        .await;
    rest_files(&spent).await;
    let github = client(&spent);
    for _ in 0..2 {
        let answers = github
            .fetch_files("acme/widget", &WANTED, &Default::default())
            .await
            .unwrap();
        assert_eq!(
            answers.into_iter().next().unwrap().unwrap(),
            expected_readme
        );
    }
    assert_eq!(requests(&spent).await, 11);
}

fn path_regex_contents() -> wiremock::matchers::PathRegexMatcher {
    wiremock::matchers::path_regex(r"^/repos/acme/widget/contents/.*$")
}
