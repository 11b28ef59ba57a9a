//! Trusting an external OpenID provider. Its discovery document and key set are fetched on first
//! use and cached for at most `jwks_max_age`, so a key the provider retires (because it leaked,
//! say) stops being accepted within that time even if no token ever names an unknown key. A
//! token signed with a key id the cache does not know triggers a refresh of the key set too.
//! Refreshes of either kind happen at most once per `jwks_refresh_interval`, so a flood of
//! made-up key ids cannot turn Agora into a load generator against the provider; and a provider
//! that is down when the cache expires does not lock everyone out: the old keys serve until a
//! later refresh succeeds. Only RS256 and ES256 are accepted, each only with
//! a key of its own type: `none`, HMAC (including HMAC keyed with the provider's public key) and
//! everything else are refused before any key is looked at.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::{Mutex, RwLock};
use url::Url;

use super::Principal;
use super::session::{LoginState, pkce_challenge, same_secret};
use crate::error::ApiError;
use agora_catalog::model::Role;

/// Tolerated clock difference between the provider and Agora.
const LEEWAY_SECS: u64 = 60;
/// RSA keys shorter than this are not trusted.
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// Where a user's department comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentSource {
    /// A claim holding the department's name or slug (default: `department`).
    Claim(String),
    /// The first entry of the `groups` claim with this prefix, prefix removed (e.g. `dept:`).
    GroupPrefix(String),
}

#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer exactly as the provider writes it in `iss`.
    pub issuer: String,
    pub client_id: String,
    /// From the environment only; never logged.
    pub client_secret: Option<SecretString>,
    /// The `aud` API bearer tokens must carry (default: the client id).
    pub audience: String,
    pub department: DepartmentSource,
    pub lead_groups: Vec<String>,
    pub admin_groups: Vec<String>,
    pub scopes: String,
    /// The shortest time between two key-set refreshes (caused by unknown key ids or by age).
    pub jwks_refresh_interval: Duration,
    /// How long a fetched discovery document and key set are trusted before they are fetched
    /// again, whether or not a token names an unknown key.
    pub jwks_max_age: Duration,
    pub http_timeout: Duration,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("audience", &self.audience)
            .field("department", &self.department)
            .field("lead_groups", &self.lead_groups)
            .field("admin_groups", &self.admin_groups)
            .field("scopes", &self.scopes)
            .field("jwks_refresh_interval", &self.jwks_refresh_interval)
            .field("jwks_max_age", &self.jwks_max_age)
            .finish_non_exhaustive()
    }
}

impl OidcConfig {
    /// The confidential client's secret (from the environment; kept out of logs and `Debug`).
    pub fn set_client_secret(&mut self, secret: String) {
        self.client_secret = Some(SecretString::from(secret));
    }

    /// A configuration with the defaults: audience = client id, department from the
    /// `department` claim, everyone an employee, keys kept for an hour at most and refreshed at
    /// most every 30 s.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        let client_id = client_id.into();
        Self {
            issuer: issuer.into(),
            audience: client_id.clone(),
            client_id,
            client_secret: None,
            department: DepartmentSource::Claim("department".to_owned()),
            lead_groups: Vec::new(),
            admin_groups: Vec::new(),
            scopes: "openid profile email".to_owned(),
            jwks_refresh_interval: Duration::from_secs(30),
            jwks_max_age: Duration::from_secs(3600),
            http_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Vec<String>,
}

struct VerificationKey {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

struct Discovered {
    metadata: Metadata,
    keys: Vec<VerificationKey>,
    fetched_at: Instant,
}

impl Discovered {
    /// The key for a token's header: by `kid`, or the only key of the algorithm when the token
    /// names none.
    fn key(&self, kid: Option<&str>, alg: Algorithm) -> Option<&VerificationKey> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None => {
                let mut candidates = self.keys.iter().filter(|k| k.alg == alg);
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            }
        }
    }
}

