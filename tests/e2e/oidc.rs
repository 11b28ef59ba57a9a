//! `oidc` mode against a real (local) OpenID provider: a wiremock server serving the discovery
//! document, the key set and the token endpoint, with keys generated here. Forged and stale
//! tokens are 401 problems; RS256 and ES256 tokens are accepted; a rotated key set is picked up
//! by the automatic refresh, and a retired key stops working once the cached key set is older
//! than its maximum age; claims map to department and role; provider users and local users
//! never share a subject; the authorization-code + PKCE login ends in an Agora session.

use std::sync::OnceLock;

use actix_web::http::Method;
use actix_web::test::TestRequest;
use agora_api::{DepartmentSource, Identity, OidcConfig};
use agora_catalog::model::Role;
use agora_catalog::testing::TestDatabase;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::Digest;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::app::{SECRET, TestApp};
use crate::e2e_test;
use crate::session::{Browser, send};

const CLIENT_ID: &str = "agora-web";
const CLIENT_SECRET: &str = "s3cret:with/odd+chars";

#[derive(Clone)]
struct Key {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
    /// SPKI PEM of the public key (RSA keys only): the "secret" of the HS256 confusion attack.
    public_pem: String,
}

fn rsa_key(kid: &str) -> Key {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    use rsa::traits::PublicKeyParts;
    let private = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).unwrap();
    let der = private.to_pkcs1_der().unwrap();
    let public = private.to_public_key();
    Key {
        kid: kid.to_owned(),
        alg: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        jwk: json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(public.n_bytes()),
            "e": URL_SAFE_NO_PAD.encode(public.e_bytes()),
        }),
        public_pem: public.to_public_key_pem(LineEnding::LF).unwrap(),
    }
}

fn ec_key(kid: &str) -> Key {
    use p256::elliptic_curve::Generate;
    use p256::elliptic_curve::sec1::ToSec1Point;
    use p256::pkcs8::EncodePrivateKey;
    let secret = p256::SecretKey::try_generate_from_rng(&mut getrandom::SysRng).unwrap();
    let der = secret.to_pkcs8_der().unwrap();
    let point = secret.public_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    Key {
        kid: kid.to_owned(),
        alg: Algorithm::ES256,
        encoding: EncodingKey::from_ec_der(der.as_bytes()),
        jwk: json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(&bytes[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&bytes[33..65]),
        }),
        public_pem: String::new(),
    }
}

/// Keys are expensive to generate in a debug build: once per test binary.
struct Keys {
    rsa: Key,
    rotated_rsa: Key,
    ec: Key,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        rsa: rsa_key("rsa-2025"),
        rotated_rsa: rsa_key("rsa-2026"),
        ec: ec_key("ec-2025"),
    })
}

/// The local OpenID provider.
struct Provider {
    server: MockServer,
    issuer: String,
}

impl Provider {
    async fn start(published: &[&Key]) -> Self {
        let server = MockServer::start().await;
        let issuer = server.uri();
        let provider = Self { server, issuer };
        provider.publish(published).await;
        provider
    }

    /// Serves discovery and this key set (replacing whatever was served before).
    async fn publish(&self, published: &[&Key]) {
        self.server.reset().await;
        let issuer = &self.issuer;
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/authorize"),
                "token_endpoint": format!("{issuer}/token"),
                "jwks_uri": format!("{issuer}/jwks"),
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
            })))
            .mount(&self.server)
            .await;
        let jwks: Vec<Value> = published.iter().map(|k| k.jwk.clone()).collect();
        Mock::given(method("GET"))
            .and(path("/jwks"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "keys": jwks })))
            .mount(&self.server)
            .await;
    }

    async fn jwks_fetches(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/jwks")
            .count()
    }

    fn config(&self) -> OidcConfig {
        let mut config = OidcConfig::new(self.issuer.clone(), CLIENT_ID);
        config.set_client_secret(CLIENT_SECRET.to_owned());
        config.lead_groups = vec!["agora-leads".to_owned()];
        config.admin_groups = vec!["agora-admins".to_owned()];
        config
    }

    fn identity(&self, config: OidcConfig) -> Identity {
        Identity::oidc(SECRET, None, config).unwrap()
    }

    /// Claims valid now, for `sub`, with `extra` merged in.
    fn claims(&self, sub: &str, extra: Value) -> Value {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "iss": self.issuer, "aud": CLIENT_ID, "sub": sub,
            "iat": now, "nbf": now, "exp": now + 600,
        });
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        claims
    }
}

