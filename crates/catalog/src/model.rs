//! The domain model: rows as stored, and the closed vocabularies (roles, visibility, statuses)
//! that the database keeps as text.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::CatalogError;
use crate::schema::{departments, listings, repositories, stars, users};

/// Declares a text-backed enum with its wire names, `as_str`, `FromStr` and serde in one place.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = CatalogError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(CatalogError::invalid(
                        stringify!($name),
                        format!(
                            "`{other}` is not one of {}",
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

text_enum!(
    /// What a user may do: employees browse, star and request; leads own one department; admins run the instance.
    Role { Employee => "employee", Lead => "lead", Admin => "admin" }
);

text_enum!(
    /// The repository's visibility on its forge.
    Visibility { Public => "public", Internal => "internal", Private => "private" }
);

text_enum!(
    /// Where an access request stands.
    AccessRequestStatus {
        Requested => "requested",
        Approved => "approved",
        Denied => "denied",
        Withdrawn => "withdrawn",
        Granted => "granted",
        GrantFailed => "grant_failed",
    }
);

text_enum!(
    /// How far along a published project is, as its owners say.
    Maturity { Experimental => "experimental", Active => "active", Mature => "mature", Deprecated => "deprecated" }
);

text_enum!(
    /// The kinds of source the indexer can read.
    ForgeKind {
        Github => "github",
        Gitlab => "gitlab",
        Gitea => "gitea",
        Bitbucket => "bitbucket",
        GitDirectory => "git-directory",
        ReposJson => "repos-json",
    }
);

/// Parses a JSON text column, naming the column when the stored text is not what we wrote.
pub fn parse_json<T: for<'de> Deserialize<'de>>(
    field: &'static str,
    text: &str,
) -> Result<T, CatalogError> {
    serde_json::from_str(text).map_err(|e| CatalogError::CorruptJson {
        field,
        reason: e.to_string(),
    })
}

pub fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising plain maps, vectors and `serde_json::Value` cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub subject: String,
    pub display_name: String,
    pub email: Option<String>,
    pub department_id: Option<i64>,
    pub role: String,
    pub forge_usernames: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set by an admin: the user's tokens and sessions are refused while it is.
    pub deactivated_at: Option<NaiveDateTime>,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }

    pub fn role(&self) -> Role {
        // The CHECK constraint keeps the column to the three names.
        self.role.parse().unwrap_or(Role::Employee)
    }

    pub fn forge_usernames(&self) -> Result<BTreeMap<String, String>, CatalogError> {
        parse_json("users.forge_usernames", &self.forge_usernames)
    }
}

