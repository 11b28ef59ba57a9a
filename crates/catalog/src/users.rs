//! Users: people known by the subject of their credential, and what admins do to them.
//!
//! Two kinds of user share the table and never one subject: local users (Agora's own tokens)
//! keep their subject as it is, users of the OpenID provider are stored as
//! `oidc:<issuer>#<sub>` (`provider_subject`), a prefix no local subject may take, so a local
//! token cannot pass for a provider user with the same `sub`, nor the other way round. For local
//! users the catalog is the authority on name, role and department (admins manage them here, or
//! with `agora user`); for provider users the provider is, and every login brings its claims
//! (`upsert`). Each admin action writes its audit event in the caller's transaction, so the
//! change and its record commit together.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::db::{DbConnection, MultiBackend};
use crate::error::{CatalogError, CatalogResult};
use crate::model::{Role, User, now, to_json};
use crate::schema::{departments, users};

/// The prefix that marks a user of the OpenID provider; local subjects may not start with it.
pub const PROVIDER_SUBJECT_PREFIX: &str = "oidc:";
const MAX_SUBJECT_LEN: usize = 200;
const MAX_NAME_LEN: usize = 200;
const MAX_EMAIL_LEN: usize = 254;

diesel::define_sql_function! {
    /// SQL `lower`, for case-insensitive text filters on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The stored subject of the provider `issuer`'s user `sub`.
pub fn provider_subject(issuer: &str, sub: &str) -> String {
    format!("{PROVIDER_SUBJECT_PREFIX}{issuer}#{sub}")
}

/// Whether the stored subject belongs to a user of the OpenID provider.
pub fn is_provider_subject(subject: &str) -> bool {
    subject.starts_with(PROVIDER_SUBJECT_PREFIX)
}

/// Refuses a subject a local user may not have: empty, too long, with spaces or control
/// characters, or in the provider's namespace.
pub fn check_local_subject(subject: &str) -> CatalogResult<()> {
    if subject.is_empty() {
        return Err(CatalogError::invalid("subject", "must not be empty"));
    }
    if subject.chars().count() > MAX_SUBJECT_LEN {
        return Err(CatalogError::invalid(
            "subject",
            format!("must be at most {MAX_SUBJECT_LEN} characters"),
        ));
    }
    if subject.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CatalogError::invalid(
            "subject",
            "must not contain spaces or control characters",
        ));
    }
    if is_provider_subject(subject) {
        return Err(CatalogError::invalid(
            "subject",
            format!("`{PROVIDER_SUBJECT_PREFIX}` is reserved for users of the OpenID provider"),
        ));
    }
    Ok(())
}

fn check_display_name(name: &str) -> CatalogResult<()> {
    if name.trim().is_empty() {
        return Err(CatalogError::invalid("display_name", "must not be empty"));
    }
    if name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(CatalogError::invalid(
            "display_name",
            format!("must be at most {MAX_NAME_LEN} characters, without control characters"),
        ));
    }
    Ok(())
}

/// A plausible address: one `@` with text on both sides, no spaces. Deliverability is the
/// mail server's business.
fn check_email(email: &str) -> CatalogResult<()> {
    let plausible = email.len() <= MAX_EMAIL_LEN
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if plausible {
        Ok(())
    } else {
        Err(CatalogError::invalid(
            "email",
            format!("`{email}` is not an email address"),
        ))
    }
}

fn check_department_exists(conn: &mut DbConnection, id: i64) -> CatalogResult<()> {
    let found: i64 = departments::table
        .filter(departments::id.eq(id))
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(CatalogError::invalid(
            "department",
            format!("department {id} does not exist"),
        ));
    }
    Ok(())
}

/// A lead owns one department: the role needs one.
fn check_role_and_department(role: Role, department_id: Option<i64>) -> CatalogResult<()> {
    if role == Role::Lead && department_id.is_none() {
        return Err(CatalogError::invalid(
            "department",
            "a lead needs a department (the one they lead)",
        ));
    }
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    actor_id: Option<i64>,
    action: &str,
    user: &User,
    details: serde_json::Value,
) -> CatalogResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            actor_id,
            action,
            subject_type: "user",
            subject_id: Some(user.id.to_string()),
            department_id: user.department_id,
            details,
        },
    )
}

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
/// afterwards (the identity provider is the authority on them). Never touches deactivation.
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

/// Which users a listing shows, by their deactivation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserStatus {
    #[default]
    Any,
    Active,
    Deactivated,
}

impl FromStr for UserStatus {
    type Err = CatalogError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "any" => Ok(Self::Any),
            "active" => Ok(Self::Active),
            "deactivated" => Ok(Self::Deactivated),
            other => Err(CatalogError::invalid(
                "status",
                format!("`{other}` is not one of any, active, deactivated"),
            )),
        }
    }
}

/// Filters for the admins' list of users; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub department_id: Option<i64>,
    pub role: Option<Role>,
    /// Case-insensitive part of the subject, display name or email.
    pub text: Option<String>,
    pub status: UserStatus,
}

