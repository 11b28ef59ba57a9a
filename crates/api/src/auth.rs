//! Authentication: Agora-signed HS256 JWTs, verified strictly (algorithm, signature, expiry,
//! not-before, issuer, audience), the OpenID provider's tokens in `oidc` mode, the web session
//! cookie, and the extractors that put the caller in a handler's signature. A caller proves who
//! they are with `Authorization: Bearer` or with the session cookie; writes under the cookie must
//! also pass the CSRF checks (`identity::csrf`).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use agora_catalog::model::Role;
use agora_catalog::users::UserClaims;
use agora_catalog::{Viewer, departments, users};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::identity::session::SessionClaims;
use crate::identity::{Identity, Principal, cookies, csrf};
use crate::state::AppState;

pub const ISSUER: &str = "agora";
pub const AUDIENCE: &str = "agora";
/// Tolerated clock difference between issuer and verifier.
const LEEWAY_SECS: u64 = 60;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Department slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<String>,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// What a token says about its holder, before signing.
#[derive(Debug, Clone)]
pub struct TokenSubject {
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub department: Option<String>,
    pub role: Role,
}

/// The instance's signing keys.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

impl TokenKeys {
    /// Keys from the instance secret; refuses a secret too short to be one.
    pub fn from_secret(secret: &[u8]) -> Result<Self, ApiError> {
        if secret.len() < 32 {
            return Err(ApiError::Internal(
                "the token secret must be at least 32 bytes".to_owned(),
            ));
        }
        let key_error =
            |e: jsonwebtoken::errors::Error| ApiError::Internal(format!("token key: {e}"));
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).map_err(key_error)?,
            decoding: DecodingKey::from_secret(secret).map_err(key_error)?,
            validation,
        })
    }

    pub fn issue(&self, subject: &TokenSubject, ttl: chrono::Duration) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: subject.subject.clone(),
            name: subject.name.clone(),
            email: subject.email.clone(),
            dept: subject.department.clone(),
            role: subject.role,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            nbf: now,
            exp: now + ttl.num_seconds(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("signing a token: {e}")))
    }

    /// Verifies the token and returns its claims; every failure is a 401 that says why.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(token_error)
    }
}

/// A JWT verification failure as a 401 that says why (and nothing about the token itself).
pub(crate) fn token_error(e: jsonwebtoken::errors::Error) -> ApiError {
    use jsonwebtoken::errors::ErrorKind;
    let why = match e.kind() {
        ErrorKind::ExpiredSignature => "the token has expired",
        ErrorKind::ImmatureSignature => "the token is not valid yet",
        ErrorKind::InvalidIssuer => "the token was issued by someone else",
        ErrorKind::InvalidAudience => "the token is meant for another audience",
        ErrorKind::InvalidAlgorithm => {
            "the token is signed with an algorithm Agora does not accept"
        }
        ErrorKind::InvalidSignature => "the token's signature does not verify",
        ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
        _ => "the token is malformed",
    };
    ApiError::Unauthorized(why.to_owned())
}

impl From<Claims> for Principal {
    fn from(claims: Claims) -> Self {
        Self {
            subject: claims.sub,
            name: claims.name,
            email: claims.email,
            department: claims.dept,
            role: claims.role,
            provider: None,
        }
    }
}

/// The logged-in caller, as the catalog knows them.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: i64,
    pub department_id: Option<i64>,
    pub role: Role,
    pub subject: String,
}

impl AuthUser {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: Some(self.user_id),
            department_id: self.department_id,
            role: self.role,
        }
    }
}

/// The caller when logging in is optional.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<AuthUser>);

impl MaybeUser {
    pub fn viewer(&self) -> Viewer {
        self.0
            .as_ref()
            .map_or_else(Viewer::anonymous, AuthUser::viewer)
    }
}

fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = header.to_str().map_err(|_| {
        ApiError::Unauthorized("the Authorization header is not valid text".to_owned())
    })?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| ApiError::Unauthorized("use `Authorization: Bearer <token>`".to_owned()))?;
    Ok(Some(token.trim().to_owned()))
}

