//! Repositories and the project view built on them (repository + department + listing + stars
//! + sources).
//!
//! A project usually stands on one repository row. The same repository mirrored on another forge
//! is a second row, linked to the first by `mirror_of`: the linked mirror is no project of its
//! own (hidden from every list, from search and from `visible_project`), and the project it
//! joins lists it among its `sources`. Rows are matched through normalised URLs, the row's own
//! (`source_key`) and, for a mirror, its upstream's (`upstream_key`), whichever side is synced
//! first; see `record_source_keys`. Linking moves the mirror's stars and open access requests to
//! the primary row, and never deletes anything.

use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::error::{CatalogError, CatalogResult};
use crate::model::{
    AccessRequestStatus, Department, Listing, Repository, RepositoryUpsert, Visibility,
};
use crate::schema::{access_requests, departments, forges, listings, repositories, stars};
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

/// One place a project's code lives: a repository row on some forge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub repository_id: i64,
    pub forge_id: i64,
    pub forge_name: String,
    pub forge_kind: String,
    pub full_name: String,
    pub html_url: String,
    /// A mirror linked to the project's primary row (false for the primary itself).
    pub mirror: bool,
}

/// A repository with everything a reader of the catalog wants beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub repository: Repository,
    pub department: Option<Department>,
    pub listing: Option<Listing>,
    /// Stars given inside Agora (the forge's own count is `repository.stars`).
    pub agora_stars: i64,
    /// Set when this row is a linked mirror: the id of the primary row that is the project.
    pub mirror_of: Option<i64>,
    /// Where the project's code lives: the primary row first, then its linked mirrors still on
    /// their forges, by id. A linked mirror's own `sources` are its primary's.
    pub sources: Vec<Source>,
}

impl Project {
    pub fn is_published(&self) -> bool {
        self.listing.is_some()
    }

    /// A linked mirror is visible to nobody as a project of its own: it is seen as a source of
    /// its primary, under the primary's visibility rule.
    pub fn is_visible_to(&self, viewer: &Viewer) -> bool {
        self.mirror_of.is_none() && viewer.can_see(&self.repository, self.is_published())
    }

    /// True when the code itself is closed to the viewer, though the listing may be shown.
    pub fn requires_access_request(&self, viewer: &Viewer) -> bool {
        self.repository.visibility() == Visibility::Private
            && !viewer.is_admin()
            && (viewer.department_id.is_none()
                || self.repository.department_id != viewer.department_id)
    }
}

type ProjectRow = (Repository, Option<i64>, Option<Department>, Option<Listing>);

/// The columns every project query selects, in `ProjectRow` order.
macro_rules! project_columns {
    () => {
        (
            Repository::as_select(),
            repositories::mirror_of,
            Option::<Department>::as_select(),
            Option::<Listing>::as_select(),
        )
    };
}

