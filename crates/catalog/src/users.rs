//! Users: people known by the subject of their identity token.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{CatalogError, CatalogResult};
use crate::model::{Role, User, now, to_json};
use crate::schema::users;

/// What an identity provider (or `agora token issue`) says about a person.
#[derive(Debug, Clone, PartialEq)]
pub struct UserClaims {
    pub subject: String,
    pub display_name: String,
    pub email: Option<String>,
    pub department_id: Option<i64>,
    pub role: Role,
}

/// Creates the user at first sight, and keeps name, department and role in step with the claims
/// afterwards (the identity provider is the authority on them).
pub fn upsert(conn: &mut DbConnection, claims: &UserClaims) -> CatalogResult<User> {
    if claims.subject.trim().is_empty() {
        return Err(CatalogError::invalid("subject", "must not be empty"));
    }
    let now = now();
    match by_subject(conn, &claims.subject)? {
        Some(existing) => {
            if existing.display_name != claims.display_name
                || existing.email != claims.email
                || existing.department_id != claims.department_id
                || existing.role() != claims.role
            {
                diesel::update(users::table.find(existing.id))
                    .set((
                        users::display_name.eq(&claims.display_name),
                        users::email.eq(&claims.email),
                        users::department_id.eq(claims.department_id),
                        users::role.eq(claims.role.as_str()),
                        users::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        None => {
            let inserted = diesel::insert_into(users::table)
                .values((
                    users::subject.eq(&claims.subject),
                    users::display_name.eq(&claims.display_name),
                    users::email.eq(&claims.email),
                    users::department_id.eq(claims.department_id),
                    users::role.eq(claims.role.as_str()),
                    users::forge_usernames.eq(to_json(&BTreeMap::<String, String>::new())),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                ))
                .execute(conn);
            match inserted {
                Ok(_)
                | Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    by_subject(conn, &claims.subject)?.ok_or(CatalogError::not_found("user"))
}

pub fn by_subject(conn: &mut DbConnection, subject: &str) -> CatalogResult<Option<User>> {
    Ok(users::table
        .filter(users::subject.eq(subject))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> CatalogResult<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Links the user's account on a forge (used to grant access there).
pub fn set_forge_username(
    conn: &mut DbConnection,
    user_id: i64,
    forge: &str,
    username: &str,
) -> CatalogResult<()> {
    let user = by_id(conn, user_id)?.ok_or(CatalogError::not_found("user"))?;
    let mut names = user.forge_usernames()?;
    names.insert(forge.to_owned(), username.to_owned());
    diesel::update(users::table.find(user_id))
        .set((
            users::forge_usernames.eq(to_json(&names)),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
