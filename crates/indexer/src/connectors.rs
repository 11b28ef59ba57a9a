//! Building the client for a forge row: its kind picks the client, its scope what to read, its
//! sealed token (opened here, never logged) how to authenticate.

use agora_catalog::forges::Forge as ForgeRow;
use agora_catalog::model::ForgeKind;
use agora_catalog::secret_box::SecretBox;
use agora_forge::{
    BitbucketClient, BitbucketConfig, Forge, GitDirectorySource, GiteaClient, GiteaConfig,
    GithubClient, GithubConfig, GitlabClient, GitlabConfig, HttpLimits,
};
use secrecy::SecretString;

use crate::IndexerError;

/// Why a forge row cannot be turned into a client.
fn misconfigured(forge: &ForgeRow, reason: impl std::fmt::Display) -> IndexerError {
    IndexerError::Config(format!("forge `{}`: {reason}", forge.name))
}

fn scope_value(forge: &ForgeRow, key: &str) -> Result<Option<String>, IndexerError> {
    Ok(forge
        .scope()?
        .get(key)
        .and_then(|v| v.as_str())
        .map(str::to_owned))
}

/// The client for `forge`, authenticated with its token opened by `secrets`.
pub fn client_for(
    forge: &ForgeRow,
    secrets: &SecretBox,
    limits: HttpLimits,
) -> Result<Box<dyn Forge>, IndexerError> {
    let kind = forge.kind()?;
    if kind == ForgeKind::GitDirectory {
        // A folder of repositories: no API, no token.
        let path = scope_value(forge, "path")?
            .ok_or_else(|| misconfigured(forge, "a git-directory source needs a `path`"))?;
        return Ok(Box::new(GitDirectorySource::new(path, forge.name.clone())));
    }
    let token = match &forge.token_encrypted {
        Some(sealed) => SecretString::from(secrets.open(sealed)?),
        None => {
            return Err(misconfigured(
                forge,
                "no token is stored; add the forge again with --token-env",
            ));
        }
    };
    match kind {
        ForgeKind::Github => {
            let config = match scope_value(forge, "org")? {
                Some(org) => GithubConfig::organization(org, token),
                None if forge.scope()?.get("installation").is_some() => {
                    GithubConfig::installation(token)
                }
                None => {
                    return Err(misconfigured(
                        forge,
                        "a GitHub forge needs an `org` (or an app installation)",
                    ));
                }
            };
            Ok(Box::new(GithubClient::new(
                config
                    .with_base_url(forge.base_url.clone())
                    .with_limits(limits),
            )?))
        }
        ForgeKind::Gitlab => {
            let config = match scope_value(forge, "group")? {
                Some(group) => GitlabConfig::group(forge.base_url.clone(), group, token),
                None => GitlabConfig::all_visible(forge.base_url.clone(), token),
            };
            Ok(Box::new(GitlabClient::new(config.with_limits(limits))?))
        }
        ForgeKind::Gitea => {
            let config = match (scope_value(forge, "org")?, scope_value(forge, "user")?) {
                (Some(org), _) => GiteaConfig::organization(forge.base_url.clone(), org, token),
                (None, Some(user)) => GiteaConfig::user(forge.base_url.clone(), user, token),
                _ => {
                    return Err(misconfigured(
                        forge,
                        "a Gitea/Forgejo forge needs an `org` (or a `user`)",
                    ));
                }
            };
            Ok(Box::new(GiteaClient::new(config.with_limits(limits))?))
        }
        ForgeKind::Bitbucket => {
            let config = match scope_value(forge, "project")? {
                Some(key) => BitbucketConfig::project(forge.base_url.clone(), key, token),
                None => BitbucketConfig::all_visible(forge.base_url.clone(), token),
            };
            Ok(Box::new(BitbucketClient::new(config.with_limits(limits))?))
        }
        other => Err(misconfigured(
            forge,
            format!("syncing `{other}` sources is not available in this build yet"),
        )),
    }
}
