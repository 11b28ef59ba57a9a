//! Listings: publishing a repository to the catalog, with its owners' pitch.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::CatalogResult;
use crate::model::{Listing, ListingDraft, ListingUpsert, now, to_json};
use crate::schema::listings;

/// Publishes the repository (or rewrites its listing when it is already published).
pub fn publish(
    conn: &mut DbConnection,
    repository_id: i64,
    department_id: Option<i64>,
    published_by: Option<i64>,
    draft: &ListingDraft,
) -> CatalogResult<Listing> {
    let row = ListingUpsert {
        repository_id,
        department_id,
        published_by,
        title: draft.title.clone(),
        motivation: draft.motivation.clone(),
        skills: to_json(&draft.skills),
        contributions_wanted: to_json(&draft.contributions_wanted),
        docs_url: draft.docs_url.clone(),
        logo_url: draft.logo_url.clone(),
        maturity: draft.maturity.map(|m| m.as_str().to_owned()),
        looking_for_contributors: draft.looking_for_contributors,
        updated_at: now(),
    };
    match for_repository(conn, repository_id)? {
        Some(existing) => {
            diesel::update(listings::table.find(existing.id))
                .set(&row)
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(listings::table)
                .values((&row, listings::published_at.eq(now())))
                .execute(conn)?;
        }
    }
    Ok(listings::table
        .filter(listings::repository_id.eq(repository_id))
        .select(Listing::as_select())
        .first(conn)?)
}

/// Removes the listing. Returns whether there was one.
pub fn unpublish(conn: &mut DbConnection, repository_id: i64) -> CatalogResult<bool> {
    let removed = diesel::delete(listings::table.filter(listings::repository_id.eq(repository_id)))
        .execute(conn)?;
    Ok(removed > 0)
}

pub fn for_repository(
    conn: &mut DbConnection,
    repository_id: i64,
) -> CatalogResult<Option<Listing>> {
    Ok(listings::table
        .filter(listings::repository_id.eq(repository_id))
        .select(Listing::as_select())
        .first(conn)
        .optional()?)
}
