//! Web login and logout. `local` mode: `GET /login` shows a form, `POST /login` takes an Agora
//! token and turns it into a session. `oidc` mode: `GET /login` sends the browser to the
//! provider (authorization code + PKCE), `GET /auth/callback` brings it back. Either way the
//! result is the same pair of cookies: the HttpOnly session and the script-readable CSRF token.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{resolve, session_of};
use crate::error::{ApiError, ApiResult};
use crate::identity::session::NewSession;
use crate::identity::{Identity, Principal, cookies, csrf};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    error: Option<String>,
    logged_in: bool,
    csrf_token: String,
}

fn login_page(
    req: &HttpRequest,
    identity: &Identity,
    error: Option<String>,
    status: actix_web::http::StatusCode,
) -> ApiResult<HttpResponse> {
    let session = session_of(req, identity);
    let csrf_token = match &session {
        Some(session) => identity.sessions.csrf_token(&session.sid)?,
        None => String::new(),
    };
    let html = LoginPage {
        error,
        logged_in: session.is_some(),
        csrf_token,
    }
    .render()
    .map_err(|e| ApiError::Internal(format!("rendering the login page: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html))
}

/// Where the provider sends the browser back to.
fn redirect_uri(req: &HttpRequest, identity: &Identity) -> String {
    match &identity.public_url {
        Some(url) => format!("{}/auth/callback", url.as_str().trim_end_matches('/')),
        None => {
            let info = req.connection_info();
            format!("{}://{}/auth/callback", info.scheme(), info.host())
        }
    }
}

/// Redirects home with the session and CSRF cookies set.
fn start_session(req: &HttpRequest, identity: &Identity, session: &NewSession) -> HttpResponse {
    let secure = cookies::must_be_secure(req, identity);
    let spec = |http_only| cookies::CookieSpec {
        http_only,
        secure,
        max_age_secs: Some(session.ttl_secs),
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .append_header((
            header::SET_COOKIE,
            cookies::set(cookies::SESSION, &session.jwt, spec(true)),
        ))
        .append_header((
            header::SET_COOKIE,
            cookies::set(cookies::CSRF, &session.csrf, spec(false)),
        ))
        .append_header((
            header::SET_COOKIE,
            cookies::clear(cookies::LOGIN_STATE, true, secure),
        ))
        .finish()
}

/// `local`: the login form. `oidc`: off to the provider, with state, nonce and PKCE challenge
/// remembered in a signed, short-lived cookie.
#[get("/login")]
pub async fn login_form(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let identity = &state.identity;
    let Some(provider) = &identity.oidc else {
        return login_page(&req, identity, None, actix_web::http::StatusCode::OK);
    };
    let (pending, cookie) = identity.sessions.issue_login_state()?;
    let target = provider
        .authorization_url(&redirect_uri(&req, identity), &pending)
        .await?;
    let secure = cookies::must_be_secure(&req, identity);
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .append_header((
            header::SET_COOKIE,
            cookies::set(
                cookies::LOGIN_STATE,
                &cookie,
                cookies::CookieSpec {
                    http_only: true,
                    secure,
                    max_age_secs: Some(crate::identity::session::LOGIN_STATE_TTL_SECS),
                },
            ),
        ))
        .finish())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
}

/// `local`: an Agora token pasted into the form becomes a session (no longer than the token).
#[post("/login")]
pub async fn login_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> ApiResult<HttpResponse> {
    let identity = &state.identity;
    if identity.oidc.is_some() {
        return Err(ApiError::BadRequest(
            "this Agora logs in through its OpenID provider: GET /login".to_owned(),
        ));
    }
    // Login CSRF: a foreign page must not log the visitor in as someone else.
    csrf::check_origin(&req, identity)?;
    let claims = match state.tokens.verify(form.token.trim()) {
        Ok(claims) => claims,
        Err(ApiError::Unauthorized(why)) => {
            return login_page(
                &req,
                identity,
                Some(format!("That token was refused: {why}.")),
                actix_web::http::StatusCode::UNAUTHORIZED,
            );
        }
        Err(other) => return Err(other),
    };
    let not_after = claims.exp;
    let principal = Principal::from(claims);
    // Records the user now, as a bearer request would.
    resolve(&state, principal.clone()).await?;
    let session = identity.sessions.issue(principal, Some(not_after))?;
    Ok(start_session(&req, identity, &session))
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf_token: Option<String>,
}

/// Ends the session: both cookies are cleared. With a session, this is a write like any other
/// and needs the CSRF token (form field or header).
#[post("/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: Option<web::Form<LogoutForm>>,
) -> ApiResult<HttpResponse> {
    let identity = &state.identity;
    if let Some(session) = session_of(&req, identity) {
        let token = form.as_ref().and_then(|f| f.csrf_token.as_deref());
        csrf::check(&req, identity, &session, token)?;
    }
    let secure = cookies::must_be_secure(&req, identity);
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .append_header((
            header::SET_COOKIE,
            cookies::clear(cookies::SESSION, true, secure),
        ))
        .append_header((
            header::SET_COOKIE,
            cookies::clear(cookies::CSRF, false, secure),
        ))
        .finish())
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `oidc`: the provider's answer. The state must be the one this browser was sent with; the
/// code is exchanged (with the PKCE verifier) for an ID token whose nonce must match too.
#[get("/auth/callback")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> ApiResult<HttpResponse> {
    let identity = &state.identity;
    let Some(provider) = &identity.oidc else {
        return Err(ApiError::NotFound(
            "this Agora does not use an OpenID provider".to_owned(),
        ));
    };
    let pending = cookies::read(&req, cookies::LOGIN_STATE)
        .and_then(|jwt| identity.sessions.verify_login_state(&jwt))
        .ok_or_else(|| {
            ApiError::Forbidden(
                "this login was not started here or has expired; start again at /login".to_owned(),
            )
        })?;
    let presented = query.state.as_deref().unwrap_or("");
    if !crate::identity::session::same_secret(presented, &pending.state) {
        return Err(ApiError::Forbidden(
            "the login state does not match; start again at /login".to_owned(),
        ));
    }
    if let Some(error) = &query.error {
        let code: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Err(ApiError::Unauthorized(format!(
            "the OpenID provider refused the login ({code})"
        )));
    }
    let code = query
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::BadRequest("the callback carries no code".to_owned()))?;
    let claims = provider
        .complete_login(code, &redirect_uri(&req, identity), &pending)
        .await?;
    let principal = provider.principal(&claims)?;
    resolve(&state, principal.clone()).await?;
    let session = identity.sessions.issue(principal, None)?;
    Ok(start_session(&req, identity, &session))
}