/// `%text%` for LIKE, with LIKE's own wildcards in `text` matched literally.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn filtered(filter: &UserFilter) -> users::BoxedQuery<'static, MultiBackend> {
    let mut query = users::table.into_boxed();
    if let Some(department) = filter.department_id {
        query = query.filter(users::department_id.eq(department));
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = like_pattern(text);
        query = query.filter(
            lower(users::subject)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::display_name)
                    .like(pattern.clone())
                    .escape('\\'))
                // NULL emails compare as NULL: those rows match on the other columns only.
                .or(lower(users::email.assume_not_null())
                    .like(pattern)
                    .escape('\\')),
        );
    }
    match filter.status {
        UserStatus::Any => {}
        UserStatus::Active => query = query.filter(users::deactivated_at.is_null()),
        UserStatus::Deactivated => query = query.filter(users::deactivated_at.is_not_null()),
    }
    query
}

/// One page of the users matching `filter`, by subject, and how many match in all.
pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter,
    offset: i64,
    limit: i64,
) -> CatalogResult<(Vec<User>, i64)> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let page = filtered(filter)
        .order((users::subject.asc(), users::id.asc()))
        .offset(offset.max(0))
        .limit(limit.max(0))
        .select(User::as_select())
        .load(conn)?;
    Ok((page, total))
}

fn active_admins(conn: &mut DbConnection) -> CatalogResult<i64> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::deactivated_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Refuses to take away the last active admin: nobody could manage the instance afterwards
/// (short of the command line).
fn keep_an_admin(conn: &mut DbConnection, user: &User, what: &str) -> CatalogResult<()> {
    if user.role() == Role::Admin && user.is_active() && active_admins(conn)? <= 1 {
        return Err(CatalogError::Conflict(format!(
            "cannot {what} `{}`: they are the last active admin; make someone else admin first",
            user.subject
        )));
    }
    Ok(())
}

/// A local user created by an admin.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub subject: String,
    /// Empty: the subject.
    pub display_name: String,
    pub email: Option<String>,
    pub department_id: Option<i64>,
    pub role: Role,
}

/// Creates a local user; the subject must be free.
pub fn create(
    conn: &mut DbConnection,
    actor_id: Option<i64>,
    new: &NewUser,
) -> CatalogResult<User> {
    let subject = new.subject.trim();
    check_local_subject(subject)?;
    let display_name = match new.display_name.trim() {
        "" => subject,
        name => name,
    };
    check_display_name(display_name)?;
    let email = new
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if let Some(email) = email {
        check_email(email)?;
    }
    if let Some(department) = new.department_id {
        check_department_exists(conn, department)?;
    }
    check_role_and_department(new.role, new.department_id)?;
    if by_subject(conn, subject)?.is_some() {
        return Err(CatalogError::Conflict(format!(
            "a user with subject `{subject}` already exists"
        )));
    }
    let now = now();
    diesel::insert_into(users::table)
        .values((
            users::subject.eq(subject),
            users::display_name.eq(display_name),
            users::email.eq(email),
            users::department_id.eq(new.department_id),
            users::role.eq(new.role.as_str()),
            users::forge_usernames.eq(to_json(&BTreeMap::<String, String>::new())),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    let user = by_subject(conn, subject)?.ok_or(CatalogError::not_found("user"))?;
    record(
        conn,
        actor_id,
        "user.created",
        &user,
        json!({ "subject": user.subject, "role": user.role, "department_id": user.department_id }),
    )?;
    Ok(user)
}

/// An admin's changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChanges {
    pub display_name: Option<String>,
    /// `Some(None)` removes the address.
    pub email: Option<Option<String>>,
    pub role: Option<Role>,
    /// `Some(None)` takes the user out of their department.
    pub department_id: Option<Option<i64>>,
    /// Forge name → username on it; `None` unlinks that forge. Other forges stay as they are.
    pub forge_usernames: BTreeMap<String, Option<String>>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the changes touch what the OpenID provider owns for its users.
    fn touches_profile(&self) -> bool {
        self.display_name.is_some()
            || self.email.is_some()
            || self.role.is_some()
            || self.department_id.is_some()
    }
}

/// Applies an admin's changes; records what changed (nothing recorded when nothing did).
pub fn update(
    conn: &mut DbConnection,
    actor_id: Option<i64>,
    id: i64,
    changes: &UserChanges,
) -> CatalogResult<User> {
    let user = by_id(conn, id)?.ok_or(CatalogError::not_found("user"))?;
    if is_provider_subject(&user.subject) && changes.touches_profile() {
        return Err(CatalogError::Conflict(format!(
            "`{}` signs in through the OpenID provider, which sets their name, email, role and \
             department at every login: change them there",
            user.subject
        )));
    }
    let mut diff = serde_json::Map::new();
    let mut changed = |field: &str, from: serde_json::Value, to: serde_json::Value| {
        if from != to {
            diff.insert(field.to_owned(), json!({ "from": from, "to": to }));
        }
    };

    let display_name = match changes.display_name.as_deref().map(str::trim) {
        Some(name) => {
            check_display_name(name)?;
            name.to_owned()
        }
        None => user.display_name.clone(),
    };
    changed(
        "display_name",
        json!(user.display_name),
        json!(display_name),
    );

    let email = match &changes.email {
        Some(email) => {
            let email = email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned);
            if let Some(email) = &email {
                check_email(email)?;
            }
            email
        }
        None => user.email.clone(),
    };
    changed("email", json!(user.email), json!(email));

    let department_id = changes.department_id.unwrap_or(user.department_id);
    if let Some(department) = department_id
        && Some(department) != user.department_id
    {
        check_department_exists(conn, department)?;
    }
    changed(
        "department_id",
        json!(user.department_id),
        json!(department_id),
    );

    let role = changes.role.unwrap_or(user.role());
    check_role_and_department(role, department_id)?;
    if role != Role::Admin {
        keep_an_admin(conn, &user, "take the admin role from")?;
    }
    changed("role", json!(user.role()), json!(role));

    let mut names = user.forge_usernames()?;
    for (forge, username) in &changes.forge_usernames {
        let forge = forge.trim();
        if forge.is_empty() {
            return Err(CatalogError::invalid(
                "forge_usernames",
                "a forge name must not be empty",
            ));
        }
        match username.as_deref().map(str::trim) {
            Some("") => {
                return Err(CatalogError::invalid(
                    "forge_usernames",
                    format!("the username on `{forge}` is empty; send null to unlink it"),
                ));
            }
            Some(name) => {
                names.insert(forge.to_owned(), name.to_owned());
            }
            None => {
                names.remove(forge);
            }
        }
    }
    changed(
        "forge_usernames",
        json!(user.forge_usernames()?),
        json!(names),
    );

    if diff.is_empty() {
        return Ok(user);
    }
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(&display_name),
            users::email.eq(&email),
            users::department_id.eq(department_id),
            users::role.eq(role.as_str()),
            users::forge_usernames.eq(to_json(&names)),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    let updated = by_id(conn, id)?.ok_or(CatalogError::not_found("user"))?;
    record(
        conn,
        actor_id,
        "user.updated",
        &updated,
        json!({ "subject": updated.subject, "changes": diff }),
    )?;
    Ok(updated)
}

