//! The Bitbucket Data Center client against wiremock servers answering as REST 1.0 documents:
//! `nextPageStart` / `isLastPage` paging, the bearer token, repository mapping, `since` ignored,
//! retries, 429 + `Retry-After`, malformed and failing pages, raw files and `REPO_READ` grants.
//! Each test checks the result and the requests made.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use agora_forge::{
    BitbucketClient, BitbucketConfig, FetchedRepository, FileFetch, Forge, ForgeError,
    GrantOutcome, HttpLimits, README_PATH, RemoteVisibility,
};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "BBDC-SuperSecretToken1234567890";
const PROJECT_REPOS: &str = "/rest/api/1.0/projects/PLAT/repos";

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
    format!("{}/rest/api/1.0", server.uri())
}

fn client(server: &MockServer) -> BitbucketClient {
    BitbucketClient::new(
        BitbucketConfig::project(api(server), "PLAT", SecretString::from(TOKEN.to_owned()))
            .with_limits(limits()),
    )
    .unwrap()
}

fn repo(id: u64, slug: &str, public: bool) -> Value {
    json!({
        "slug": slug,
        "id": id,
        "name": slug.to_uppercase(),
        "description": format!("The {slug} service"),
        "hierarchyId": "e3c939f9ef4a7fae272e",
        "scmId": "git",
        "state": "AVAILABLE",
        "statusMessage": "Available",
        "forkable": true,
        "project": {
            "key": "PLAT", "id": 1, "name": "Platform", "public": false, "type": "NORMAL",
            "links": { "self": [{ "href": "https://bitbucket.example.com/projects/PLAT" }] }
        },
        "public": public,
        "archived": false,
        "links": {
            "clone": [{ "href": format!("ssh://git@bitbucket.example.com:7999/plat/{slug}.git"), "name": "ssh" }],
            "self": [{ "href": format!("https://bitbucket.example.com/projects/PLAT/repos/{slug}/browse") }]
        }
    })
}

fn page(values: Value, start: u64, next: Option<u64>) -> Value {
    let size = values.as_array().map_or(0, Vec::len);
    let mut page = json!({
        "size": size, "limit": 100, "isLastPage": next.is_none(), "start": start, "values": values
    });
    if let Some(next) = next {
        page["nextPageStart"] = json!(next);
    }
    page
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

async fn mount_start(server: &MockServer, start: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(PROJECT_REPOS))
        .and(query_param("start", start))
        .respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn listing_follows_next_page_start_until_is_last_page_over_three_pages() {
    let server = MockServer::start().await;
    mount_start(
        &server,
        "0",
        ok(page(
            json!([repo(1, "one", false), repo(2, "two", false)]),
            0,
            Some(2),
        )),
        1,
    )
    .await;
    mount_start(
        &server,
        "2",
        ok(page(json!([repo(3, "three", false)]), 2, Some(3))),
        1,
    )
    .await;
    mount_start(
        &server,
        "3",
        ok(page(json!([repo(4, "four", false)]), 3, None)),
        1,
    )
    .await;
    let client = client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert!(listing.complete && listing.authoritative_for_deletions());
    let names: Vec<_> = listing
        .repositories
        .iter()
        .map(|r| r.full_name.as_str())
        .collect();
    assert_eq!(names, ["PLAT/one", "PLAT/two", "PLAT/three", "PLAT/four"]);
    assert_eq!(requests(&server).await, 3);
    let first = server.received_requests().await.unwrap().remove(0);
    assert!(first.url.query().unwrap().contains("limit=100"));
}

#[tokio::test]
async fn all_visible_scope_lists_slash_repos_with_the_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/1.0/repos"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ok(page(json!([repo(1, "one", true)]), 0, None)))
        .expect(1)
        .mount(&server)
        .await;
    let client = BitbucketClient::new(
        BitbucketConfig::all_visible(api(&server), SecretString::from(TOKEN.to_owned()))
            .with_limits(limits()),
    )
    .unwrap();

    let listing = client.list_repositories(None).await.unwrap();

    assert_eq!(listing.repositories.len(), 1);
}