/// A repository as the catalog knows it: what its forge said at the last sync, plus where it belongs.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = repositories)]
pub struct Repository {
    pub id: i64,
    pub forge_id: i64,
    pub external_id: String,
    pub owner: String,
    pub name: String,
    pub full_name: String,
    pub description: Option<String>,
    pub html_url: String,
    pub default_branch: Option<String>,
    pub visibility: String,
    pub archived: bool,
    pub fork: bool,
    pub mirror: bool,
    pub topics: String,
    pub primary_language: Option<String>,
    pub languages: String,
    pub license: Option<String>,
    pub stars: i64,
    pub forks: i64,
    pub open_issues: i64,
    pub watchers: i64,
    pub readme: Option<String>,
    pub has_contributing: bool,
    pub has_code_of_conduct: bool,
    pub owners: String,
    pub department_id: Option<i64>,
    pub metadata: String,
    pub participation: String,
    pub activity_score: Option<i64>,
    pub forge_created_at: Option<NaiveDateTime>,
    pub forge_updated_at: Option<NaiveDateTime>,
    pub forge_pushed_at: Option<NaiveDateTime>,
    pub sync_etag: Option<String>,
    pub sync_cursor: Option<String>,
    pub synced_at: Option<NaiveDateTime>,
    pub removed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Repository {
    pub fn visibility(&self) -> Visibility {
        self.visibility.parse().unwrap_or(Visibility::Private)
    }

    pub fn topics(&self) -> Result<Vec<String>, CatalogError> {
        parse_json("repositories.topics", &self.topics)
    }

    /// Share of the code per language, as the forge reports it (bytes or percent).
    pub fn languages(&self) -> Result<BTreeMap<String, f64>, CatalogError> {
        parse_json("repositories.languages", &self.languages)
    }

    pub fn owners(&self) -> Result<Vec<String>, CatalogError> {
        parse_json("repositories.owners", &self.owners)
    }

    /// Free-form metadata from the repository's own files (innersource.json, catalog-info.yaml…).
    pub fn metadata(&self) -> Result<serde_json::Map<String, serde_json::Value>, CatalogError> {
        parse_json("repositories.metadata", &self.metadata)
    }

    /// Weekly commit counts, oldest first.
    pub fn participation(&self) -> Result<Vec<i64>, CatalogError> {
        parse_json("repositories.participation", &self.participation)
    }
}

/// What a source says about one repository: inserted, or written over the stored row on re-sync.
/// `None` means "the forge says there is none", so it is written as NULL.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = repositories, treat_none_as_null = true)]
pub struct RepositoryUpsert {
    pub forge_id: i64,
    pub external_id: String,
    pub owner: String,
    pub name: String,
    pub full_name: String,
    pub description: Option<String>,
    pub html_url: String,
    pub default_branch: Option<String>,
    pub visibility: String,
    pub archived: bool,
    pub fork: bool,
    pub mirror: bool,
    pub topics: String,
    pub primary_language: Option<String>,
    pub languages: String,
    pub license: Option<String>,
    pub stars: i64,
    pub forks: i64,
    pub open_issues: i64,
    pub watchers: i64,
    pub readme: Option<String>,
    pub has_contributing: bool,
    pub has_code_of_conduct: bool,
    pub owners: String,
    pub department_id: Option<i64>,
    pub metadata: String,
    pub participation: String,
    pub activity_score: Option<i64>,
    pub forge_created_at: Option<NaiveDateTime>,
    pub forge_updated_at: Option<NaiveDateTime>,
    pub forge_pushed_at: Option<NaiveDateTime>,
    pub synced_at: Option<NaiveDateTime>,
    pub removed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// The published catalog entry of a repository: its pitch to the rest of the organisation.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = listings)]
pub struct Listing {
    pub id: i64,
    pub repository_id: i64,
    pub department_id: Option<i64>,
    pub published_by: Option<i64>,
    pub published_at: NaiveDateTime,
    pub title: Option<String>,
    pub motivation: Option<String>,
    pub skills: String,
    pub contributions_wanted: String,
    pub docs_url: Option<String>,
    pub logo_url: Option<String>,
    pub maturity: Option<String>,
    pub looking_for_contributors: bool,
    pub updated_at: NaiveDateTime,
}

impl Listing {
    pub fn skills(&self) -> Result<Vec<String>, CatalogError> {
        parse_json("listings.skills", &self.skills)
    }

    pub fn contributions_wanted(&self) -> Result<Vec<String>, CatalogError> {
        parse_json("listings.contributions_wanted", &self.contributions_wanted)
    }

    pub fn maturity(&self) -> Option<Maturity> {
        self.maturity.as_deref().and_then(|m| m.parse().ok())
    }
}

/// The owner-written part of a listing, in domain types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListingDraft {
    pub title: Option<String>,
    pub motivation: Option<String>,
    pub skills: Vec<String>,
    pub contributions_wanted: Vec<String>,
    pub docs_url: Option<String>,
    pub logo_url: Option<String>,
    pub maturity: Option<Maturity>,
    pub looking_for_contributors: bool,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = listings, treat_none_as_null = true)]
pub(crate) struct ListingUpsert {
    pub repository_id: i64,
    pub department_id: Option<i64>,
    pub published_by: Option<i64>,
    pub title: Option<String>,
    pub motivation: Option<String>,
    pub skills: String,
    pub contributions_wanted: String,
    pub docs_url: Option<String>,
    pub logo_url: Option<String>,
    pub maturity: Option<String>,
    pub looking_for_contributors: bool,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = stars)]
pub struct Star {
    pub user_id: i64,
    pub repository_id: i64,
    pub starred_at: NaiveDateTime,
}
