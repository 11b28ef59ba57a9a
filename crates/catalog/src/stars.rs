//! Stars: one per user and repository, counted across the whole organisation.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::CatalogResult;
use crate::model::{Star, now};
use crate::repositories::{self, Project};
use crate::schema::stars;
use crate::viewer::Viewer;

/// Stars the repository for the user. Starring twice changes nothing; returns whether a star was added.
pub fn star(conn: &mut DbConnection, user_id: i64, repository_id: i64) -> CatalogResult<bool> {
    let exists = stars::table
        .find((user_id, repository_id))
        .select(stars::user_id)
        .first::<i64>(conn)
        .optional()?
        .is_some();
    if exists {
        return Ok(false);
    }
    let inserted = diesel::insert_into(stars::table)
        .values((
            stars::user_id.eq(user_id),
            stars::repository_id.eq(repository_id),
            stars::starred_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        // A concurrent request from the same user won the race: the star is there, as asked.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Removes the star. Returns whether there was one.
pub fn unstar(conn: &mut DbConnection, user_id: i64, repository_id: i64) -> CatalogResult<bool> {
    let removed = diesel::delete(stars::table.find((user_id, repository_id))).execute(conn)?;
    Ok(removed > 0)
}

pub fn count_for(conn: &mut DbConnection, repository_id: i64) -> CatalogResult<i64> {
    Ok(stars::table
        .filter(stars::repository_id.eq(repository_id))
        .count()
        .get_result(conn)?)
}

/// The user's starred projects that they may still see, most recent star first.
pub fn starred_by(
    conn: &mut DbConnection,
    user_id: i64,
    viewer: &Viewer,
) -> CatalogResult<Vec<(Star, Project)>> {
    let user_stars: Vec<Star> = stars::table
        .filter(stars::user_id.eq(user_id))
        .order(stars::starred_at.desc())
        .select(Star::as_select())
        .load(conn)?;
    let ids: Vec<i64> = user_stars.iter().map(|s| s.repository_id).collect();
    let projects = repositories::projects_by_ids(conn, &ids)?;
    Ok(user_stars
        .into_iter()
        .zip(projects)
        .filter(|(_, project)| project.is_visible_to(viewer))
        .collect())
}

/// Who starred the repository, newest first: (user, their department, when).
pub fn stargazers(
    conn: &mut DbConnection,
    repository_id: i64,
) -> CatalogResult<
    Vec<(
        crate::model::User,
        Option<crate::model::Department>,
        chrono::NaiveDateTime,
    )>,
> {
    use crate::schema::{departments, users};
    Ok(stars::table
        .inner_join(users::table.left_join(departments::table))
        .filter(stars::repository_id.eq(repository_id))
        .order(stars::starred_at.desc())
        .select((
            crate::model::User::as_select(),
            Option::<crate::model::Department>::as_select(),
            stars::starred_at,
        ))
        .load(conn)?)
}

/// Repositories by number of Agora stars (given since `since`, when set), most first:
/// (repository id, count). Callers filter by visibility and cut to their page.
pub fn ranking(
    conn: &mut DbConnection,
    since: Option<chrono::NaiveDateTime>,
    limit: i64,
) -> CatalogResult<Vec<(i64, i64)>> {
    let mut query = stars::table
        .group_by(stars::repository_id)
        .select((stars::repository_id, diesel::dsl::count_star()))
        .order((diesel::dsl::count_star().desc(), stars::repository_id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(stars::starred_at.ge(since));
    }
    Ok(query.load(conn)?)
}