#[tokio::test]
async fn repositories_map_with_visibility_and_no_counters_or_dates() {
    let server = MockServer::start().await;
    let mut fork = repo(3, "fork", false);
    fork["origin"] = repo(1, "public-one", true);
    fork["archived"] = json!(true);
    mount_start(
        &server,
        "0",
        ok(page(
            json!([
                repo(1, "public-one", true),
                repo(2, "private-one", false),
                fork
            ]),
            0,
            None,
        )),
        1,
    )
    .await;

    let listing = client(&server).list_repositories(None).await.unwrap();
    let [public, private, fork] = listing.repositories.as_slice() else {
        panic!("expected three, got {:?}", listing.repositories);
    };

    assert_eq!(public.external_id, "1");
    assert_eq!(
        (public.owner.as_str(), public.name.as_str()),
        ("PLAT", "public-one")
    );
    assert_eq!(public.full_name, "PLAT/public-one");
    assert_eq!(
        public.description.as_deref(),
        Some("The public-one service")
    );
    assert_eq!(
        public.html_url,
        "https://bitbucket.example.com/projects/PLAT/repos/public-one/browse"
    );
    assert_eq!(public.visibility, Some(RemoteVisibility::Public));
    assert_eq!(
        private.visibility,
        Some(RemoteVisibility::Private),
        "no internal on Data Center"
    );
    assert!(fork.fork && fork.archived);
    assert!(!public.fork && !public.archived);
    assert!(public.topics.is_empty() && public.default_branch.is_none());
    assert_eq!((public.stars, public.forks, public.open_issues), (0, 0, 0));
    assert!(public.created_at.is_none() && public.pushed_at.is_none());
}

#[tokio::test]
async fn since_is_ignored_and_the_listing_is_full() {
    let server = MockServer::start().await;
    mount_start(
        &server,
        "0",
        ok(page(json!([repo(1, "one", false)]), 0, None)),
        1,
    )
    .await;
    let since: DateTime<Utc> = "2030-01-01T00:00:00Z".parse().unwrap();

    let listing = client(&server)
        .list_repositories(Some(since))
        .await
        .unwrap();

    assert!(listing.complete);
    assert_eq!(
        listing.repositories.len(),
        1,
        "no dates: nothing can be left out"
    );
    let request = server.received_requests().await.unwrap().remove(0);
    assert!(!request.url.query().unwrap().contains("2030"));
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PROJECT_REPOS))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    mount_start(
        &server,
        "0",
        ok(page(json!([repo(1, "one", false)]), 0, None)),
        1,
    )
    .await;
    let client = client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert_eq!(listing.repositories.len(), 1);
    assert_eq!((client.stats().requests, client.stats().retries), (3, 2));
}

#[tokio::test]
async fn rate_limit_429_with_retry_after_waits_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PROJECT_REPOS))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .insert_header("x-ratelimit-limit", "60")
                .set_body_json(json!({ "errors": [{ "message": "Rate limit exceeded", "exceptionName": null }] })),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_start(&server, "0", ok(page(json!([]), 0, None)), 1).await;
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
        .and(path(PROJECT_REPOS))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({ "errors": [{
            "context": null,
            "message": "You are not permitted to access this resource",
            "exceptionName": "com.atlassian.bitbucket.AuthorisationException"
        }] })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let error = client.list_repositories(None).await.unwrap_err();

    assert!(
        matches!(&error, ForgeError::Forbidden { message, .. } if message.contains("not permitted")),
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
    mount_start(
        &server,
        "0",
        ok(page(json!([repo(1, "one", false)]), 0, Some(1))),
        1,
    )
    .await;
    mount_start(&server, "1", ok(json!({ "values": [] })), 1).await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(!listing.complete);
    assert_eq!(listing.repositories.len(), 1);
    let text = listing.error.unwrap().to_string();
    assert!(
        text.starts_with("bitbucket: malformed GET /rest/api/1.0/projects/PLAT/repos?"),
        "{text}"
    );
    assert!(text.contains("start=1"), "{text}");
}

