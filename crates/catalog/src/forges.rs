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
