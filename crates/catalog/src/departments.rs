//! Departments: the organisational units that own repositories.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{CatalogError, CatalogResult};
use crate::model::{Department, now};
use crate::schema::departments;

/// Normalises a department name or login into its slug: lower case, words joined by `-`.
pub fn slugify(raw: &str) -> String {
    let mut slug = String::with_capacity(raw.len());
    for c in raw.trim().chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Returns the department with this slug, creating it (named `name`) when it does not exist yet.
pub fn ensure(conn: &mut DbConnection, slug: &str, name: &str) -> CatalogResult<Department> {
    let slug = slugify(slug);
    if slug.is_empty() {
        return Err(CatalogError::invalid(
            "department",
            "a department needs a name with letters or digits",
        ));
    }
    if let Some(found) = by_slug(conn, &slug)? {
        return Ok(found);
    }
    let name = if name.trim().is_empty() {
        slug.as_str()
    } else {
        name.trim()
    };
    let inserted = diesel::insert_into(departments::table)
        .values((
            departments::slug.eq(&slug),
            departments::name.eq(name),
            departments::created_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        // Another writer created it between our read and our insert: theirs is as good as ours.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {}
        Err(e) => return Err(e.into()),
    }
    by_slug(conn, &slug)?.ok_or(CatalogError::not_found("department"))
}

pub fn by_slug(conn: &mut DbConnection, slug: &str) -> CatalogResult<Option<Department>> {
    Ok(departments::table
        .filter(departments::slug.eq(slug))
        .select(Department::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> CatalogResult<Option<Department>> {
    Ok(departments::table
        .find(id)
        .select(Department::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> CatalogResult<Vec<Department>> {
    Ok(departments::table
        .order(departments::slug.asc())
        .select(Department::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slugify("Customer Service"), "customer-service");
        assert_eq!(slugify("  data_platform  "), "data-platform");
        assert_eq!(slugify("Finance"), "finance");
        assert_eq!(slugify("--"), "");
    }
}