#[tokio::test]
async fn empty_listing_is_complete_with_zero_repositories() {
    let server = MockServer::start().await;
    mount_start(&server, "0", ok(page(json!([]), 0, None)), 1).await;

    let listing = client(&server).list_repositories(None).await.unwrap();

    assert!(listing.complete && listing.repositories.is_empty() && listing.error.is_none());
}

#[tokio::test]
async fn second_page_failing_after_retries_keeps_the_first_page_and_is_incomplete() {
    let server = MockServer::start().await;
    mount_start(
        &server,
        "0",
        ok(page(json!([repo(1, "one", false)]), 0, Some(1))),
        1,
    )
    .await;
    mount_start(&server, "1", ResponseTemplate::new(500), 3).await;
    let client = client(&server);

    let listing = client.list_repositories(None).await.unwrap();

    assert!(!listing.complete && !listing.authoritative_for_deletions());
    assert_eq!(listing.repositories.len(), 1);
    assert!(matches!(
        listing.error,
        Some(ForgeError::Http { status: 500, .. })
    ));
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test]
async fn fetch_repository_found_and_404_is_gone() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/1.0/projects/PLAT/repos/here"))
        .respond_with(ok(repo(5, "here", false)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/1.0/projects/PLAT/repos/renamed"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({ "errors": [{
            "message": "Repository PLAT/renamed does not exist.",
            "exceptionName": "com.atlassian.bitbucket.repository.NoSuchRepositoryException"
        }] })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    assert!(
        matches!(client.fetch_repository("PLAT/here").await.unwrap(), FetchedRepository::Found(r) if r.external_id == "5")
    );
    assert_eq!(
        client.fetch_repository("PLAT/renamed").await.unwrap(),
        FetchedRepository::Gone
    );
    assert!(matches!(
        client.fetch_repository("PLAT").await,
        Err(ForgeError::InvalidInput { .. })
    ));
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn fetch_file_reads_raw_files_without_at_and_honours_etags() {
    let server = MockServer::start().await;
    let raw = "/rest/api/1.0/projects/PLAT/repos/widget/raw/docs/innersource.json";
    Mock::given(method("GET"))
        .and(path(raw))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(raw))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .set_body_string("{}"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/rest/api/1.0/projects/PLAT/repos/widget/raw/README.md",
        ))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({ "errors": [{
            "message": "The path \"README.md\" does not exist at revision \"refs/heads/main\"",
            "exceptionName": "com.atlassian.bitbucket.content.NoSuchPathException"
        }] })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/1.0/projects/PLAT/repos/widget/raw/README"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);

    let fresh = client
        .fetch_file("PLAT/widget", "docs/innersource.json", None)
        .await
        .unwrap();
    let again = client
        .fetch_file("PLAT/widget", "docs/innersource.json", Some("\"v1\""))
        .await
        .unwrap();
    let readme = client
        .fetch_file("PLAT/widget", README_PATH, None)
        .await
        .unwrap();

    assert_eq!(
        fresh,
        FileFetch::Changed {
            content: "{}".to_owned(),
            etag: Some("\"v1\"".to_owned())
        }
    );
    assert_eq!(again, FileFetch::NotModified);
    assert_eq!(readme, FileFetch::Missing, "neither README name exists");
    for request in server.received_requests().await.unwrap() {
        assert!(request.url.query().is_none(), "no `at`: the default branch");
    }
}

const PERMISSIONS: &str = "/rest/api/1.0/projects/PLAT/repos/widget/permissions/users";

async fn grant_with(
    existing: Value,
    status: u16,
    body: Option<Value>,
) -> (GrantOutcome, MockServer) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PERMISSIONS))
        .and(query_param("filter", "jdoe"))
        .respond_with(ok(page(existing, 0, None)))
        .expect(1)
        .mount(&server)
        .await;
    let mut response = ResponseTemplate::new(status);
    if let Some(body) = body {
        response = response.set_body_json(body);
    }
    Mock::given(method("PUT"))
        .and(path(PERMISSIONS))
        .and(query_param("name", "jdoe"))
        .and(query_param("permission", "REPO_READ"))
        .respond_with(response)
        .mount(&server)
        .await;
    let outcome = client(&server)
        .grant_read("PLAT/widget", "jdoe")
        .await
        .unwrap();
    (outcome, server)
}