pub struct OidcProvider {
    config: OidcConfig,
    http: reqwest::Client,
    cache: RwLock<Option<std::sync::Arc<Discovered>>>,
    /// Serialises fetches; holds when the cache was last refreshed (or a refresh last tried).
    last_refresh: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn unavailable(what: &str, error: impl std::fmt::Display) -> ApiError {
    tracing::warn!(%error, "OpenID provider: {what}");
    ApiError::Unavailable(format!(
        "the OpenID provider could not be reached ({what}); try again shortly"
    ))
}

fn unauthorized(why: &str) -> ApiError {
    ApiError::Unauthorized(why.to_owned())
}

/// Decodes one JWK into a key Agora accepts, or `None` for keys it ignores (encryption keys,
/// other types and curves, algorithms it does not accept, short RSA moduli).
fn verification_key(jwk: &Value) -> Option<VerificationKey> {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    if field("use").is_some_and(|u| u != "sig") {
        return None;
    }
    let (alg, key) = match field("kty")? {
        "RSA" => {
            let n = field("n")?;
            if URL_SAFE_NO_PAD.decode(n).ok()?.len() < MIN_RSA_MODULUS_BYTES {
                return None;
            }
            (
                Algorithm::RS256,
                DecodingKey::from_rsa_components(n, field("e")?).ok()?,
            )
        }
        "EC" if field("crv") == Some("P-256") => (
            Algorithm::ES256,
            DecodingKey::from_ec_components(field("x")?, field("y")?).ok()?,
        ),
        _ => return None,
    };
    if let Some(declared) = field("alg")
        && declared != format!("{alg:?}")
    {
        return None;
    }
    Some(VerificationKey {
        kid: field("kid").map(str::to_owned),
        alg,
        key,
    })
}

/// The `groups` claim as a list (a lone string counts as one group).
fn groups(claims: &Map<String, Value>) -> Vec<String> {
    match claims.get("groups") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn string_claim(claims: &Map<String, Value>, name: &str) -> Option<String> {
    let value = match claims.get(name)? {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.first()?.as_str()?.to_owned(),
        _ => return None,
    };
    let value = value.trim().to_owned();
    (!value.is_empty()).then_some(value)
}

impl OidcProvider {
    pub fn new(config: OidcConfig) -> Result<Self, ApiError> {
        if config.issuer.is_empty() || config.client_id.is_empty() {
            return Err(ApiError::Internal(
                "OIDC needs an issuer and a client id".to_owned(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(config.http_timeout)
            .user_agent(concat!("agora/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Internal(format!("building the OIDC HTTP client: {e}")))?;
        Ok(Self {
            config,
            http,
            cache: RwLock::new(None),
            last_refresh: Mutex::new(None),
        })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        what: &str,
    ) -> Result<T, ApiError> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| unavailable(what, e))?;
        if !response.status().is_success() {
            return Err(unavailable(what, format!("HTTP {}", response.status())));
        }
        response.json::<T>().await.map_err(|e| unavailable(what, e))
    }

    async fn fetch_keys(&self, jwks_uri: &str) -> Result<Vec<VerificationKey>, ApiError> {
        let set: Value = self.get_json(jwks_uri, "key set").await?;
        let keys: Vec<VerificationKey> = set
            .get("keys")
            .and_then(Value::as_array)
            .map(|keys| keys.iter().filter_map(verification_key).collect())
            .unwrap_or_default();
        tracing::info!(keys = keys.len(), "fetched the OpenID provider's key set");
        Ok(keys)
    }

    async fn fetch(&self) -> Result<Discovered, ApiError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let metadata: Metadata = self.get_json(&url, "discovery document").await?;
        if metadata.issuer != self.config.issuer {
            return Err(unavailable(
                "discovery document",
                format!(
                    "it names issuer {:?}, configured is {:?}",
                    metadata.issuer, self.config.issuer
                ),
            ));
        }
        let keys = self.fetch_keys(&metadata.jwks_uri).await?;
        Ok(Discovered {
            metadata,
            keys,
            fetched_at: Instant::now(),
        })
    }

    /// The cached metadata and keys while they are younger than `jwks_max_age`.
    async fn fresh_cache(&self) -> Option<std::sync::Arc<Discovered>> {
        self.cache
            .read()
            .await
            .as_ref()
            .filter(|found| found.fetched_at.elapsed() < self.config.jwks_max_age)
            .cloned()
    }

    /// The provider's metadata and keys: fetched on first use, and again once they are older
    /// than `jwks_max_age`.
    async fn discovered(&self) -> Result<std::sync::Arc<Discovered>, ApiError> {
        if let Some(found) = self.fresh_cache().await {
            return Ok(found);
        }
        let mut last = self.last_refresh.lock().await;
        if let Some(found) = self.fresh_cache().await {
            // Someone refreshed while we waited for the lock.
            return Ok(found);
        }
        let stale = self.cache.read().await.clone();
        let Some(stale) = stale else {
            let fresh = std::sync::Arc::new(self.fetch().await?);
            *self.cache.write().await = Some(fresh.clone());
            return Ok(fresh);
        };
        if last.is_some_and(|at| at.elapsed() < self.config.jwks_refresh_interval) {
            return Ok(stale);
        }
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(fresh) => {
                let fresh = std::sync::Arc::new(fresh);
                *self.cache.write().await = Some(fresh.clone());
                Ok(fresh)
            }
            Err(error) => {
                // Already logged by `unavailable`; the old keys are better than none.
                tracing::warn!(%error, "keeping the OpenID provider's old key set for now");
                Ok(stale)
            }
        }
    }

    /// Fetches discovery and keys now (at start-up), so the first login does not wait.
    pub async fn warm_up(&self) -> Result<(), ApiError> {
        self.discovered().await.map(|_| ())
    }

    /// Re-reads the key set because a token names a key `seen` does not have; `None` when a
    /// refresh happened too recently.
    async fn refresh_keys(
        &self,
        seen: &std::sync::Arc<Discovered>,
    ) -> Result<Option<std::sync::Arc<Discovered>>, ApiError> {
        let mut last = self.last_refresh.lock().await;
        if let Some(current) = self.cache.read().await.as_ref()
            && !std::sync::Arc::ptr_eq(current, seen)
        {
            // Someone refreshed while we waited for the lock.
            return Ok(Some(current.clone()));
        }
        if last.is_some_and(|at| at.elapsed() < self.config.jwks_refresh_interval) {
            return Ok(None);
        }
        *last = Some(Instant::now());
        let keys = self.fetch_keys(&seen.metadata.jwks_uri).await?;
        let fresh = std::sync::Arc::new(Discovered {
            metadata: seen.metadata.clone(),
            keys,
            fetched_at: Instant::now(),
        });
        *self.cache.write().await = Some(fresh.clone());
        Ok(Some(fresh))
    }

    /// Verifies a JWT from the provider: algorithm, key, signature, `iss`, `aud` (= `audience`),
    /// `exp`, `nbf`; returns its claims.
    pub async fn verify(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<Map<String, Value>, ApiError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| unauthorized("the token is malformed"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(unauthorized(
                "the token is signed with an algorithm Agora does not accept",
            ));
        }
        let kid = header.kid.as_deref();
        let mut discovered = self.discovered().await?;
        if discovered.key(kid, header.alg).is_none() {
            match self.refresh_keys(&discovered).await? {
                Some(fresh) => discovered = fresh,
                None => return Err(unauthorized("the token is signed with an unknown key")),
            }
        }
        let key = discovered
            .key(kid, header.alg)
            .ok_or_else(|| unauthorized("the token is signed with an unknown key"))?;
        if key.alg != header.alg {
            return Err(unauthorized("the token's algorithm does not match its key"));
        }
        let mut validation = Validation::new(key.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
            .map(|data| data.claims)
            .map_err(crate::auth::token_error)
    }

    /// A bearer token from the provider, as a principal.
    pub async fn verify_bearer(&self, token: &str) -> Result<Principal, ApiError> {
        let claims = self.verify(token, &self.config.audience).await?;
        self.principal(&claims)
    }

    /// Maps claims to a user: `sub`, `name` (or `preferred_username`), `email`, the department
    /// (claim or group prefix) and the role (admin and lead groups; employee otherwise).
    pub fn principal(&self, claims: &Map<String, Value>) -> Result<Principal, ApiError> {
        let subject =
            string_claim(claims, "sub").ok_or_else(|| unauthorized("the token lacks a subject"))?;
        let groups = groups(claims);
        let department = match &self.config.department {
            DepartmentSource::Claim(name) => string_claim(claims, name),
            DepartmentSource::GroupPrefix(prefix) => groups
                .iter()
                .filter_map(|g| g.strip_prefix(prefix.as_str()))
                .map(str::trim)
                .find(|d| !d.is_empty())
                .map(str::to_owned),
        };
        let member_of = |wanted: &[String]| groups.iter().any(|g| wanted.contains(g));
        let role = if member_of(&self.config.admin_groups) {
            Role::Admin
        } else if member_of(&self.config.lead_groups) {
            Role::Lead
        } else {
            Role::Employee
        };
        Ok(Principal {
            subject,
            name: string_claim(claims, "name")
                .or_else(|| string_claim(claims, "preferred_username")),
            email: string_claim(claims, "email"),
            department,
            role,
            provider: Some(self.config.issuer.clone()),
        })
    }

    /// Where to send the browser: the authorization endpoint with state, nonce and the PKCE
    /// challenge of `login`.
    pub async fn authorization_url(
        &self,
        redirect_uri: &str,
        login: &LoginState,
    ) -> Result<Url, ApiError> {
        let discovered = self.discovered().await?;
        let mut url = Url::parse(&discovered.metadata.authorization_endpoint)
            .map_err(|e| unavailable("authorization endpoint", e))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &self.config.scopes)
            .append_pair("state", &login.state)
            .append_pair("nonce", &login.nonce)
            .append_pair("code_challenge", &pkce_challenge(&login.verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(url)
    }

    /// Exchanges an authorization code at the token endpoint and verifies the ID token it
    /// returns (signature, issuer, audience = client id, expiry, nonce); returns its claims.
    pub async fn complete_login(
        &self,
        code: &str,
        redirect_uri: &str,
        login: &LoginState,
    ) -> Result<Map<String, Value>, ApiError> {
        let discovered = self.discovered().await?;
        let methods = &discovered.metadata.token_endpoint_auth_methods_supported;
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("code_verifier", &login.verifier);
        let mut request = self.http.post(&discovered.metadata.token_endpoint);
        match &self.config.client_secret {
            // client_secret_basic is the default method (RFC 8414); post only when it is the
            // one the provider offers.
            Some(secret)
                if !methods.is_empty()
                    && !methods.iter().any(|m| m == "client_secret_basic")
                    && methods.iter().any(|m| m == "client_secret_post") =>
            {
                form.append_pair("client_id", &self.config.client_id)
                    .append_pair("client_secret", secret.expose_secret());
            }
            Some(secret) => {
                let encode = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let credentials = STANDARD.encode(format!(
                    "{}:{}",
                    encode(&self.config.client_id),
                    encode(secret.expose_secret())
                ));
                request = request.header("authorization", format!("Basic {credentials}"));
            }
            None => {
                form.append_pair("client_id", &self.config.client_id);
            }
        }
        let response = request
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(form.finish())
            .send()
            .await
            .map_err(|e| unavailable("token endpoint", e))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| unavailable("token endpoint", e))?;
        if !status.is_success() {
            // The error code is the provider's, not a secret.
            let error = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            tracing::warn!(%status, error, "the OpenID provider refused the authorization code");
            return Err(unauthorized(
                "the OpenID provider refused the login; start again",
            ));
        }
        let id_token = body
            .get("id_token")
            .and_then(Value::as_str)
            .ok_or_else(|| unauthorized("the OpenID provider returned no ID token"))?;
        let claims = self.verify(id_token, &self.config.client_id).await?;
        let nonce = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
        if !same_secret(nonce, &login.nonce) {
            return Err(unauthorized(
                "the ID token's nonce does not match this login",
            ));
        }
        // With several audiences, the token must name Agora as the party it was issued to.
        if let Some(Value::Array(audiences)) = claims.get("aud")
            && audiences.len() > 1
            && claims.get("azp").and_then(Value::as_str) != Some(self.config.client_id.as_str())
        {
            return Err(unauthorized("the ID token was issued to another client"));
        }
        Ok(claims)
    }
}