fn set_deactivated(
    conn: &mut DbConnection,
    id: i64,
    at: Option<NaiveDateTime>,
) -> CatalogResult<User> {
    diesel::update(users::table.find(id))
        .set((users::deactivated_at.eq(at), users::updated_at.eq(now())))
        .execute(conn)?;
    by_id(conn, id)?.ok_or(CatalogError::not_found("user"))
}

/// Deactivates a user: their tokens and sessions are refused from the next request on. Their
/// stars, requests and history stay.
pub fn deactivate(conn: &mut DbConnection, actor_id: Option<i64>, id: i64) -> CatalogResult<User> {
    let user = by_id(conn, id)?.ok_or(CatalogError::not_found("user"))?;
    if !user.is_active() {
        return Err(CatalogError::Conflict(format!(
            "`{}` is already deactivated",
            user.subject
        )));
    }
    keep_an_admin(conn, &user, "deactivate")?;
    let user = set_deactivated(conn, id, Some(now()))?;
    record(
        conn,
        actor_id,
        "user.deactivated",
        &user,
        json!({ "subject": user.subject }),
    )?;
    Ok(user)
}

/// Lets a deactivated user in again.
pub fn reactivate(conn: &mut DbConnection, actor_id: Option<i64>, id: i64) -> CatalogResult<User> {
    let user = by_id(conn, id)?.ok_or(CatalogError::not_found("user"))?;
    if user.is_active() {
        return Err(CatalogError::Conflict(format!(
            "`{}` is already active",
            user.subject
        )));
    }
    let user = set_deactivated(conn, id, None)?;
    record(
        conn,
        actor_id,
        "user.reactivated",
        &user,
        json!({ "subject": user.subject }),
    )?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_subjects_stay_out_of_the_provider_namespace() {
        assert!(check_local_subject("ana").is_ok());
        assert!(check_local_subject("ana.lopez@corp").is_ok());
        assert!(check_local_subject("").is_err());
        assert!(check_local_subject("two words").is_err());
        assert!(check_local_subject(&provider_subject("https://idp", "ana")).is_err());
        assert!(is_provider_subject(&provider_subject("https://idp", "ana")));
        assert_eq!(
            provider_subject("https://idp.example", "123"),
            "oidc:https://idp.example#123"
        );
    }

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_pattern("Ana"), "%ana%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn emails_need_an_at_and_a_domain() {
        assert!(check_email("ana@example.org").is_ok());
        for bad in [
            "ana",
            "@example.org",
            "ana@localhost",
            "a b@example.org",
            "a@b@c.org",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
