//! Who the caller is, and how they prove it. Two modes: `local` (Agora signs its own HS256 tokens
//! with the instance secret; the web login takes such a token) and `oidc` (an external OpenID
//! provider's RS256/ES256 tokens are trusted, and the web login is an authorization-code + PKCE
//! flow). Both end in the same place: an Agora session cookie, verified like a token, with a
//! CSRF token bound to it for cookie-authenticated writes.

pub mod cookies;
pub mod csrf;
pub mod oidc;
pub mod session;

use std::sync::Arc;

pub use url::Url;

use crate::error::ApiError;
pub use oidc::{DepartmentSource, OidcConfig, OidcProvider};
pub use session::SessionKeys;

/// The instance's identity settings, passed explicitly from the configuration to the handlers.
#[derive(Clone, Debug)]
pub struct Identity {
    /// `None` in local mode.
    pub oidc: Option<Arc<OidcProvider>>,
    /// Where users reach Agora (`AGORA_PUBLIC_URL`): the origin writes must come from, the base
    /// of the OIDC redirect URI, and whether cookies are `Secure`.
    pub public_url: Option<Url>,
    pub sessions: SessionKeys,
}

impl Identity {
    /// Local mode: Agora's own tokens and sessions only.
    pub fn local(secret: &[u8], public_url: Option<Url>) -> Result<Self, ApiError> {
        Ok(Self {
            oidc: None,
            public_url,
            sessions: SessionKeys::from_secret(secret)?,
        })
    }

    /// OIDC mode: the provider's tokens are trusted as well; the web login goes through it.
    pub fn oidc(
        secret: &[u8],
        public_url: Option<Url>,
        config: OidcConfig,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            oidc: Some(Arc::new(OidcProvider::new(config)?)),
            public_url,
            sessions: SessionKeys::from_secret(secret)?,
        })
    }

    pub fn mode(&self) -> &'static str {
        if self.oidc.is_some() { "oidc" } else { "local" }
    }
}

/// Parses `AGORA_PUBLIC_URL`: an absolute http(s) URL with a host.
pub fn parse_public_url(raw: &str) -> Result<Url, ApiError> {
    let url = Url::parse(raw.trim())
        .map_err(|e| ApiError::BadRequest(format!("AGORA_PUBLIC_URL {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ApiError::BadRequest(format!(
            "AGORA_PUBLIC_URL must be an http(s) URL, not {raw:?}"
        )));
    }
    Ok(url)
}

/// What a verified credential says about its holder, whatever issued it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Principal {
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Department slug or name, as the credential says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    pub role: agora_catalog::model::Role,
    /// The OpenID provider's issuer when the provider vouched for this principal; `None` when
    /// Agora itself did (its own token). Subjects are only unique per issuer: this keeps a
    /// provider's `sub` and a local login with the same text apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl Principal {
    /// The subject the catalog knows this principal by: provider users in their own namespace
    /// (`oidc:<issuer>#<sub>`), local ones as they are, and never a local one in the provider's.
    pub fn catalog_subject(&self) -> Result<String, ApiError> {
        match &self.provider {
            Some(issuer) => Ok(agora_catalog::users::provider_subject(
                issuer,
                &self.subject,
            )),
            None => {
                agora_catalog::users::check_local_subject(&self.subject).map_err(|e| {
                    ApiError::Unauthorized(format!("the token's subject is not acceptable: {e}"))
                })?;
                Ok(self.subject.clone())
            }
        }
    }
}
