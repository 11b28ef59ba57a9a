//! Resolved settings: where things live, which database, the instance secret.

use std::path::{Path, PathBuf};

use agora_catalog::DatabaseUrl;
use anyhow::Context;
use rand::RngCore;

use crate::cli::{AuthModeArg, GlobalArgs, IdentityArgs};

const SECRET_FILE: &str = "secret.key";

#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub index_dir: PathBuf,
}

impl Settings {
    pub fn from_args(args: &GlobalArgs) -> anyhow::Result<Self> {
        let database_url = match &args.database_url {
            Some(url) => DatabaseUrl::parse(url)?,
            None => DatabaseUrl::sqlite_file(&args.data_dir.join("agora.db")),
        };
        Ok(Self {
            data_dir: args.data_dir.clone(),
            database_url,
            index_dir: args.data_dir.join("index"),
        })
    }

    /// The instance secret that signs tokens: `AGORA_SECRET` when set (replicas must share it),
    /// otherwise generated on first start and kept in the data directory, readable by us only.
    /// The sealer of forge tokens, keyed from the instance secret.
    pub fn secret_box(&self) -> anyhow::Result<agora_catalog::secret_box::SecretBox> {
        Ok(agora_catalog::secret_box::SecretBox::from_instance_secret(
            &self.instance_secret()?,
        ))
    }

    pub fn instance_secret(&self) -> anyhow::Result<Vec<u8>> {
        if let Ok(secret) = std::env::var("AGORA_SECRET") {
            anyhow::ensure!(
                secret.len() >= 32,
                "AGORA_SECRET must be at least 32 characters"
            );
            return Ok(secret.into_bytes());
        }
        load_or_create_secret(&self.data_dir.join(SECRET_FILE))
    }
}

/// The identity settings of `agora serve`: local tokens only, or an OpenID provider as well.
pub fn identity(args: &IdentityArgs, secret: &[u8]) -> anyhow::Result<agora_api::Identity> {
    let public_url = args
        .public_url
        .as_deref()
        .map(agora_api::identity::parse_public_url)
        .transpose()?;
    let nonempty = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match args.auth_mode {
        AuthModeArg::Local => Ok(agora_api::Identity::local(secret, public_url)?),
        AuthModeArg::Oidc => {
            let issuer =
                nonempty(&args.oidc_issuer).context("--auth oidc needs AGORA_OIDC_ISSUER")?;
            let client_id =
                nonempty(&args.oidc_client_id).context("--auth oidc needs AGORA_OIDC_CLIENT_ID")?;
            let mut config = agora_api::OidcConfig::new(issuer, client_id);
            if let Some(audience) = nonempty(&args.oidc_audience) {
                config.audience = audience;
            }
            if let Ok(secret) = std::env::var("AGORA_OIDC_CLIENT_SECRET")
                && !secret.is_empty()
            {
                config.set_client_secret(secret);
            }
            config.department = match nonempty(&args.oidc_department_group_prefix) {
                Some(prefix) => agora_api::DepartmentSource::GroupPrefix(prefix),
                None => agora_api::DepartmentSource::Claim(args.oidc_department_claim.clone()),
            };
            let list = |groups: &[String]| {
                groups
                    .iter()
                    .map(|g| g.trim().to_owned())
                    .filter(|g| !g.is_empty())
                    .collect::<Vec<_>>()
            };
            config.lead_groups = list(&args.oidc_lead_groups);
            config.admin_groups = list(&args.oidc_admin_groups);
            config.scopes = args.oidc_scopes.clone();
            config.jwks_max_age = std::time::Duration::from_secs(args.oidc_jwks_max_age_secs);
            if public_url.is_none() {
                tracing::warn!(
                    "AGORA_PUBLIC_URL is not set: the OIDC redirect URI is taken from each request's Host header"
                );
            }
            Ok(agora_api::Identity::oidc(secret, public_url, config)?)
        }
    }
}

fn load_or_create_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let secret = text.trim();
        anyhow::ensure!(
            secret.len() >= 32,
            "{} is too short to be an instance secret",
            path.display()
        );
        return Ok(secret.as_bytes().to_vec());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(path, &secret).with_context(|| format!("writing {}", path.display()))?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}
