//! The forge-neutral description of one repository, and how URLs name repositories: a mirror's
//! upstream as it may be kept (`upstream_url`, credentials removed) and the identity under which
//! two spellings of one repository's URL match (`repository_key`), so that the same repository
//! mirrored on two forges can be recognised as one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::innersource::InnerSourceJson;

/// A repository's visibility as its forge states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteVisibility {
    Public,
    Internal,
    Private,
}

impl RemoteVisibility {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "public" => Some(Self::Public),
            "internal" => Some(Self::Internal),
            "private" => Some(Self::Private),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
            Self::Private => "private",
        }
    }
}

/// A detail of a repository that a forge gives only through its own call per repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Languages,
    License,
}

/// A per-repository read that failed, and why (the forge and the call are in the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadDetail {
    pub detail: Detail,
    pub error: String,
}

/// Everything one source knows about one repository.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteRepository {
    /// The forge's own id; stable across renames.
    pub external_id: String,
    /// The org, group, project key or user the repository lives under.
    pub owner: String,
    pub name: String,
    pub full_name: String,
    pub description: Option<String>,
    pub html_url: String,
    pub default_branch: Option<String>,
    pub visibility: Option<RemoteVisibility>,
    pub archived: bool,
    pub fork: bool,
    pub mirror: bool,
    /// What a mirror copies, as the forge names it (credentials removed, see `upstream_url`).
    /// Set only when the forge calls the repository a mirror; `None` for everything else,
    /// forks and one-time imports included.
    pub upstream_url: Option<String>,
    pub topics: Vec<String>,
    pub primary_language: Option<String>,
    /// Share of code per language, in the forge's unit (bytes or percent).
    pub languages: BTreeMap<String, f64>,
    /// SPDX id where known.
    pub license: Option<String>,
    /// The per-repository reads that failed (languages, license, on forges whose listings lack
    /// them): the values above are then unknown rather than empty, and the stored ones are kept.
    pub unread_details: Vec<UnreadDetail>,
    pub stars: i64,
    pub forks: i64,
    pub open_issues: i64,
    pub watchers: i64,
    pub readme: Option<String>,
    pub has_contributing: bool,
    pub has_code_of_conduct: bool,
    pub owners: Vec<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub pushed_at: Option<DateTime<Utc>>,
    /// Weekly commit counts for the last 52 weeks, oldest first.
    pub participation: Vec<i64>,
    pub innersource: Option<InnerSourceJson>,
    /// The department the source itself names, if any (overrides the owner mapping).
    pub department_hint: Option<String>,
    /// Metadata keys to keep verbatim (e.g. the full `_InnerSourceMetadata` object), so an export
    /// gives back what was read.
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

impl RemoteRepository {
    /// Whether the per-repository read of `detail` failed, so that its value is unknown.
    pub fn is_unread(&self, detail: Detail) -> bool {
        self.unread_details.iter().any(|u| u.detail == detail)
    }
}

/// A mirror's upstream URL as it may be stored and shown: trimmed, and without the user name and
/// password a forge may keep in it (GitLab pull mirrors and Gitea mirrors authenticate with
/// them). `None` for an empty value.
pub fn upstream_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(mut url) = reqwest::Url::parse(raw)
        && url.has_host()
    {
        // Both only fail on URLs that cannot carry credentials, which have none to remove.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        return Some(url.to_string());
    }
    // An scp-like address (`git@host:path`): its user is a fixed login, never a secret.
    Some(raw.to_owned())
}

/// The identity of a repository URL, so that the same repository named in different ways
/// matches: `host/path` in lower case, whatever the scheme (https, http, ssh, git, or the
/// scp-like `git@host:path`), without credentials, port, `www.`, trailing `/` or `.git`.
/// `None` for what names no repository on a host (a local path, a bare host).
///
/// Ports are left out on purpose: a forge answers SSH and HTTPS on different ports for the same
/// repository, and two forges on one host told apart only by port are not a case worth a miss.
pub fn repository_key(url: &str) -> Option<String> {
    let url = url.trim();
    let (host, path) = if url.contains("://") {
        let parsed = reqwest::Url::parse(url).ok()?;
        if !matches!(
            parsed.scheme(),
            "http" | "https" | "ssh" | "git" | "git+ssh" | "ssh+git"
        ) {
            return None;
        }
        (parsed.host_str()?.to_owned(), parsed.path().to_owned())
    } else {
        // scp-like: `[user@]host:path`, where the host part holds no `/`.
        let (authority, path) = url.split_once(':')?;
        // A one-letter "host" is a Windows drive (`C:/git/x`), not a forge.
        if authority.contains('/') || authority.len() < 2 {
            return None;
        }
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        (host.to_owned(), path.to_owned())
    };
    let host = host.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut path = path.trim_matches('/').to_lowercase();
    while let Some(stripped) = path.strip_suffix(".git") {
        path = stripped.trim_end_matches('/').to_owned();
    }
    if host.is_empty() || path.is_empty() {
        return None;
    }
    Some(format!("{host}/{path}"))
}

#[cfg(test)]
mod tests {
    use super::{repository_key, upstream_url};

    #[test]
    fn every_spelling_of_one_repository_has_the_same_key() {
        let spellings = [
            "https://github.com/Acme/Widgets",
            "https://github.com/acme/widgets.git",
            "https://github.com/acme/widgets/",
            "http://www.GitHub.com/acme/widgets.git/",
            "https://user:s3cret@github.com/acme/widgets.git",
            "https://github.com:443/acme/widgets",
            "git@github.com:acme/widgets.git",
            "github.com:acme/widgets",
            "ssh://git@github.com:22/acme/widgets.git",
            "git://github.com/acme/widgets",
            "  https://github.com/acme/widgets  ",
        ];
        for spelling in spellings {
            assert_eq!(
                repository_key(spelling).as_deref(),
                Some("github.com/acme/widgets"),
                "{spelling}"
            );
        }
    }

    #[test]
    fn different_repositories_and_non_repositories_do_not_match() {
        assert_ne!(
            repository_key("https://github.com/acme/widgets"),
            repository_key("https://github.com/acme/widgets-2")
        );
        assert_ne!(
            repository_key("https://gitlab.example.com/acme/widgets"),
            repository_key("https://github.com/acme/widgets")
        );
        assert_eq!(
            repository_key("https://gitlab.example.com/acme/sub/widgets").as_deref(),
            Some("gitlab.example.com/acme/sub/widgets")
        );
        for nothing in [
            "",
            "https://github.com/",
            "file:///srv/git/widgets.git",
            "/srv/git/widgets",
            "C:/git/x",
        ] {
            assert_eq!(repository_key(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn upstream_urls_lose_their_credentials() {
        assert_eq!(
            upstream_url("https://oauth2:glpat-secret@github.com/acme/widgets.git").as_deref(),
            Some("https://github.com/acme/widgets.git")
        );
        assert_eq!(
            upstream_url("git@github.com:acme/widgets.git").as_deref(),
            Some("git@github.com:acme/widgets.git")
        );
        assert_eq!(upstream_url("  "), None);
    }
}
