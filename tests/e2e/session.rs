//! Web sessions in `local` mode: a pasted Agora token becomes an HttpOnly, SameSite=Lax session
//! cookie; writes under that cookie need the CSRF token; bearer calls do not; logout clears it.

use actix_web::dev::Service;
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use agora_catalog::model::Role;
use agora_catalog::testing::TestDatabase;
use serde_json::Value;

use crate::app::{SECRET, TestApp};
use crate::e2e_test;

/// A whole response: status, every `Set-Cookie`, the body.
pub struct Full {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub content_type: String,
    pub body: String,
}

impl Full {
    /// The `Set-Cookie` line for `name`.
    pub fn cookie_line(&self, name: &str) -> &str {
        self.set_cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no Set-Cookie for {name}: {:?}", self.set_cookies))
    }

    /// The value `name` is set to.
    pub fn cookie(&self, name: &str) -> String {
        let line = self.cookie_line(name);
        line[name.len() + 1..].split(';').next().unwrap().to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn assert_problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.body
        );
        self.json()
    }
}

pub async fn send(app: &TestApp, request: TestRequest) -> Full {
    let service = test::init_service(agora_api::app(app.state())).await;
    let response = service.call(request.to_request()).await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let status = response.status();
    let location = header("location");
    let content_type = header("content-type").unwrap_or_default();
    let set_cookies = response
        .headers()
        .get_all("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap_or_default();
    Full {
        status,
        location,
        set_cookies,
        content_type,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// The session and CSRF cookies a browser would hold after `POST /login` with `token`.
pub struct Browser {
    pub session: String,
    pub csrf: String,
}

impl Browser {
    pub fn request(&self, method: Method, uri: &str) -> TestRequest {
        TestRequest::default()
            .method(method)
            .uri(uri)
            .insert_header((
                "cookie",
                format!("agora_session={}; agora_csrf={}", self.session, self.csrf),
            ))
    }
}

async fn log_in(app: &TestApp, token: &str) -> (Full, Browser) {
    let reply = send(
        app,
        TestRequest::post()
            .uri("/login")
            .set_form([("token", token)]),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let browser = Browser {
        session: reply.cookie("agora_session"),
        csrf: reply.cookie("agora_csrf"),
    };
    (reply, browser)
}

async fn local_login_sets_an_http_only_lax_session_cookie(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let page = send(&app, TestRequest::get().uri("/login")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"token\""), "{}", page.body);

    let token = app.token("ana", Some("payments"), Role::Employee);
    let (reply, browser) = log_in(&app, &token).await;
    assert_eq!(reply.location.as_deref(), Some("/"));
    let session = reply.cookie_line("agora_session");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(
            session.contains(attribute),
            "{attribute} missing: {session}"
        );
    }
    // Plain http and no public URL: not Secure (the browser would drop it on http).
    assert!(!session.contains("Secure"), "{session}");
    // The CSRF cookie is for scripts to read: not HttpOnly.
    let csrf = reply.cookie_line("agora_csrf");
    assert!(
        !csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"),
        "{csrf}"
    );
    // The session is not the pasted token.
    assert_ne!(browser.session, token);

    let stars = send(&app, browser.request(Method::GET, "/api/v1/me/stars")).await;
    assert_eq!(stars.status, 200, "{}", stars.body);
}
e2e_test!(local_login_sets_an_http_only_lax_session_cookie);

async fn session_cookie_is_secure_behind_https(db: TestDatabase) {
    let app = TestApp::empty(db);
    let token = app.token("ana", None, Role::Employee);
    let over_proxy = send(
        &app,
        TestRequest::post()
            .uri("/login")
            .insert_header(("x-forwarded-proto", "https"))
            .set_form([("token", token.as_str())]),
    )
    .await;
    assert!(over_proxy.cookie_line("agora_session").contains("; Secure"));

    let public = agora_api::identity::parse_public_url("https://agora.example.com").unwrap();
    let app = app.with_identity(agora_api::Identity::local(SECRET, Some(public)).unwrap());
    let direct = send(
        &app,
        TestRequest::post()
            .uri("/login")
            .set_form([("token", token.as_str())]),
    )
    .await;
    assert!(direct.cookie_line("agora_session").contains("; Secure"));
    assert!(direct.cookie_line("agora_csrf").contains("; Secure"));
}
e2e_test!(session_cookie_is_secure_behind_https);

async fn a_refused_token_on_the_login_form_sets_no_cookie(db: TestDatabase) {
    let app = TestApp::empty(db);
    let other = agora_api::TokenKeys::from_secret(b"another-instance-secret-that-is-long-enough")
        .unwrap()
        .issue(
            &agora_api::TokenSubject {
                subject: "mallory".into(),
                name: None,
                email: None,
                department: None,
                role: Role::Admin,
            },
            chrono::Duration::hours(1),
        )
        .unwrap();
    for token in ["not-a-token", other.as_str()] {
        let reply = send(
            &app,
            TestRequest::post()
                .uri("/login")
                .set_form([("token", token)]),
        )
        .await;
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert!(reply.set_cookies.is_empty(), "{:?}", reply.set_cookies);
        assert!(reply.body.contains("refused"), "{}", reply.body);
    }
    // A login form posted from another site is refused before the token is looked at.
    let token = app.token("ana", None, Role::Employee);
    let reply = send(
        &app,
        TestRequest::post()
            .uri("/login")
            .insert_header(("origin", "https://evil.example"))
            .set_form([("token", token.as_str())]),
    )
    .await;
    reply.assert_problem(403);
    assert!(reply.set_cookies.is_empty());
}
e2e_test!(a_refused_token_on_the_login_form_sets_no_cookie);

async fn cookie_authenticated_writes_need_the_csrf_token(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let id = app.project_id("finance/abacus-ledger").await;
    let uri = format!("/api/v1/projects/{id}/star");
    let token = app.token("ana", Some("finance"), Role::Employee);
    let (_, browser) = log_in(&app, &token).await;

    // No CSRF header: refused, and nothing was starred.
    let reply = send(&app, browser.request(Method::PUT, &uri)).await;
    let problem = reply.assert_problem(403);
    assert_eq!(problem["code"], "forbidden");
    assert!(problem["detail"].as_str().unwrap().contains("X-CSRF-Token"));
    let mine = send(&app, browser.request(Method::GET, "/api/v1/me/stars")).await;
    assert_eq!(
        mine.json()["stars"].as_array().map(Vec::len),
        Some(0),
        "{}",
        mine.body
    );

    // A token that is not this session's (here: another session's) is refused too.
    let (_, other) = log_in(&app, &token).await;
    let reply = send(
        &app,
        browser
            .request(Method::PUT, &uri)
            .insert_header(("x-csrf-token", other.csrf.as_str())),
    )
    .await;
    reply.assert_problem(403);

    // The right token but a foreign Origin: refused.
    let reply = send(
        &app,
        browser
            .request(Method::PUT, &uri)
            .insert_header(("x-csrf-token", browser.csrf.as_str()))
            .insert_header(("origin", "https://evil.example")),
    )
    .await;
    reply.assert_problem(403);
    let reply = send(
        &app,
        browser
            .request(Method::DELETE, &uri)
            .insert_header(("x-csrf-token", browser.csrf.as_str()))
            .insert_header(("referer", "https://evil.example/page")),
    )
    .await;
    reply.assert_problem(403);

    // The header with the cookie's value, from Agora's own origin: accepted.
    let reply = send(
        &app,
        browser
            .request(Method::PUT, &uri)
            .insert_header(("x-csrf-token", browser.csrf.as_str()))
            .insert_header(("origin", "http://localhost:8080")),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["starred"], true);

    // Bearer calls carry no ambient credential: no CSRF token needed.
    let reply = app
        .call(
            TestRequest::delete()
                .uri(&uri)
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["starred"], false);
}
e2e_test!(cookie_authenticated_writes_need_the_csrf_token);

async fn sessions_and_api_tokens_are_not_interchangeable(db: TestDatabase) {
    let app = TestApp::empty(db);
    let token = app.token("ana", None, Role::Employee);
    let (_, browser) = log_in(&app, &token).await;
    // The session JWT is not an API token ...
    let reply = app.get("/api/v1/me/stars", Some(&browser.session)).await;
    reply.problem(401);
    // ... and an API token in the session cookie is no session.
    let reply = send(
        &app,
        TestRequest::get()
            .uri("/api/v1/me/stars")
            .insert_header(("cookie", format!("agora_session={token}"))),
    )
    .await;
    reply.assert_problem(401);
}
e2e_test!(sessions_and_api_tokens_are_not_interchangeable);

async fn logout_clears_the_session_cookie(db: TestDatabase) {
    let app = TestApp::empty(db);
    let token = app.token("ana", None, Role::Employee);
    let (_, browser) = log_in(&app, &token).await;

    // Logging out is a write: without the CSRF token, a foreign page cannot do it.
    let reply = send(&app, browser.request(Method::POST, "/logout")).await;
    reply.assert_problem(403);

    // The login page's logout form carries the token in a hidden field.
    let page = send(&app, browser.request(Method::GET, "/login")).await;
    assert!(page.body.contains(&browser.csrf), "{}", page.body);
    let reply = send(
        &app,
        browser
            .request(Method::POST, "/logout")
            .set_form([("csrf_token", browser.csrf.as_str())]),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let cleared = reply.cookie_line("agora_session");
    assert!(
        cleared.starts_with("agora_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert!(reply.cookie_line("agora_csrf").contains("Max-Age=0"));
}
e2e_test!(logout_clears_the_session_cookie);

async fn any_cookie_authenticated_form_post_accepts_the_csrf_form_field(db: TestDatabase) {
    let app = TestApp::with_demo(db).await;
    let id = app.project_id("finance/abacus-ledger").await;
    let star = format!("/api/v1/projects/{id}/star");
    let admin_token = app.token("root", None, Role::Admin);
    let (_, admin) = log_in(&app, &admin_token).await;

    // A plain HTML form cannot set a header: the token comes as the `csrf_token` field.
    let reply = send(
        &app,
        admin
            .request(Method::PUT, &star)
            .set_form([("csrf_token", admin.csrf.as_str())]),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["starred"], true);

    // A form that carries someone else's token, or none, or comes from another site: refused.
    let (_, other) = log_in(&app, &admin_token).await;
    let refused = [
        admin
            .request(Method::DELETE, &star)
            .set_form([("csrf_token", other.csrf.as_str())]),
        admin
            .request(Method::DELETE, &star)
            .set_form([("comment", "no token here")]),
        admin
            .request(Method::DELETE, &star)
            .insert_header(("origin", "https://evil.example"))
            .set_form([("csrf_token", admin.csrf.as_str())]),
    ];
    for request in refused {
        send(&app, request).await.assert_problem(403);
    }
    let mine = send(&app, admin.request(Method::GET, "/api/v1/me/stars")).await;
    assert_eq!(mine.json()["stars"].as_array().map(Vec::len), Some(1));

    // The same on a POST action of the admin API.
    let ana = app.token("ana", None, Role::Employee);
    assert_eq!(app.get("/api/v1/me/stars", Some(&ana)).await.status, 200);
    let users = app
        .get("/api/v1/admin/users?q=ana", Some(&admin_token))
        .await
        .json();
    let ana_id = users["users"][0]["id"].as_i64().unwrap();
    let deactivate = format!("/api/v1/admin/users/{ana_id}/deactivate");
    send(
        &app,
        admin
            .request(Method::POST, &deactivate)
            .set_form([("csrf_token", "forged")]),
    )
    .await
    .assert_problem(403);
    let reply = send(
        &app,
        admin
            .request(Method::POST, &deactivate)
            .set_form([("csrf_token", admin.csrf.as_str())]),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["active"], false);
}
e2e_test!(any_cookie_authenticated_form_post_accepts_the_csrf_form_field);

async fn a_deactivated_users_session_stops_working(db: TestDatabase) {
    let app = TestApp::empty(db);
    let admin = app.token("root", None, Role::Admin);
    let token = app.token("ana", None, Role::Employee);
    let (_, browser) = log_in(&app, &token).await;
    let users = app
        .get("/api/v1/admin/users?q=ana", Some(&admin))
        .await
        .json();
    let ana_id = users["users"][0]["id"].as_i64().unwrap();
    let reply = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/admin/users/{ana_id}/deactivate"))
                .insert_header(("authorization", format!("Bearer {admin}"))),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // The session she holds is refused from the next request on ...
    let problem = send(&app, browser.request(Method::GET, "/api/v1/me/stars"))
        .await
        .assert_problem(401);
    assert!(
        problem["detail"].as_str().unwrap().contains("deactivated"),
        "{problem}"
    );
    // ... and her token no longer opens a new one.
    let reply = send(
        &app,
        TestRequest::post()
            .uri("/login")
            .set_form([("token", token.as_str())]),
    )
    .await;
    reply.assert_problem(401);
    assert!(reply.set_cookies.is_empty(), "{:?}", reply.set_cookies);
}
e2e_test!(a_deactivated_users_session_stops_working);
