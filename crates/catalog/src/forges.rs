//! Forges: the sources repositories are read from (a GitHub org, a GitLab group, a repos.json file…).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{CatalogError, CatalogResult};
use crate::model::{ForgeKind, now};
use crate::schema::forges;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = forges)]
pub struct Forge {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub base_url: String,
    pub scope: String,
    /// Sealed with the instance key; never leaves the server.
    pub token_encrypted: Option<String>,
    pub department_map: String,
    pub status: String,
    pub sync_interval_secs: i64,
    pub last_synced_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Sealed with the instance key, like the token.
    pub webhook_secret_encrypted: Option<String>,
}

impl Forge {
    pub fn kind(&self) -> CatalogResult<ForgeKind> {
        self.kind.parse()
    }
}

/// Returns the forge with this name, creating it when it does not exist. An existing forge of
/// another kind is a conflict: names identify forges, and two sources must not share one.
pub fn ensure(
    conn: &mut DbConnection,
    name: &str,
    kind: ForgeKind,
    base_url: &str,
) -> CatalogResult<Forge> {
    if name.trim().is_empty() {
        return Err(CatalogError::invalid("forge name", "must not be empty"));
    }
    if let Some(found) = by_name(conn, name)? {
        if found.kind != kind.as_str() {
            return Err(CatalogError::Conflict(format!(
                "a forge named `{name}` already exists with kind `{}`",
                found.kind
            )));
        }
        return Ok(found);
    }
    let now = now();
    diesel::insert_into(forges::table)
        .values((
            forges::name.eq(name),
            forges::kind.eq(kind.as_str()),
            forges::base_url.eq(base_url),
            forges::created_at.eq(now),
            forges::updated_at.eq(now),
        ))
        .execute(conn)?;
    by_name(conn, name)?.ok_or(CatalogError::not_found("forge"))
}

pub fn by_name(conn: &mut DbConnection, name: &str) -> CatalogResult<Option<Forge>> {
    Ok(forges::table
        .filter(forges::name.eq(name))
        .select(Forge::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> CatalogResult<Vec<Forge>> {
    Ok(forges::table
        .order(forges::name.asc())
        .select(Forge::as_select())
        .load(conn)?)
}

/// A forge to connect, as an admin describes it.
#[derive(Debug, Clone)]
pub struct NewForge {
    pub name: String,
    pub kind: ForgeKind,
    pub base_url: String,
    /// What to read: `{"org": "acme"}`, `{"group": "42"}`, `{"project": "KEY"}`, `{"path": "/srv/git"}`…
    pub scope: serde_json::Value,
    /// Already sealed with `SecretBox`.
    pub token_encrypted: Option<String>,
    /// Forge owner / team / catalog owner → department slug.
    pub department_map: std::collections::BTreeMap<String, String>,
    pub sync_interval_secs: i64,
    /// Already sealed with `SecretBox`.
    pub webhook_secret_encrypted: Option<String>,
}

/// Adds a forge. A name already taken is a conflict (forges are named by their admins).
pub fn create(conn: &mut DbConnection, forge: &NewForge) -> CatalogResult<Forge> {
    if forge.name.trim().is_empty() {
        return Err(CatalogError::invalid("forge name", "must not be empty"));
    }
    if by_name(conn, &forge.name)?.is_some() {
        return Err(CatalogError::Conflict(format!(
            "a forge named `{}` already exists",
            forge.name
        )));
    }
    let now = now();
    diesel::insert_into(forges::table)
        .values((
            forges::name.eq(&forge.name),
            forges::kind.eq(forge.kind.as_str()),
            forges::base_url.eq(&forge.base_url),
            forges::scope.eq(crate::model::to_json(&forge.scope)),
            forges::token_encrypted.eq(&forge.token_encrypted),
            forges::department_map.eq(crate::model::to_json(&forge.department_map)),
            forges::sync_interval_secs.eq(forge.sync_interval_secs),
            forges::webhook_secret_encrypted.eq(&forge.webhook_secret_encrypted),
            forges::created_at.eq(now),
            forges::updated_at.eq(now),
        ))
        .execute(conn)?;
    by_name(conn, &forge.name)?.ok_or(CatalogError::not_found("forge"))
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> CatalogResult<Option<Forge>> {
    Ok(forges::table
        .find(id)
        .select(Forge::as_select())
        .first(conn)
        .optional()?)
}

/// Records the end of a sync: its status and, when it produced a usable listing, the watermark.
pub fn record_sync(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    synced_at: Option<NaiveDateTime>,
) -> CatalogResult<()> {
    let now = now();
    match synced_at {
        Some(at) => diesel::update(forges::table.find(id))
            .set((
                forges::status.eq(status),
                forges::last_synced_at.eq(at),
                forges::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(forges::table.find(id))
            .set((forges::status.eq(status), forges::updated_at.eq(now)))
            .execute(conn)?,
    };
    Ok(())
}

impl Forge {
    pub fn scope(&self) -> CatalogResult<serde_json::Map<String, serde_json::Value>> {
        crate::model::parse_json("forges.scope", &self.scope)
    }

    pub fn department_map(&self) -> CatalogResult<std::collections::BTreeMap<String, String>> {
        crate::model::parse_json("forges.department_map", &self.department_map)
    }
}