/// Finds the credential's holder in the catalog and refuses a deactivated one. Who decides
/// what about them depends on who vouched: for a local user (Agora's own token) the catalog is
/// the authority once they exist, since admins manage them there, and the token's role and
/// department only describe a user seen for the first time; for a provider user the provider
/// is, so a login that says something new updates the catalog. Reads first: most requests
/// change nothing and must not take a write lock.
pub(crate) async fn resolve(state: &AppState, claims: Principal) -> Result<AuthUser, ApiError> {
    let catalog = &state.indexer.catalog;
    let subject = claims.catalog_subject()?;
    let dept_slug = claims
        .department
        .as_deref()
        .map(departments::slugify)
        .filter(|s| !s.is_empty());
    let lookup_subject = subject.clone();
    let lookup_slug = dept_slug.clone();
    let (existing, department) = catalog
        .read(move |conn| {
            let user = users::by_subject(conn, &lookup_subject)?;
            let department = match &lookup_slug {
                Some(slug) => departments::by_slug(conn, slug)?,
                None => None,
            };
            Ok((user, department))
        })
        .await?;
    let display_name = claims
        .name
        .clone()
        .unwrap_or_else(|| claims.subject.clone());
    let from_provider = claims.provider.is_some();
    // Refused before anything is written: a deactivated user's login changes nothing.
    if existing.as_ref().is_some_and(|user| !user.is_active()) {
        return Err(deactivated());
    }
    if let Some(user) = existing
        && (!from_provider
            || ((dept_slug.is_none() || department.is_some())
                && user.department_id == department.as_ref().map(|d| d.id)
                && user.role() == claims.role
                && user.display_name == display_name
                && user.email == claims.email))
    {
        return auth_user(user);
    }
    let user = catalog
        .write(move |conn| {
            // A local user who appeared since the read keeps what the catalog says.
            if !from_provider && let Some(user) = users::by_subject(conn, &subject)? {
                return Ok(user);
            }
            let department_id = match &dept_slug {
                Some(slug) => Some(
                    departments::ensure(
                        conn,
                        slug,
                        &agora_indexer::import::department_display_name(slug),
                    )?
                    .id,
                ),
                None => None,
            };
            users::upsert(
                conn,
                &UserClaims {
                    subject,
                    display_name,
                    email: claims.email,
                    department_id,
                    role: claims.role,
                },
            )
        })
        .await?;
    auth_user(user)
}

fn deactivated() -> ApiError {
    ApiError::Unauthorized(
        "this account has been deactivated; an admin can reactivate it".to_owned(),
    )
}

fn auth_user(user: agora_catalog::model::User) -> Result<AuthUser, ApiError> {
    if !user.is_active() {
        return Err(deactivated());
    }
    Ok(AuthUser {
        user_id: user.id,
        department_id: user.department_id,
        role: user.role(),
        subject: user.subject,
    })
}

/// Verifies a bearer token: Agora's own (HS256, the instance secret) in any mode, and in `oidc`
/// mode also the provider's (RS256/ES256, its published keys). The header's algorithm only picks
/// the verifier; each verifier accepts its own algorithms with its own keys, so an HS256 token
/// "signed" with the provider's public key fails Agora's secret like any forgery.
pub(crate) async fn verify_bearer(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    match &state.identity.oidc {
        Some(provider)
            if jsonwebtoken::decode_header(token).is_ok_and(|h| h.alg != Algorithm::HS256) =>
        {
            provider.verify_bearer(token).await
        }
        _ => state.tokens.verify(token).map(Principal::from),
    }
}

/// The current web session, if the request carries a valid session cookie. An expired or
/// foreign cookie is no session: the page shows the visitor as logged out.
pub(crate) fn session_of(req: &HttpRequest, identity: &Identity) -> Option<SessionClaims> {
    cookies::read(req, cookies::SESSION).and_then(|jwt| identity.sessions.verify(&jwt))
}

fn app_state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state is not registered".to_owned()))
}

async fn authenticate(req: HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    let state = app_state(&req)?;
    if let Some(token) = bearer_token(&req)? {
        let principal = verify_bearer(state, &token).await?;
        return resolve(state, principal).await.map(Some);
    }
    let Some(session) = session_of(&req, &state.identity) else {
        return Ok(None);
    };
    // The cookie rides along with any request the browser makes, including forged ones.
    if csrf::is_write(req.method()) {
        let form_token = csrf::form_token_of(&req);
        csrf::check(&req, &state.identity, &session, form_token.as_deref())?;
    }
    resolve(state, session.principal).await.map(Some)
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(req).await?.ok_or_else(|| {
                ApiError::Unauthorized(
                    "this needs a login: send `Authorization: Bearer <token>` or log in at /login"
                        .to_owned(),
                )
            })
        })
    }
}

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        // A token that is present but bad is still refused: silently treating it as anonymous
        // would hide a broken client.
        Box::pin(async move { authenticate(req).await.map(MaybeUser) })
    }
}

/// The caller, who must be an admin: anyone else gets a 403 problem.
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if user.role == Role::Admin {
                Ok(AdminUser(user))
            } else {
                Err(ApiError::Forbidden("only admins may do this".to_owned()))
            }
        })
    }
}
