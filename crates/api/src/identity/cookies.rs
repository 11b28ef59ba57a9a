//! The few cookies Agora sets, written and read by hand: the session (HttpOnly), the CSRF token
//! (readable by scripts, for the double-submit header) and the short-lived OIDC login state.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderValue};

use super::Identity;

pub const SESSION: &str = "agora_session";
pub const CSRF: &str = "agora_csrf";
pub const LOGIN_STATE: &str = "agora_oidc";

/// The value of the cookie `name` on the request, if any.
pub fn read(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|value| !value.is_empty())
}

/// Whether cookies must be `Secure`: the public URL is https, or this request came over TLS
/// (directly or, as the proxy says, through `X-Forwarded-Proto`/`Forwarded`).
pub fn must_be_secure(req: &HttpRequest, identity: &Identity) -> bool {
    identity
        .public_url
        .as_ref()
        .is_some_and(|url| url.scheme() == "https")
        || req.connection_info().scheme() == "https"
}

#[derive(Debug, Clone, Copy)]
pub struct CookieSpec {
    pub http_only: bool,
    pub secure: bool,
    /// `None`: a session cookie (gone with the browser); `Some(0)` deletes.
    pub max_age_secs: Option<i64>,
}

/// A `Set-Cookie` header value. Values are JWTs or base64url: no quoting needed.
pub fn set(name: &str, value: &str, spec: CookieSpec) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; SameSite=Lax");
    if let Some(age) = spec.max_age_secs {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if spec.http_only {
        text.push_str("; HttpOnly");
    }
    if spec.secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text)
        .unwrap_or_else(|_| HeaderValue::from_static("agora_invalid=; Max-Age=0"))
}

/// A `Set-Cookie` that removes `name`.
pub fn clear(name: &str, http_only: bool, secure: bool) -> HeaderValue {
    set(
        name,
        "",
        CookieSpec {
            http_only,
            secure,
            max_age_secs: Some(0),
        },
    )
}
