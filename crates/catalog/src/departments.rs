//! Departments: the organisational units that own repositories, and what admins do to them.
//! A department's slug is its identity everywhere else (tokens, provider claims, forge department
//! maps), so admins rename a department's display name only; and a department is deleted only
//! when nothing refers to it any more, so a deletion never silently moves users or repositories
//! out of their department. Each admin action writes its audit event in the caller's transaction.

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::db::DbConnection;
use crate::error::{CatalogError, CatalogResult};
use crate::model::{Department, now};
use crate::schema::{departments, forges, listings, repositories, users};

const MAX_SLUG_LEN: usize = 64;
const MAX_NAME_LEN: usize = 200;

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

/// A department with how many users and repositories belong to it.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentSummary {
    pub department: Department,
    /// Every user in it, deactivated ones included.
    pub users: i64,
    /// Every repository filed under it, including ones their forge no longer lists.
    pub repositories: i64,
}

/// Counts per department id of a nullable `department_id` column.
macro_rules! counts_by_department {
    ($conn:expr, $table:ident) => {{
        let rows: Vec<(Option<i64>, i64)> = $table::table
            .filter($table::department_id.is_not_null())
            .group_by($table::department_id)
            .select(($table::department_id, diesel::dsl::count_star()))
            .load($conn)?;
        rows.into_iter()
            .filter_map(|(id, n)| id.map(|id| (id, n)))
            .collect::<HashMap<i64, i64>>()
    }};
}

/// Every department by slug, with its user and repository counts.
pub fn list_with_counts(conn: &mut DbConnection) -> CatalogResult<Vec<DepartmentSummary>> {
    let user_counts = counts_by_department!(conn, users);
    let repository_counts = counts_by_department!(conn, repositories);
    Ok(list(conn)?
        .into_iter()
        .map(|department| DepartmentSummary {
            users: user_counts.get(&department.id).copied().unwrap_or(0),
            repositories: repository_counts.get(&department.id).copied().unwrap_or(0),
            department,
        })
        .collect())
}

/// An admin-chosen slug must already be one: lower-case letters and digits joined by single
/// dashes, as `slugify` writes them.
pub fn check_slug(slug: &str) -> CatalogResult<()> {
    if slug.is_empty() || slug.len() > MAX_SLUG_LEN || slugify(slug) != slug {
        return Err(CatalogError::invalid(
            "slug",
            format!(
                "`{slug}` is not a slug: use 1 to {MAX_SLUG_LEN} lower-case letters or digits \
                 joined by single dashes (for example `{}`)",
                match slugify(slug) {
                    s if s.is_empty() => "customer-service".to_owned(),
                    s => s,
                }
            ),
        ));
    }
    Ok(())
}

fn check_name(name: &str) -> CatalogResult<()> {
    if name.is_empty() {
        return Err(CatalogError::invalid("name", "must not be empty"));
    }
    if name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(CatalogError::invalid(
            "name",
            format!("must be at most {MAX_NAME_LEN} characters, without control characters"),
        ));
    }
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    actor_id: Option<i64>,
    action: &str,
    department: &Department,
    details: serde_json::Value,
) -> CatalogResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            actor_id,
            action,
            subject_type: "department",
            subject_id: Some(department.id.to_string()),
            department_id: Some(department.id),
            details,
        },
    )
}

/// Creates a department; the slug must be free.
pub fn create(
    conn: &mut DbConnection,
    actor_id: Option<i64>,
    slug: &str,
    name: &str,
) -> CatalogResult<Department> {
    let slug = slug.trim();
    let name = name.trim();
    check_slug(slug)?;
    check_name(name)?;
    if by_slug(conn, slug)?.is_some() {
        return Err(CatalogError::Conflict(format!(
            "a department with slug `{slug}` already exists"
        )));
    }
    diesel::insert_into(departments::table)
        .values((
            departments::slug.eq(slug),
            departments::name.eq(name),
            departments::created_at.eq(now()),
        ))
        .execute(conn)?;
    let department = by_slug(conn, slug)?.ok_or(CatalogError::not_found("department"))?;
    record(
        conn,
        actor_id,
        "department.created",
        &department,
        json!({ "slug": department.slug, "name": department.name }),
    )?;
    Ok(department)
}

/// Gives a department a new display name (its slug stays).
pub fn rename(
    conn: &mut DbConnection,
    actor_id: Option<i64>,
    id: i64,
    name: &str,
) -> CatalogResult<Department> {
    let name = name.trim();
    check_name(name)?;
    let department = by_id(conn, id)?.ok_or(CatalogError::not_found("department"))?;
    if department.name == name {
        return Ok(department);
    }
    diesel::update(departments::table.find(id))
        .set(departments::name.eq(name))
        .execute(conn)?;
    let renamed = by_id(conn, id)?.ok_or(CatalogError::not_found("department"))?;
    record(
        conn,
        actor_id,
        "department.renamed",
        &renamed,
        json!({ "slug": renamed.slug, "from": department.name, "to": renamed.name }),
    )?;
    Ok(renamed)
}

/// Deletes a department nothing refers to: no user, repository or listing in it, and no forge
/// mapping its owners to it. Anything else is a conflict that says what still refers to it.
pub fn delete(conn: &mut DbConnection, actor_id: Option<i64>, id: i64) -> CatalogResult<()> {
    let department = by_id(conn, id)?.ok_or(CatalogError::not_found("department"))?;
    let mut holders = Vec::new();
    let in_users: i64 = users::table
        .filter(users::department_id.eq(id))
        .count()
        .get_result(conn)?;
    if in_users > 0 {
        holders.push(format!("{in_users} user(s)"));
    }
    let in_repositories: i64 = repositories::table
        .filter(repositories::department_id.eq(id))
        .count()
        .get_result(conn)?;
    if in_repositories > 0 {
        holders.push(format!("{in_repositories} repository(ies)"));
    }
    let in_listings: i64 = listings::table
        .filter(listings::department_id.eq(id))
        .count()
        .get_result(conn)?;
    if in_listings > 0 {
        holders.push(format!("{in_listings} listing(s)"));
    }
    let maps: Vec<(String, String)> = forges::table
        .select((forges::name, forges::department_map))
        .load(conn)?;
    for (forge, map) in maps {
        let map: std::collections::BTreeMap<String, String> =
            crate::model::parse_json("forges.department_map", &map)?;
        if map.values().any(|slug| *slug == department.slug) {
            holders.push(format!("the department map of forge `{forge}`"));
        }
    }
    if !holders.is_empty() {
        return Err(CatalogError::Conflict(format!(
            "department `{}` is still referred to by {}: move or remove those first",
            department.slug,
            holders.join(", ")
        )));
    }
    record(
        conn,
        actor_id,
        "department.deleted",
        &department,
        json!({ "slug": department.slug, "name": department.name }),
    )?;
    diesel::delete(departments::table.find(id)).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_slug, slugify};

    #[test]
    fn admin_slugs_must_already_be_slugs() {
        assert!(check_slug("customer-service").is_ok());
        assert!(check_slug("team42").is_ok());
        for bad in [
            "",
            "Finance",
            "two words",
            "-lead",
            "trail-",
            "a--b",
            &"x".repeat(65),
        ] {
            assert!(check_slug(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slugify("Customer Service"), "customer-service");
        assert_eq!(slugify("  data_platform  "), "data-platform");
        assert_eq!(slugify("Finance"), "finance");
        assert_eq!(slugify("--"), "");
    }
}