fn sign(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn oidc_forged_stale_and_foreign_tokens_are_refused(db: TestDatabase) {
    let keys = keys();
    let provider = Provider::start(&[&keys.rsa, &keys.ec]).await;
    let app = TestApp::empty(db).with_identity(provider.identity(provider.config()));
    let now = chrono::Utc::now().timestamp();

    let good = sign(&keys.rsa, &provider.claims("ana", json!({})));
    assert_eq!(app.get("/api/v1/me/stars", Some(&good)).await.status, 200);
    assert_eq!(provider.jwks_fetches().await, 1);

    let hs256_with_public_key = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(keys.rsa.kid.clone());
        jsonwebtoken::encode(
            &header,
            &provider.claims("mallory", json!({"groups": ["agora-admins"]})),
            &EncodingKey::from_secret(keys.rsa.public_pem.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let cases = [
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT", "kid": keys.rsa.kid})),
                b64(&provider.claims("mallory", json!({})))
            ),
        ),
        ("HS256 keyed with the RSA public key", hs256_with_public_key),
        (
            "expired",
            sign(
                &keys.rsa,
                &provider.claims(
                    "ana",
                    json!({"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200}),
                ),
            ),
        ),
        (
            "not yet valid",
            sign(
                &keys.ec,
                &provider.claims("ana", json!({"nbf": now + 3600, "exp": now + 7200})),
            ),
        ),
        (
            "wrong issuer",
            sign(
                &keys.rsa,
                &provider.claims("ana", json!({"iss": "https://evil.example"})),
            ),
        ),
        (
            "wrong audience",
            sign(
                &keys.rsa,
                &provider.claims("ana", json!({"aud": "another-app"})),
            ),
        ),
        ("no subject", {
            let mut claims = provider.claims("ana", json!({}));
            claims.as_object_mut().unwrap().remove("sub");
            sign(&keys.rsa, &claims)
        }),
        ("signed by another key under a published kid", {
            let mut impostor = keys.rotated_rsa.clone();
            impostor.kid = keys.rsa.kid.clone();
            sign(&impostor, &provider.claims("ana", json!({})))
        }),
        ("ES256 header on the RSA key", {
            let mut confused = keys.ec.clone();
            confused.kid = keys.rsa.kid.clone();
            sign(&confused, &provider.claims("ana", json!({})))
        }),
    ];
    for (case, token) in cases {
        let reply = app.get("/api/v1/me/stars", Some(&token)).await;
        assert_eq!(reply.status, 401, "{case}: {}", reply.text());
        reply.problem(401);
    }
    // None of those needed the key set again.
    assert_eq!(provider.jwks_fetches().await, 1);

    // An unknown kid refreshes the key set once; still unknown: refused.
    let mut stranger = keys.rotated_rsa.clone();
    stranger.kid = "not-published".to_owned();
    let reply = app
        .get(
            "/api/v1/me/stars",
            Some(&sign(&stranger, &provider.claims("ana", json!({})))),
        )
        .await;
    let problem = reply.problem(401);
    assert!(
        problem["detail"].as_str().unwrap().contains("unknown key"),
        "{problem}"
    );
    assert_eq!(provider.jwks_fetches().await, 2);
    // A flood of others right after: refused without hammering the provider.
    for i in 0..20 {
        stranger.kid = format!("also-not-published-{i}");
        let reply = app
            .get(
                "/api/v1/me/stars",
                Some(&sign(&stranger, &provider.claims("ana", json!({})))),
            )
            .await;
        reply.problem(401);
    }
    assert_eq!(provider.jwks_fetches().await, 2);

    // Agora's own tokens still work in oidc mode.
    let local = app.token("root", None, Role::Admin);
    assert_eq!(app.get("/api/v1/me/stars", Some(&local)).await.status, 200);
}
e2e_test!(oidc_forged_stale_and_foreign_tokens_are_refused);

async fn oidc_rs256_and_es256_tokens_are_accepted(db: TestDatabase) {
    let keys = keys();
    let provider = Provider::start(&[&keys.rsa, &keys.ec]).await;
    let app = TestApp::with_demo(db)
        .await
        .with_identity(provider.identity(provider.config()));
    for key in [&keys.rsa, &keys.ec] {
        let token = sign(
            key,
            &provider.claims("ana", json!({"department": "Finance"})),
        );
        let reply = app.get("/api/v1/me/stars", Some(&token)).await;
        assert_eq!(reply.status, 200, "{:?}: {}", key.alg, reply.text());
        // A write with a bearer token: no CSRF token involved.
        let id = app.project_id("finance/abacus-ledger").await;
        let reply = app
            .call(
                TestRequest::put()
                    .uri(&format!("/api/v1/projects/{id}/star"))
                    .insert_header(("authorization", format!("Bearer {token}"))),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    // A provider token with a list audience that includes Agora is fine too.
    let token = sign(
        &keys.ec,
        &provider.claims("ana", json!({"aud": ["other-api", CLIENT_ID]})),
    );
    assert_eq!(app.get("/api/v1/me/stars", Some(&token)).await.status, 200);
}
e2e_test!(oidc_rs256_and_es256_tokens_are_accepted);

async fn oidc_rotated_keys_are_picked_up_by_the_automatic_refresh(db: TestDatabase) {
    let keys = keys();
    let provider = Provider::start(&[&keys.rsa]).await;
    let app = TestApp::empty(db).with_identity(provider.identity(provider.config()));
    let old = sign(&keys.rsa, &provider.claims("ana", json!({})));
    assert_eq!(app.get("/api/v1/me/stars", Some(&old)).await.status, 200);

    // The provider rotates: only the new key is published now.
    provider.publish(&[&keys.rotated_rsa]).await;
    let new = sign(&keys.rotated_rsa, &provider.claims("ana", json!({})));
    let reply = app.get("/api/v1/me/stars", Some(&new)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        provider.jwks_fetches().await,
        1,
        "one refresh after the reset"
    );
    // The retired key is gone from the cache with it.
    app.get("/api/v1/me/stars", Some(&old)).await.problem(401);
}
e2e_test!(oidc_rotated_keys_are_picked_up_by_the_automatic_refresh);

/// The catalog's record of the provider's user `sub`, with their department's slug.
async fn user_of(
    app: &TestApp,
    provider: &Provider,
    sub: &str,
) -> (agora_catalog::model::User, Option<String>) {
    let subject = agora_catalog::users::provider_subject(&provider.issuer, sub);
    app.indexer
        .catalog
        .read(move |conn| {
            let user = agora_catalog::users::by_subject(conn, &subject)?.unwrap();
            let department = match user.department_id {
                Some(id) => agora_catalog::departments::by_id(conn, id)?.map(|d| d.slug),
                None => None,
            };
            Ok((user, department))
        })
        .await
        .unwrap()
}

async fn oidc_claims_map_to_department_and_role(db: TestDatabase) {
    let keys = keys();
    let provider = Provider::start(&[&keys.rsa]).await;
    let app = TestApp::empty(db).with_identity(provider.identity(provider.config()));
    let cases = [
        (
            "u-emp",
            json!({"department": "Customer Service", "name": "Emma", "email": "emma@example.com"}),
            Some("customer-service"),
            Role::Employee,
        ),
        (
            "u-lead",
            json!({"department": "finance", "groups": ["staff", "agora-leads"]}),
            Some("finance"),
            Role::Lead,
        ),
        (
            "u-admin",
            json!({"groups": ["agora-leads", "agora-admins"]}),
            None,
            Role::Admin,
        ),
    ];
    for (sub, extra, department, role) in cases {
        let token = sign(&keys.rsa, &provider.claims(sub, extra));
        assert_eq!(app.get("/api/v1/me/stars", Some(&token)).await.status, 200);
        let (user, slug) = user_of(&app, &provider, sub).await;
        assert_eq!(slug.as_deref(), department, "{sub}");
        assert_eq!(user.role(), role, "{sub}");
    }
    let (emma, _) = user_of(&app, &provider, "u-emp").await;
    assert_eq!(emma.display_name, "Emma");
    assert_eq!(emma.email.as_deref(), Some("emma@example.com"));

    // Department from a group prefix instead of a claim.
    let mut config = provider.config();
    config.department = DepartmentSource::GroupPrefix("dept:".to_owned());
    let app = app.with_identity(provider.identity(config));
    let token = sign(
        &keys.rsa,
        &provider.claims("u-grouped", json!({"department": "ignored", "groups": ["staff", "dept:Data Platform", "dept:other"]})),
    );
    assert_eq!(app.get("/api/v1/me/stars", Some(&token)).await.status, 200);
    let (user, slug) = user_of(&app, &provider, "u-grouped").await;
    assert_eq!(slug.as_deref(), Some("data-platform"));
    assert_eq!(user.role(), Role::Employee);

    // Membership changes at the provider follow the user at the next token.
    let token = sign(
        &keys.rsa,
        &provider.claims(
            "u-grouped",
            json!({"groups": ["dept:finance", "agora-admins"]}),
        ),
    );
    assert_eq!(app.get("/api/v1/me/stars", Some(&token)).await.status, 200);
    let (user, slug) = user_of(&app, &provider, "u-grouped").await;
    assert_eq!(
        (slug.as_deref(), user.role()),
        (Some("finance"), Role::Admin)
    );
}
e2e_test!(oidc_claims_map_to_department_and_role);

/// The authorization request's query parameters.
fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Serves the token endpoint: it answers with an ID token for `nonce`.
async fn serve_token_endpoint(provider: &Provider, id_token: String) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "opaque-access-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        })))
        .mount(&provider.server)
        .await;
}

async fn start_login(app: &TestApp) -> (String, std::collections::HashMap<String, String>) {
    let reply = send(app, TestRequest::get().uri("/login")).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let state_cookie = reply.cookie_line("agora_oidc");
    assert!(state_cookie.contains("HttpOnly") && state_cookie.contains("SameSite=Lax"));
    (
        reply.cookie("agora_oidc"),
        query_of(reply.location.as_deref().unwrap()),
    )
}

async fn oidc_code_flow_with_pkce_ends_in_a_session(db: TestDatabase) {
    let keys = keys();
    let provider = Provider::start(&[&keys.rsa, &keys.ec]).await;
    let app = TestApp::with_demo(db)
        .await
        .with_identity(provider.identity(provider.config()));

    let reply = send(&app, TestRequest::get().uri("/login")).await;
    let location = reply.location.clone().unwrap();
    assert!(
        location.starts_with(&format!("{}/authorize?", provider.issuer)),
        "{location}"
    );
    let params = query_of(&location);
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], CLIENT_ID);
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(
        params["redirect_uri"],
        "http://localhost:8080/auth/callback"
    );
    assert!(params["scope"].split(' ').any(|s| s == "openid"));
    for name in ["state", "nonce", "code_challenge"] {
        assert!(params[name].len() >= 32, "{name}: {:?}", params[name]);
    }
    assert_ne!(params["state"], params["nonce"]);
    let login_cookie = reply.cookie("agora_oidc");

    let id_token = sign(
        &keys.ec,
        &provider.claims(
            "oidc-ana",
            json!({"nonce": params["nonce"], "name": "Ana", "department": "finance"}),
        ),
    );
    serve_token_endpoint(&provider, id_token).await;
    let reply = send(
        &app,
        TestRequest::get()
            .uri(&format!(
                "/auth/callback?code=the-code&state={}",
                params["state"]
            ))
            .insert_header(("cookie", format!("agora_oidc={login_cookie}"))),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.location.as_deref(), Some("/"));
    let session_line = reply.cookie_line("agora_session");
    assert!(session_line.contains("HttpOnly") && session_line.contains("SameSite=Lax"));
    assert!(reply.cookie_line("agora_oidc").contains("Max-Age=0"));
    let browser = Browser {
        session: reply.cookie("agora_session"),
        csrf: reply.cookie("agora_csrf"),
    };

    // The token request carried the code, the PKCE verifier and the client's credentials.
    let requests = provider.server.received_requests().await.unwrap();
    let exchange = requests.iter().find(|r| r.url.path() == "/token").unwrap();
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&exchange.body)
            .into_owned()
            .collect();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "the-code");
    assert_eq!(form["redirect_uri"], params["redirect_uri"]);
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(form["code_verifier"].as_bytes()));
    assert_eq!(challenge, params["code_challenge"]);
    assert!(
        !form.contains_key("client_secret"),
        "basic auth, not the body"
    );
    let basic = exchange
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.strip_prefix("Basic ").unwrap())
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        format!(
            "{CLIENT_ID}:{}",
            url::form_urlencoded::byte_serialize(CLIENT_SECRET.as_bytes()).collect::<String>()
        )
    );

    // The session works like a local one: reads with the cookie, writes with the CSRF token.
    let reply = send(&app, browser.request(Method::GET, "/api/v1/me/stars")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let id = app.project_id("finance/abacus-ledger").await;
    let uri = format!("/api/v1/projects/{id}/star");
    send(&app, browser.request(Method::PUT, &uri))
        .await
        .assert_problem(403);
    let reply = send(
        &app,
        browser
            .request(Method::PUT, &uri)
            .insert_header(("x-csrf-token", browser.csrf.as_str())),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (user, slug) = user_of(&app, &provider, "oidc-ana").await;
    assert_eq!(
        (user.display_name.as_str(), slug.as_deref()),
        ("Ana", Some("finance"))
    );
}
e2e_test!(oidc_code_flow_with_pkce_ends_in_a_session);

async fn oidc_callback_refuses_wrong_state_and_wrong_nonce(db: TestDatabase) {
    let keys = keys();
    let provider = Provider::start(&[&keys.rsa]).await;
    let app = TestApp::empty(db).with_identity(provider.identity(provider.config()));
    let (cookie, params) = start_login(&app).await;

    // A state that is not this browser's login: refused before the code is exchanged.
    let reply = send(
        &app,
        TestRequest::get()
            .uri("/auth/callback?code=the-code&state=forged-state")
            .insert_header(("cookie", format!("agora_oidc={cookie}"))),
    )
    .await;
    reply.assert_problem(403);
    assert!(
        reply
            .set_cookies
            .iter()
            .all(|c| !c.starts_with("agora_session="))
    );
    // The right state without the login cookie (another browser): refused too.
    let reply = send(
        &app,
        TestRequest::get().uri(&format!(
            "/auth/callback?code=the-code&state={}",
            params["state"]
        )),
    )
    .await;
    reply.assert_problem(403);
    assert!(
        !provider
            .server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .any(|r| r.url.path() == "/token")
    );

    // The right state, but the ID token was minted for another login (replayed nonce).
    let id_token = sign(
        &keys.rsa,
        &provider.claims("ana", json!({"nonce": "someone-elses-nonce"})),
    );
    serve_token_endpoint(&provider, id_token).await;
    let reply = send(
        &app,
        TestRequest::get()
            .uri(&format!(
                "/auth/callback?code=the-code&state={}",
                params["state"]
            ))
            .insert_header(("cookie", format!("agora_oidc={cookie}"))),
    )
    .await;
    let problem = reply.assert_problem(401);
    assert!(
        problem["detail"].as_str().unwrap().contains("nonce"),
        "{problem}"
    );
    assert!(reply.set_cookies.is_empty(), "{:?}", reply.set_cookies);

    // The provider reporting an error is a 401 that names the error code only.
    let reply = send(
        &app,
        TestRequest::get()
            .uri(&format!(
                "/auth/callback?error=access_denied&state={}",
                params["state"]
            ))
            .insert_header(("cookie", format!("agora_oidc={cookie}"))),
    )
    .await;
    let problem = reply.assert_problem(401);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("access_denied")
    );
}
e2e_test!(oidc_callback_refuses_wrong_state_and_wrong_nonce);

