//! Agora's web sessions: a short-lived HS256 JWT in an HttpOnly cookie. It is signed with a key
//! derived from the instance secret for this purpose only, and carries its own audience, so an
//! API token is never a session and a session is never an API token. The CSRF token is an HMAC
//! of the session id (a synchronizer token that needs no server-side storage), and the OIDC
//! login state (state, nonce, PKCE verifier) travels in another signed, short-lived cookie.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::Principal;
use crate::error::ApiError;

pub const ISSUER: &str = "agora";
pub const SESSION_AUDIENCE: &str = "agora-session";
pub const LOGIN_STATE_AUDIENCE: &str = "agora-oidc-login";
/// How long a web session lasts (never longer than the credential it was made from).
pub const SESSION_TTL_SECS: i64 = 8 * 3600;
/// How long a user has to come back from the OpenID provider.
pub const LOGIN_STATE_TTL_SECS: i64 = 600;
const LEEWAY_SECS: u64 = 60;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionClaims {
    #[serde(flatten)]
    pub principal: Principal,
    /// The session id: the CSRF token is derived from it.
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// What the OIDC login must find again at the callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginState {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// A freshly issued session: the cookie value, its CSRF token and its lifetime.
#[derive(Debug)]
pub struct NewSession {
    pub jwt: String,
    pub csrf: String,
    pub ttl_secs: i64,
}

#[derive(Clone)]
pub struct SessionKeys {
    mac_key: Vec<u8>,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(..)")
    }
}

/// `bytes` random bytes, base64url.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

fn hmac(key: &[u8], message: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut mac = HmacSha256::new_from_slice(key)
        .map_err(|e| ApiError::Internal(format!("session key: {e}")))?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().to_vec())
}

impl SessionKeys {
    /// Keys derived from the instance secret (HMAC with a fixed label), never the secret itself.
    pub fn from_secret(secret: &[u8]) -> Result<Self, ApiError> {
        if secret.len() < 32 {
            return Err(ApiError::Internal(
                "the instance secret must be at least 32 bytes".to_owned(),
            ));
        }
        let signing = hmac(secret, b"agora/session-signing/v1")?;
        let mac_key = hmac(secret, b"agora/csrf/v1")?;
        let key_error =
            |e: jsonwebtoken::errors::Error| ApiError::Internal(format!("session key: {e}"));
        Ok(Self {
            mac_key,
            encoding: EncodingKey::from_secret(&signing).map_err(key_error)?,
            decoding: DecodingKey::from_secret(&signing).map_err(key_error)?,
        })
    }

    fn validation(audience: &str) -> Validation {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        validation
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("signing a session: {e}")))
    }

    /// A session for `principal`, ending at `not_after` (a Unix time) at the latest.
    pub fn issue(
        &self,
        principal: Principal,
        not_after: Option<i64>,
    ) -> Result<NewSession, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let mut exp = now + SESSION_TTL_SECS;
        if let Some(limit) = not_after {
            exp = exp.min(limit);
        }
        if exp <= now {
            return Err(ApiError::Unauthorized(
                "the credential has expired".to_owned(),
            ));
        }
        let sid = random_token(18);
        let claims = SessionClaims {
            principal,
            sid,
            iss: ISSUER.to_owned(),
            aud: SESSION_AUDIENCE.to_owned(),
            iat: now,
            nbf: now,
            exp,
        };
        Ok(NewSession {
            jwt: self.sign(&claims)?,
            csrf: self.csrf_token(&claims.sid)?,
            ttl_secs: exp - now,
        })
    }

    /// The session's claims, or `None` when the cookie is not a valid, current session.
    pub fn verify(&self, jwt: &str) -> Option<SessionClaims> {
        jsonwebtoken::decode::<SessionClaims>(
            jwt,
            &self.decoding,
            &Self::validation(SESSION_AUDIENCE),
        )
        .map(|data| data.claims)
        .ok()
    }

    /// The CSRF token of session `sid`.
    pub fn csrf_token(&self, sid: &str) -> Result<String, ApiError> {
        Ok(URL_SAFE_NO_PAD.encode(hmac(&self.mac_key, sid.as_bytes())?))
    }

    /// Whether `presented` is the CSRF token of session `sid` (in constant time).
    pub fn csrf_matches(&self, sid: &str, presented: &str) -> bool {
        self.csrf_token(sid)
            .is_ok_and(|expected| bool::from(expected.as_bytes().ct_eq(presented.as_bytes())))
    }

    /// Signs a new OIDC login state; returns it with the cookie value.
    pub fn issue_login_state(&self) -> Result<(LoginState, String), ApiError> {
        let now = chrono::Utc::now().timestamp();
        let state = LoginState {
            state: random_token(24),
            nonce: random_token(24),
            // 32 bytes → 43 characters: the PKCE verifier's minimum length, maximum entropy.
            verifier: random_token(32),
            iss: ISSUER.to_owned(),
            aud: LOGIN_STATE_AUDIENCE.to_owned(),
            iat: now,
            exp: now + LOGIN_STATE_TTL_SECS,
        };
        let jwt = self.sign(&state)?;
        Ok((state, jwt))
    }

    pub fn verify_login_state(&self, jwt: &str) -> Option<LoginState> {
        let mut validation = Self::validation(LOGIN_STATE_AUDIENCE);
        validation.validate_nbf = false;
        jsonwebtoken::decode::<LoginState>(jwt, &self.decoding, &validation)
            .map(|data| data.claims)
            .ok()
    }
}

/// `base64url(SHA-256(verifier))`: the PKCE S256 challenge.
pub fn pkce_challenge(verifier: &str) -> String {
    use sha2::Digest;
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