fn bitbucket_error(message: &str, exception: &str) -> Option<Value> {
    Some(json!({ "errors": [{ "context": null, "message": message, "exceptionName": exception }] }))
}

#[tokio::test]
async fn grant_read_puts_repo_read_and_maps_each_answer() {
    // `filter` matches substrings: "jdoe2" holding access does not count.
    let other =
        json!([{ "user": { "name": "jdoe2", "slug": "jdoe2" }, "permission": "REPO_WRITE" }]);
    let (outcome, server) = grant_with(other.clone(), 204, None).await;
    assert_eq!(outcome, GrantOutcome::Granted);
    assert_eq!(requests(&server).await, 2, "one lookup, one PUT");

    let (outcome, _) = grant_with(
        json!([]),
        404,
        bitbucket_error(
            "No such user jdoe",
            "com.atlassian.bitbucket.user.NoSuchUserException",
        ),
    )
    .await;
    assert!(matches!(outcome, GrantOutcome::UnknownUser(m) if m.contains("jdoe")));

    let (outcome, _) = grant_with(
        json!([]),
        401,
        bitbucket_error(
            "You are not permitted to access this resource",
            "com.atlassian.bitbucket.AuthorisationException",
        ),
    )
    .await;
    assert_eq!(
        outcome,
        GrantOutcome::NotPermitted("You are not permitted to access this resource".to_owned())
    );

    let (outcome, _) = grant_with(
        json!([]),
        403,
        bitbucket_error("Forbidden", "x.AuthorisationException"),
    )
    .await;
    assert_eq!(outcome, GrantOutcome::NotPermitted("Forbidden".to_owned()));

    let (outcome, server) = grant_with(json!([]), 500, None).await;
    assert!(matches!(outcome, GrantOutcome::TransientFailure(m) if m.contains("500")));
    assert_eq!(
        requests(&server).await,
        4,
        "the PUT retried up to max_attempts"
    );
}

#[tokio::test]
async fn grant_read_to_a_user_with_write_does_not_demote_them() {
    let existing =
        json!([{ "user": { "name": "JDoe", "slug": "jdoe" }, "permission": "REPO_WRITE" }]);
    let (outcome, server) = grant_with(existing, 204, None).await;

    assert_eq!(outcome, GrantOutcome::AlreadyHadAccess);
    assert_eq!(requests(&server).await, 1, "no PUT");
}

#[tokio::test]
async fn grant_read_with_a_rejected_token_is_an_error() {
    let (result, _) = {
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .and(path(PERMISSIONS))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "errors": [{
                "message": "Authentication failed. Please check your credentials and try again.",
                "exceptionName": "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"
            }] })))
            .mount(&server)
            .await;
        (
            client(&server).grant_read("PLAT/widget", "jdoe").await,
            server,
        )
    };

    assert!(
        matches!(result, Err(ForgeError::Unauthorized { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn token_never_appears_in_errors_or_debug() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PROJECT_REPOS))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/1.0/projects/PLAT/repos/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let config =
        BitbucketConfig::project(api(&server), "PLAT", SecretString::from(TOKEN.to_owned()))
            .with_limits(limits());
    assert!(!format!("{config:?}").contains(TOKEN));
    let client = BitbucketClient::new(config).unwrap();

    let unauthorized = client.list_repositories(None).await.unwrap_err();
    let server_error = client.fetch_repository("PLAT/broken").await.unwrap_err();

    assert!(matches!(unauthorized, ForgeError::Unauthorized { .. }));
    assert!(matches!(server_error, ForgeError::Http { status: 500, .. }));
    for error in [&unauthorized, &server_error] {
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains(TOKEN), "{text}");
            assert!(text.contains("bitbucket"), "{text}");
        }
    }
    assert!(!format!("{client:?}").contains(TOKEN));
}