async fn oidc_keys_older_than_their_max_age_are_fetched_again(db: TestDatabase) {
    let keys = keys();
    let provider = Provider::start(&[&keys.rsa]).await;
    let mut config = provider.config();
    config.jwks_max_age = std::time::Duration::from_secs(2);
    // Short, so the expiry refreshes below are allowed; long enough that the unknown key right
    // after a refresh does not cause a second one.
    config.jwks_refresh_interval = std::time::Duration::from_millis(500);
    let app = TestApp::empty(db).with_identity(provider.identity(config));
    let old = sign(&keys.rsa, &provider.claims("ana", json!({})));
    assert_eq!(app.get("/api/v1/me/stars", Some(&old)).await.status, 200);

    // The provider retires the key. Its tokens name a key the cache knows, so nothing asks for
    // a refresh: while the cache is young the key still works, without another fetch ...
    provider.publish(&[&keys.rotated_rsa]).await;
    assert_eq!(app.get("/api/v1/me/stars", Some(&old)).await.status, 200);
    assert_eq!(provider.jwks_fetches().await, 0);
    // ... and once the cache is older than its maximum age, the key set is read again and the
    // retired key is refused.
    tokio::time::sleep(std::time::Duration::from_millis(2300)).await;
    let problem = app.get("/api/v1/me/stars", Some(&old)).await.problem(401);
    assert!(
        problem["detail"].as_str().unwrap().contains("unknown key"),
        "{problem}"
    );
    assert_eq!(provider.jwks_fetches().await, 1);
    let new = sign(&keys.rotated_rsa, &provider.claims("ana", json!({})));
    assert_eq!(app.get("/api/v1/me/stars", Some(&new)).await.status, 200);
    assert_eq!(provider.jwks_fetches().await, 1);

    // A provider that is down when the cache expires does not lock everyone out: the refresh is
    // tried, and the keys Agora has keep serving.
    provider.server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&provider.server)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(2300)).await;
    let reply = app.get("/api/v1/me/stars", Some(&new)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let tried = provider.server.received_requests().await.unwrap();
    assert!(
        tried
            .iter()
            .any(|r| r.url.path() == "/.well-known/openid-configuration"),
        "no refresh was tried"
    );
}
e2e_test!(oidc_keys_older_than_their_max_age_are_fetched_again);

