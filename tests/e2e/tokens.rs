//! Token verification is strict: every forged or stale token is a 401 problem.

use agora_api::{TokenKeys, TokenSubject};
use agora_catalog::model::Role;
use agora_catalog::testing::TestDatabase;
use serde_json::json;

use crate::app::{SECRET, TestApp};
use crate::e2e_test;

fn b64(bytes: &[u8]) -> String {
    // URL-safe base64 without padding, as JWTs use it.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn hs256_token(secret: &[u8], claims: serde_json::Value) -> String {
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap()
}

fn claims(offset_exp: i64, iss: &str, aud: &str) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "mallory", "role": "admin", "iss": iss, "aud": aud, "iat": now, "nbf": now - 10, "exp": now + offset_exp})
}

async fn forged_expired_and_foreign_tokens_are_refused(db: TestDatabase) {
    let app = TestApp::empty(db);
    let good = app.token("ana", None, Role::Employee);
    assert_eq!(app.get("/api/v1/me/stars", Some(&good)).await.status, 200);

    let now = chrono::Utc::now().timestamp();
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(3600, "agora", "agora").to_string().as_bytes())
    );
    let other_keys =
        TokenKeys::from_secret(b"another-instance-secret-that-is-long-enough").unwrap();
    let foreign = other_keys
        .issue(
            &TokenSubject {
                subject: "ana".into(),
                name: None,
                email: None,
                department: None,
                role: Role::Admin,
            },
            chrono::Duration::hours(1),
        )
        .unwrap();
    let cases = [
        ("garbage", "not-a-jwt".to_owned()),
        ("alg none", unsigned),
        ("signed by another instance", foreign),
        (
            "expired",
            hs256_token(SECRET, claims(-3600, "agora", "agora")),
        ),
        (
            "wrong issuer",
            hs256_token(SECRET, claims(3600, "someone-else", "agora")),
        ),
        (
            "wrong audience",
            hs256_token(SECRET, claims(3600, "agora", "another-app")),
        ),
        (
            "not yet valid",
            hs256_token(
                SECRET,
                json!({"sub": "m", "role": "admin", "iss": "agora", "aud": "agora", "iat": now, "nbf": now + 3600, "exp": now + 7200}),
            ),
        ),
        (
            "no expiry",
            hs256_token(
                SECRET,
                json!({"sub": "m", "role": "admin", "iss": "agora", "aud": "agora", "nbf": now}),
            ),
        ),
        (
            "HS384 with the right secret",
            jsonwebtoken::encode(
                &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS384),
                &claims(3600, "agora", "agora"),
                &jsonwebtoken::EncodingKey::from_secret(SECRET).unwrap(),
            )
            .unwrap(),
        ),
    ];
    for (case, token) in cases {
        let reply = app.get("/api/v1/me/stars", Some(&token)).await;
        assert_eq!(reply.status, 401, "{case}: {}", reply.text());
        reply.problem(401);
    }
    // A malformed header is refused too, and a bad token is not silently treated as anonymous.
    let reply = app
        .call(
            actix_web::test::TestRequest::get()
                .uri("/api/v1/search")
                .insert_header(("Authorization", "Basic YTpi")),
        )
        .await;
    reply.problem(401);
}
e2e_test!(forged_expired_and_foreign_tokens_are_refused);

async fn a_local_token_cannot_take_a_subject_no_local_user_may_have(db: TestDatabase) {
    let app = TestApp::empty(db);
    // Subjects under `oidc:` belong to the OpenID provider's users; one with spaces to nobody.
    for subject in ["oidc:https://idp.example#ana", "two words"] {
        let token = app.token(subject, None, Role::Admin);
        let problem = app.get("/api/v1/me/stars", Some(&token)).await.problem(401);
        assert!(
            problem["detail"].as_str().unwrap().contains("subject"),
            "{subject}: {problem}"
        );
    }
    // Nobody was recorded for them.
    let root = app.token("root", None, Role::Admin);
    let users = app.get("/api/v1/admin/users", Some(&root)).await.json();
    assert_eq!(users["total"], 1, "{users}");
}
e2e_test!(a_local_token_cannot_take_a_subject_no_local_user_may_have);
