//! The forge-neutral description of one repository.

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
    pub topics: Vec<String>,
    pub primary_language: Option<String>,
    /// Share of code per language, in the forge's unit (bytes or percent).
    pub languages: BTreeMap<String, f64>,
    /// SPDX id where known.
    pub license: Option<String>,
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
