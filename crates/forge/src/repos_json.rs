//! The SAP Project Portal's `repos.json`: an array of GitHub-search-shaped repositories, each with
//! an `_InnerSourceMetadata` object (topics, weekly participation, guidelines, score and every key
//! of the repository's innersource.json). Agora reads it as a source and writes it as an export,
//! so that the portal can run on Agora's data.
//!
//! Agora adds one key of its own, `_AgoraMetadata` (department, visibility, README), which the
//! portal ignores and which lets an export round-trip through an import.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ForgeError;
use crate::innersource::InnerSourceJson;
use crate::repository::{RemoteRepository, RemoteVisibility};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SapOwner {
    #[serde(default)]
    pub login: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SapLicense {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spdx_id: Option<String>,
}

/// Agora's own extension key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgoraMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readme: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
}

/// One element of repos.json, as the portal reads and writes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SapRepository {
    pub id: serde_json::Value,
    pub name: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub pushed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub stargazers_count: i64,
    #[serde(default)]
    pub watchers_count: i64,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub forks_count: i64,
    #[serde(default)]
    pub open_issues_count: i64,
    #[serde(default)]
    pub license: Option<SapLicense>,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub owner: SapOwner,
    #[serde(rename = "_InnerSourceMetadata", default)]
    pub innersource_metadata: serde_json::Map<String, serde_json::Value>,
    #[serde(
        rename = "_AgoraMetadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub agora_metadata: Option<AgoraMetadata>,
}

