//! Repositories and the project view built on them (repository + department + listing + stars).

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{CatalogError, CatalogResult};
use crate::model::{Department, Listing, Repository, RepositoryUpsert, Visibility};
use crate::schema::{departments, listings, repositories, stars};
use crate::viewer::Viewer;

/// Inserts the repository or, when the forge already gave us one with this id, updates it in place
/// (so its stars, listing and requests stay attached). Returns the catalog id.
///
/// Upsert is the one statement `MultiConnection` cannot express, so it is written per backend.
pub fn upsert(conn: &mut DbConnection, row: &RepositoryUpsert) -> CatalogResult<i64> {
    macro_rules! upsert_on {
        ($c:expr) => {
            diesel::insert_into(repositories::table)
                .values(row)
                .on_conflict((repositories::forge_id, repositories::external_id))
                .do_update()
                .set(row)
                .returning(repositories::id)
                .get_result::<i64>($c)
        };
    }
    let id = match conn {
        DbConnection::Sqlite(c) => upsert_on!(c),
        DbConnection::Postgresql(c) => upsert_on!(c),
    }?;
    Ok(id)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> CatalogResult<Option<Repository>> {
    Ok(repositories::table
        .find(id)
        .select(Repository::as_select())
        .first(conn)
        .optional()?)
}

pub fn count(conn: &mut DbConnection) -> CatalogResult<i64> {
    Ok(repositories::table.count().get_result(conn)?)
}

/// A repository with everything a reader of the catalog wants beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub repository: Repository,
    pub department: Option<Department>,
    pub listing: Option<Listing>,
    /// Stars given inside Agora (the forge's own count is `repository.stars`).
    pub agora_stars: i64,
}

impl Project {
    pub fn is_published(&self) -> bool {
        self.listing.is_some()
    }

    pub fn is_visible_to(&self, viewer: &Viewer) -> bool {
        viewer.can_see(&self.repository, self.is_published())
    }

    /// True when the code itself is closed to the viewer, though the listing may be shown.
    pub fn requires_access_request(&self, viewer: &Viewer) -> bool {
        self.repository.visibility() == Visibility::Private
            && !viewer.is_admin()
            && (viewer.department_id.is_none()
                || self.repository.department_id != viewer.department_id)
    }
}

type ProjectRow = (Repository, Option<Department>, Option<Listing>);

fn attach_star_counts(
    conn: &mut DbConnection,
    rows: Vec<ProjectRow>,
) -> CatalogResult<Vec<Project>> {
    let ids: Vec<i64> = rows.iter().map(|(r, _, _)| r.id).collect();
    let counts = star_counts(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(repository, department, listing)| {
            let agora_stars = counts.get(&repository.id).copied().unwrap_or(0);
            Project {
                repository,
                department,
                listing,
                agora_stars,
            }
        })
        .collect())
}

/// Agora star counts for the given repositories (absent = no stars).
pub fn star_counts(conn: &mut DbConnection, ids: &[i64]) -> CatalogResult<HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut counts = HashMap::with_capacity(ids.len());
    // Bounded IN lists: SQLite caps bound parameters per statement.
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i64)> = stars::table
            .filter(stars::repository_id.eq_any(chunk))
            .group_by(stars::repository_id)
            .select((stars::repository_id, diesel::dsl::count_star()))
            .load(conn)?;
        counts.extend(rows);
    }
    Ok(counts)
}

/// One project by id, whether or not the viewer may see it (callers decide with `is_visible_to`).
pub fn project(conn: &mut DbConnection, id: i64) -> CatalogResult<Option<Project>> {
    let row: Option<ProjectRow> = repositories::table
        .left_join(departments::table)
        .left_join(listings::table)
        .filter(repositories::id.eq(id))
        .select((
            Repository::as_select(),
            Option::<Department>::as_select(),
            Option::<Listing>::as_select(),
        ))
        .first(conn)
        .optional()?;
    Ok(attach_star_counts(conn, row.into_iter().collect())?.pop())
}

/// The visible project, or `NotFound` — also when it exists but the viewer may not see it, so
/// that a private repository's existence is not revealed.
pub fn visible_project(
    conn: &mut DbConnection,
    id: i64,
    viewer: &Viewer,
) -> CatalogResult<Project> {
    match project(conn, id)? {
        Some(project) if project.is_visible_to(viewer) => Ok(project),
        _ => Err(CatalogError::not_found("project")),
    }
}

/// Projects in id order, `limit` at a time after `after_id` (for reindexing and exports).
pub fn projects_page(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> CatalogResult<Vec<Project>> {
    let rows: Vec<ProjectRow> = repositories::table
        .left_join(departments::table)
        .left_join(listings::table)
        .filter(repositories::id.gt(after_id))
        .order(repositories::id.asc())
        .limit(limit)
        .select((
            Repository::as_select(),
            Option::<Department>::as_select(),
            Option::<Listing>::as_select(),
        ))
        .load(conn)?;
    attach_star_counts(conn, rows)
}

/// Several projects by id, in the order given, skipping unknown ids.
pub fn projects_by_ids(conn: &mut DbConnection, ids: &[i64]) -> CatalogResult<Vec<Project>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<ProjectRow> = repositories::table
            .left_join(departments::table)
            .left_join(listings::table)
            .filter(repositories::id.eq_any(chunk))
            .select((
                Repository::as_select(),
                Option::<Department>::as_select(),
                Option::<Listing>::as_select(),
            ))
            .load(conn)?;
        found.extend(attach_star_counts(conn, rows)?);
    }
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    found.sort_by_key(|p| {
        position
            .get(&p.repository.id)
            .copied()
            .unwrap_or(usize::MAX)
    });
    Ok(found)
}

/// The stored repository a source's external id maps to, if any.
pub fn by_external_id(
    conn: &mut DbConnection,
    forge_id: i64,
    external_id: &str,
) -> CatalogResult<Option<Repository>> {
    Ok(repositories::table
        .filter(repositories::forge_id.eq(forge_id))
        .filter(repositories::external_id.eq(external_id))
        .select(Repository::as_select())
        .first(conn)
        .optional()?)
}

/// (id, external id, full name) of the forge's repositories still present on it.
pub fn present_on_forge(
    conn: &mut DbConnection,
    forge_id: i64,
) -> CatalogResult<Vec<(i64, String, String)>> {
    Ok(repositories::table
        .filter(repositories::forge_id.eq(forge_id))
        .filter(repositories::removed_at.is_null())
        .select((
            repositories::id,
            repositories::external_id,
            repositories::full_name,
        ))
        .load(conn)?)
}

/// Marks a repository as gone from its forge: kept (with its stars and requests), hidden from search.
pub fn mark_removed(conn: &mut DbConnection, id: i64) -> CatalogResult<()> {
    let now = crate::model::now();
    diesel::update(repositories::table.find(id))
        .set((
            repositories::removed_at.eq(now),
            repositories::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores the ETags of the repository's files (path → etag), to revalidate them next sync.
pub fn set_sync_etags(
    conn: &mut DbConnection,
    id: i64,
    etags: &std::collections::BTreeMap<String, String>,
) -> CatalogResult<()> {
    let value = if etags.is_empty() {
        None
    } else {
        Some(crate::model::to_json(etags))
    };
    diesel::update(repositories::table.find(id))
        .set(repositories::sync_etag.eq(value))
        .execute(conn)?;
    Ok(())
}
