//! Resolved settings: where things live, which database, the instance secret.

use std::path::{Path, PathBuf};

use agora_catalog::DatabaseUrl;
use anyhow::Context;
use rand::RngCore;

use crate::cli::GlobalArgs;

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
