//! Cross-site request forgery: a browser sends the session cookie with any request, so a write
//! authenticated by the cookie must also prove it comes from Agora's own pages. Two checks, both
//! required: the `X-CSRF-Token` header (or `csrf_token` form field) holds the session's CSRF
//! token, and `Origin` (or else `Referer`), when the browser sends one, is Agora's own origin.
//! Writes authenticated by `Authorization: Bearer` carry no ambient credential and skip this.
//!
//! An HTML form cannot set a header, so `form_token` reads the field from any cookie-carrying
//! form post before the handler runs (the extractor that checks the session cannot read the body
//! itself: the handler's own extractors need it) and gives the body back untouched.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use url::Url;

use super::Identity;
use super::session::SessionClaims;
use crate::error::ApiError;

pub const HEADER: &str = "x-csrf-token";
pub const FORM_FIELD: &str = "csrf_token";

/// Whether the method may change state (and so needs the CSRF checks under a cookie).
pub fn is_write(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Agora's own origin: the public URL's, or else the one this request was addressed to.
fn expected_origin(req: &HttpRequest, identity: &Identity) -> String {
    match &identity.public_url {
        Some(url) => origin_of(url),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// Refuses a request whose `Origin` (or, without one, `Referer`) names another site.
pub fn check_origin(req: &HttpRequest, identity: &Identity) -> Result<(), ApiError> {
    let expected = expected_origin(req, identity);
    let headers = req.headers();
    let claimed = if let Some(origin) = headers.get("origin") {
        Some(
            origin
                .to_str()
                .unwrap_or("null")
                .trim_end_matches('/')
                .to_owned(),
        )
    } else {
        headers.get("referer").map(|referer| {
            referer
                .to_str()
                .ok()
                .and_then(|r| Url::parse(r).ok())
                .map_or_else(|| "null".to_owned(), |url| origin_of(&url))
        })
    };
    match claimed {
        Some(origin) if !origin.eq_ignore_ascii_case(&expected) => Err(ApiError::Forbidden(
            "cross-site request refused: the Origin is not this Agora".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// The CSRF checks for a cookie-authenticated write, with the token from the header or `form`.
pub fn check(
    req: &HttpRequest,
    identity: &Identity,
    session: &SessionClaims,
    form_token: Option<&str>,
) -> Result<(), ApiError> {
    check_origin(req, identity)?;
    let presented = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .or(form_token)
        .ok_or_else(|| {
            ApiError::Forbidden(format!(
                "a write with the session cookie needs the `X-CSRF-Token` header or the `{FORM_FIELD}` form field (the value of the `{}` cookie)",
                super::cookies::CSRF
            ))
        })?;
    if identity
        .sessions
        .csrf_matches(&session.sid, presented.trim())
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the CSRF token does not belong to this session".to_owned(),
        ))
    }
}

/// The CSRF token a form post carried in its `csrf_token` field.
#[derive(Debug, Clone)]
pub struct FormToken(pub String);

/// The form field's token of this request, if `form_token` found one.
pub fn form_token_of(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<FormToken>().map(|t| t.0.clone())
}

/// Whether the request is a form post that may hold the CSRF token in a field: a write under the
/// session cookie, URL-encoded, with no header token and no bearer token (which needs none).
fn wants_form_token(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    is_write(req.method())
        && !headers.contains_key(HEADER)
        && !headers.contains_key(header::AUTHORIZATION)
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            })
        && super::cookies::read(req.request(), super::cookies::SESSION).is_some()
}

/// Middleware: puts a cookie-authenticated form post's `csrf_token` field aside (as a
/// `FormToken` request extension) for the session check, and hands the handler the same body.
pub async fn form_token(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    if wants_form_token(&req) {
        // Bounded by the app's payload limit (`web::PayloadConfig`, 256 kB by default).
        let body = req.extract::<web::Bytes>().await?;
        let token = url::form_urlencoded::parse(&body)
            .find(|(name, _)| name == FORM_FIELD)
            .map(|(_, value)| value.into_owned());
        if let Some(token) = token {
            req.extensions_mut().insert(FormToken(token));
        }
        req.set_payload(actix_web::dev::Payload::from(body));
    }
    next.call(req).await
}