/// The outcome of reading a repos.json: what could be read, and each entry that could not, by
/// position, with the reason. One bad entry never hides the good ones.
#[derive(Debug, Default)]
pub struct ReposJsonRead {
    pub repositories: Vec<RemoteRepository>,
    pub rejected: Vec<RejectedEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RejectedEntry {
    pub index: usize,
    pub reason: String,
}

/// Parses a repos.json document. Fails only when the document as a whole is not a JSON array.
pub fn parse(source_name: &str, text: &str) -> Result<ReposJsonRead, ForgeError> {
    let malformed = |reason: String| ForgeError::Malformed {
        source_name: source_name.to_owned(),
        what: "repos.json".to_owned(),
        reason,
    };
    let document: serde_json::Value =
        serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
    let serde_json::Value::Array(entries) = document else {
        return Err(malformed(
            "the document must be a JSON array of repositories".to_owned(),
        ));
    };
    let mut read = ReposJsonRead::default();
    for (index, entry) in entries.into_iter().enumerate() {
        match serde_json::from_value::<SapRepository>(entry)
            .map_err(|e| e.to_string())
            .and_then(SapRepository::into_remote)
        {
            Ok(repository) => read.repositories.push(repository),
            Err(reason) => read.rejected.push(RejectedEntry { index, reason }),
        }
    }
    Ok(read)
}

fn id_to_string(id: &serde_json::Value) -> Option<String> {
    match id {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

impl SapRepository {
    pub fn into_remote(self) -> Result<RemoteRepository, String> {
        let external_id = id_to_string(&self.id)
            .ok_or_else(|| "`id` must be a number or a non-empty string".to_owned())?;
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err("`name` must not be empty".to_owned());
        }
        let owner = match self.owner.login.trim() {
            "" => self
                .full_name
                .split('/')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            login => login.to_owned(),
        };
        if owner.is_empty() {
            return Err("`owner.login` (or an `owner/name` full_name) is required".to_owned());
        }
        let full_name = match self.full_name.trim() {
            "" => format!("{owner}/{name}"),
            full => full.to_owned(),
        };
        let meta = self.innersource_metadata;
        let innersource = InnerSourceJson::from_object(&meta);
        let topics = match meta.get("topics") {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|t| t.as_str())
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        let participation = match meta.get("participation") {
            Some(serde_json::Value::Array(weeks)) => weeks
                .iter()
                .map(|w| w.as_i64().unwrap_or(0).max(0))
                .collect(),
            _ => Vec::new(),
        };
        let has_contributing = meta
            .get("guidelines")
            .and_then(|g| g.as_str())
            .is_some_and(|g| !g.trim().is_empty());
        let agora = self.agora_metadata.unwrap_or_default();
        let department_hint = agora
            .department
            .clone()
            .or_else(|| {
                meta.get("department")
                    .and_then(|d| d.as_str())
                    .map(str::to_owned)
            })
            .filter(|d| !d.trim().is_empty());
        let visibility = match agora.visibility.as_deref() {
            Some(raw) => Some(RemoteVisibility::parse(raw).ok_or_else(|| {
                format!("`_AgoraMetadata.visibility` `{raw}` is not public, internal or private")
            })?),
            None => None,
        };
        let license = self
            .license
            .and_then(|l| l.spdx_id.or(l.key).or(l.name))
            .filter(|l| l != "NOASSERTION");
        let primary_language = innersource.language.clone().or(self.language);
        let mut languages = BTreeMap::new();
        if let Some(language) = &primary_language {
            languages.insert(language.clone(), 100.0);
        }
        let mut metadata = serde_json::Map::new();
        metadata.insert(
            "_InnerSourceMetadata".to_owned(),
            serde_json::Value::Object(meta),
        );
        if let Some(avatar) = self.owner.avatar_url {
            metadata.insert(
                "owner_avatar_url".to_owned(),
                serde_json::Value::String(avatar),
            );
        }
        Ok(RemoteRepository {
            external_id,
            owner,
            name,
            html_url: self.html_url,
            full_name,
            description: self.description.filter(|d| !d.trim().is_empty()),
            default_branch: self.default_branch,
            visibility,
            archived: agora.archived,
            topics,
            primary_language,
            languages,
            license,
            stars: self.stargazers_count.max(0),
            forks: self.forks_count.max(0),
            open_issues: self.open_issues_count.max(0),
            watchers: self.watchers_count.max(0),
            readme: agora.readme,
            has_contributing,
            created_at: self.created_at,
            updated_at: self.updated_at,
            pushed_at: self.pushed_at,
            participation,
            innersource: (!innersource.is_empty()).then_some(innersource),
            department_hint,
            metadata,
            ..RemoteRepository::default()
        })
    }
}

/// Writes repositories as a repos.json document (pretty-printed, as the portal's crawler does).
pub fn write(repositories: &[SapRepository]) -> String {
    // Serialising these plain structs cannot fail.
    serde_json::to_string_pretty(repositories).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_entry_is_reported_by_position_and_the_rest_are_read() {
        let text = r#"[
            {"id": 1, "name": "good", "full_name": "fin/good", "owner": {"login": "fin"}},
            {"id": null, "name": "no-id", "owner": {"login": "fin"}},
            {"id": 3, "name": "", "owner": {"login": "fin"}},
            {"id": "4", "name": "also-good", "owner": {"login": "hr"}, "stargazers_count": 7,
             "_InnerSourceMetadata": {"topics": ["PDF", " "], "guidelines": "CONTRIBUTING.md", "skills": "Rust"}}
        ]"#;
        let read = parse("test", text).unwrap();
        let names: Vec<_> = read
            .repositories
            .iter()
            .map(|r| r.full_name.as_str())
            .collect();
        assert_eq!(names, ["fin/good", "hr/also-good"]);
        assert_eq!(
            read.rejected.iter().map(|r| r.index).collect::<Vec<_>>(),
            [1, 2]
        );
        let also_good = &read.repositories[1];
        assert_eq!(also_good.topics, ["pdf"]);
        assert!(also_good.has_contributing);
        assert_eq!(also_good.stars, 7);
        assert_eq!(also_good.innersource.as_ref().unwrap().skills, ["Rust"]);
    }

    #[test]
    fn a_document_that_is_not_an_array_is_malformed() {
        assert!(matches!(
            parse("x", "{}"),
            Err(ForgeError::Malformed { .. })
        ));
        assert!(matches!(
            parse("x", "[1,"),
            Err(ForgeError::Malformed { .. })
        ));
    }

    #[test]
    fn department_comes_from_agora_metadata_then_innersource_then_owner() {
        let read = parse(
            "t",
            r#"[{"id":1,"name":"a","owner":{"login":"o"},"_AgoraMetadata":{"department":"finance"},"_InnerSourceMetadata":{"department":"hr"}},
                {"id":2,"name":"b","owner":{"login":"o"},"_InnerSourceMetadata":{"department":"hr"}},
                {"id":3,"name":"c","owner":{"login":"o"}}]"#,
        )
        .unwrap();
        let hints: Vec<_> = read
            .repositories
            .iter()
            .map(|r| r.department_hint.as_deref())
            .collect();
        assert_eq!(hints, [Some("finance"), Some("hr"), None]);
    }
}