fn attach_star_counts(
    conn: &mut DbConnection,
    rows: Vec<ProjectRow>,
) -> CatalogResult<Vec<Project>> {
    let ids: Vec<i64> = rows.iter().map(|(r, _, _, _)| r.id).collect();
    let counts = star_counts(conn, &ids)?;
    let roots: Vec<i64> = rows
        .iter()
        .map(|(r, mirror_of, _, _)| mirror_of.unwrap_or(r.id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let sources = sources_of(conn, &roots)?;
    Ok(rows
        .into_iter()
        .map(|(repository, mirror_of, department, listing)| {
            let agora_stars = counts.get(&repository.id).copied().unwrap_or(0);
            let root = mirror_of.unwrap_or(repository.id);
            let sources = sources.get(&root).cloned().unwrap_or_default();
            Project {
                repository,
                department,
                listing,
                agora_stars,
                mirror_of,
                sources,
            }
        })
        .collect())
}

/// The sources of each primary row: the row itself, then its linked mirrors not removed from
/// their forges, by id.
fn sources_of(conn: &mut DbConnection, roots: &[i64]) -> CatalogResult<HashMap<i64, Vec<Source>>> {
    type SourceRow = (i64, Option<i64>, i64, String, String, String, String);
    let mut by_root: HashMap<i64, Vec<Source>> = HashMap::with_capacity(roots.len());
    for chunk in roots.chunks(250) {
        let rows: Vec<SourceRow> = repositories::table
            .inner_join(forges::table)
            .filter(
                repositories::id.eq_any(chunk).or(repositories::mirror_of
                    .eq_any(chunk)
                    .and(repositories::removed_at.is_null())),
            )
            .order(repositories::id.asc())
            .select((
                repositories::id,
                repositories::mirror_of,
                repositories::forge_id,
                forges::name,
                forges::kind,
                repositories::full_name,
                repositories::html_url,
            ))
            .load(conn)?;
        // The primary first: rows come by id, and a primary may have a larger id than its mirror.
        let (primaries, mirrors): (Vec<SourceRow>, Vec<SourceRow>) = rows
            .into_iter()
            .partition(|(id, _, _, _, _, _, _)| chunk.contains(id));
        for (id, mirror_of, forge_id, forge_name, forge_kind, full_name, html_url) in
            primaries.into_iter().chain(mirrors)
        {
            let is_primary = chunk.contains(&id);
            let root = if is_primary {
                id
            } else {
                mirror_of.unwrap_or(id)
            };
            by_root.entry(root).or_default().push(Source {
                repository_id: id,
                forge_id,
                forge_name,
                forge_kind,
                full_name,
                html_url,
                mirror: !is_primary,
            });
        }
    }
    Ok(by_root)
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
        .select(project_columns!())
        .first(conn)
        .optional()?;
    Ok(attach_star_counts(conn, row.into_iter().collect())?.pop())
}

/// The id of the project a repository row belongs to: its primary's when it is a linked mirror,
/// else its own (also for an unknown id, which later lookups report).
pub fn project_id_of(conn: &mut DbConnection, id: i64) -> CatalogResult<i64> {
    let mirror_of: Option<Option<i64>> = repositories::table
        .find(id)
        .select(repositories::mirror_of)
        .first(conn)
        .optional()?;
    Ok(mirror_of.flatten().unwrap_or(id))
}

/// The visible project, or `NotFound` — also when it exists but the viewer may not see it, so
/// that a private repository's existence is not revealed. A linked mirror's id is `NotFound`
/// too (it is no project of its own: see `project_id_of`), so that nothing is starred or
/// requested on the mirror rather than on the project.
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
/// Linked mirrors are left out: they are sources of their primary's project, not projects.
pub fn projects_page(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> CatalogResult<Vec<Project>> {
    let rows: Vec<ProjectRow> = repositories::table
        .left_join(departments::table)
        .left_join(listings::table)
        .filter(repositories::id.gt(after_id))
        .filter(repositories::mirror_of.is_null())
        .order(repositories::id.asc())
        .limit(limit)
        .select(project_columns!())
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
            .select(project_columns!())
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

/// Unlinks the mirrors of a repository (one gone from its forge, say), so that each stands as
/// a project of its own again. Returns their ids; what was moved to the primary stays there.
pub fn release_mirrors(conn: &mut DbConnection, id: i64) -> CatalogResult<Vec<i64>> {
    let mirrors: Vec<i64> = repositories::table
        .filter(repositories::mirror_of.eq(id))
        .select(repositories::id)
        .load(conn)?;
    if !mirrors.is_empty() {
        diesel::update(repositories::table.filter(repositories::mirror_of.eq(id)))
            .set(repositories::mirror_of.eq(None::<i64>))
            .execute(conn)?;
    }
    Ok(mirrors)
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

/// Records where a repository row stands among the sources of one project, and links it:
/// `source_key` is the normalised URL of the repository itself, `upstream_key` that of the
/// repository it mirrors (`None` when its forge does not call it a mirror). Both orders of
/// syncing meet here:
/// - a mirror whose upstream is a known repository (not removed) is linked to that repository's
///   project (its primary; following a chain of mirrors to the end, never into a cycle);
/// - rows that named this repository as their upstream and were waiting unlinked are linked to
///   this row's project.
///
/// A link stays while the forge still calls the row a mirror, even if the upstream URL no
/// longer matches anything known (the primary was renamed, say); it goes when the forge stops
/// calling it a mirror, or moves when the upstream now names another known repository. Linking
/// moves the mirror's stars and open access requests to the primary (except those the same user
/// also has there, which stay where they are); nothing is deleted. Returns the ids whose project
/// view changed, to be re-indexed.
pub fn record_source_keys(
    conn: &mut DbConnection,
    id: i64,
    source_key: Option<&str>,
    upstream_key: Option<&str>,
) -> CatalogResult<Vec<i64>> {
    let Some(linked_to) = repositories::table
        .find(id)
        .select(repositories::mirror_of)
        .first::<Option<i64>>(conn)
        .optional()?
    else {
        return Err(CatalogError::not_found("repository"));
    };
    diesel::update(repositories::table.find(id))
        .set((
            repositories::source_key.eq(source_key),
            repositories::upstream_key.eq(upstream_key),
        ))
        .execute(conn)?;
    let mut changed = BTreeSet::new();

    // This row as a mirror.
    let primary = match upstream_key {
        None => None,
        Some(key) => primary_for(conn, id, key)?.or(linked_to),
    };
    if primary != linked_to {
        link(conn, id, primary, &mut changed)?;
        changed.extend(linked_to);
    }

    // This row as the upstream of rows synced before it.
    if let Some(key) = source_key {
        let root = primary.unwrap_or(id);
        let waiting: Vec<i64> = repositories::table
            .filter(repositories::upstream_key.eq(key))
            .filter(repositories::mirror_of.is_null())
            // A repository gone from its forge is no source of anything.
            .filter(repositories::removed_at.is_null())
            .filter(repositories::id.ne(id))
            .filter(repositories::id.ne(root))
            .select(repositories::id)
            .load(conn)?;
        for mirror in waiting {
            link(conn, mirror, Some(root), &mut changed)?;
        }
    }
    Ok(changed.into_iter().collect())
}

/// The project (primary row id) a mirror of `key` joins: the first known repository with that
/// URL still on its forge, preferring one that is no mirror itself, followed to its own primary.
/// `None` when the repository is unknown, or when following it leads back to `mirror`.
fn primary_for(conn: &mut DbConnection, mirror: i64, key: &str) -> CatalogResult<Option<i64>> {
    let candidates: Vec<(i64, Option<i64>)> = repositories::table
        .filter(repositories::source_key.eq(key))
        .filter(repositories::removed_at.is_null())
        .filter(repositories::id.ne(mirror))
        .order(repositories::id.asc())
        .select((repositories::id, repositories::mirror_of))
        .load(conn)?;
    let chosen = candidates
        .iter()
        .find(|(_, mirror_of)| mirror_of.is_none())
        .or(candidates.first());
    Ok(chosen
        .map(|(id, mirror_of)| mirror_of.unwrap_or(*id))
        .filter(|root| *root != mirror))
}

/// Sets (or clears) a row's link, keeps chains flat (rows linked to it follow it to its new
/// primary), and moves what the project owns to the primary.
fn link(
    conn: &mut DbConnection,
    mirror: i64,
    primary: Option<i64>,
    changed: &mut BTreeSet<i64>,
) -> CatalogResult<()> {
    diesel::update(repositories::table.find(mirror))
        .set(repositories::mirror_of.eq(primary))
        .execute(conn)?;
    changed.insert(mirror);
    let Some(primary) = primary else {
        return Ok(());
    };
    changed.insert(primary);
    let followers: Vec<i64> = repositories::table
        .filter(repositories::mirror_of.eq(mirror))
        .select(repositories::id)
        .load(conn)?;
    if !followers.is_empty() {
        diesel::update(repositories::table.filter(repositories::mirror_of.eq(mirror)))
            .set(repositories::mirror_of.eq(primary))
            .execute(conn)?;
        changed.extend(followers);
    }
    move_belongings(conn, mirror, primary)
}

/// Moves stars and open access requests from a newly linked mirror to its primary, so the
/// project's count and queue are not split. What would collide with the same user's star or
/// open request on the primary stays on the mirror, hidden with it. Decided requests stay where
/// they were decided: they record what happened on that forge.
fn move_belongings(conn: &mut DbConnection, mirror: i64, primary: i64) -> CatalogResult<()> {
    let starred_primary: HashSet<i64> = stars::table
        .filter(stars::repository_id.eq(primary))
        .select(stars::user_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let movable: Vec<i64> = stars::table
        .filter(stars::repository_id.eq(mirror))
        .select(stars::user_id)
        .load::<i64>(conn)?
        .into_iter()
        .filter(|user| !starred_primary.contains(user))
        .collect();
    // Bounded IN lists: SQLite caps bound parameters per statement.
    for users in movable.chunks(500) {
        diesel::update(
            stars::table
                .filter(stars::repository_id.eq(mirror))
                .filter(stars::user_id.eq_any(users)),
        )
        .set(stars::repository_id.eq(primary))
        .execute(conn)?;
    }
    let open = AccessRequestStatus::Requested.as_str();
    let open_on_primary: HashSet<i64> = access_requests::table
        .filter(access_requests::repository_id.eq(primary))
        .filter(access_requests::status.eq(open))
        .select(access_requests::requester_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let movable: Vec<i64> = access_requests::table
        .filter(access_requests::repository_id.eq(mirror))
        .filter(access_requests::status.eq(open))
        .select((access_requests::id, access_requests::requester_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .filter(|(_, requester)| !open_on_primary.contains(requester))
        .map(|(id, _)| id)
        .collect();
    for requests in movable.chunks(500) {
        diesel::update(access_requests::table.filter(access_requests::id.eq_any(requests)))
            .set(access_requests::repository_id.eq(primary))
            .execute(conn)?;
    }
    Ok(())
}