async fn provider_and_local_users_with_the_same_sub_are_different_people(db: TestDatabase) {
    let keys = keys();
    let provider = Provider::start(&[&keys.rsa]).await;
    let app = TestApp::with_demo(db)
        .await
        .with_identity(provider.identity(provider.config()));
    let id = app.project_id("finance/abacus-ledger").await;
    let star = format!("/api/v1/projects/{id}/star");

    // The provider's `ana` (an admin there) stars a project.
    let remote = sign(
        &keys.rsa,
        &provider.claims("ana", json!({"groups": ["agora-admins"]})),
    );
    let reply = app
        .call(
            TestRequest::put()
                .uri(&star)
                .insert_header(("authorization", format!("Bearer {remote}"))),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // A local token for `ana` is another person: not her stars, not her admin role.
    let local = app.token("ana", None, Role::Employee);
    let mine = app.get("/api/v1/me/stars", Some(&local)).await.json();
    assert_eq!(mine["stars"].as_array().map(Vec::len), Some(0), "{mine}");
    app.get("/api/v1/admin/users", Some(&local))
        .await
        .problem(403);
    let (remote_user, _) = user_of(&app, &provider, "ana").await;
    let users = app
        .get("/api/v1/admin/users?q=ana", Some(&remote))
        .await
        .json();
    let listed: Vec<(&str, &str)> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["subject"].as_str().unwrap(),
                u["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [("ana", "local"), (remote_user.subject.as_str(), "oidc")]
    );

    // Nor can a local token name itself into the provider's namespace.
    let impostor = app.token(&remote_user.subject, None, Role::Admin);
    let problem = app
        .get("/api/v1/me/stars", Some(&impostor))
        .await
        .problem(401);
    assert!(
        problem["detail"].as_str().unwrap().contains("subject"),
        "{problem}"
    );

    // The provider owns its users' role: an admin cannot change it here (but can deactivate).
    let root = app.token("root", None, Role::Admin);
    let reply = app
        .call(
            TestRequest::patch()
                .uri(&format!("/api/v1/admin/users/{}", remote_user.id))
                .insert_header(("authorization", format!("Bearer {root}")))
                .set_json(json!({"role": "employee"})),
        )
        .await;
    reply.problem(409);
    let reply = app
        .call(
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/admin/users/{}/deactivate",
                    remote_user.id
                ))
                .insert_header(("authorization", format!("Bearer {root}"))),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    app.get("/api/v1/me/stars", Some(&remote))
        .await
        .problem(401);
    // The local `ana` is untouched by it.
    assert_eq!(app.get("/api/v1/me/stars", Some(&local)).await.status, 200);
}
e2e_test!(provider_and_local_users_with_the_same_sub_are_different_people);
