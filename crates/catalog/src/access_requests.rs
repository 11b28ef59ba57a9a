//! Access requests: an employee asks for read access to a repository, with a reason; an owner
//! (a lead of the owning department, or an admin) approves or denies; an approval is carried out
//! on the forge and its outcome recorded. Decisions are compare-and-set on the status, so two
//! owners approving at once produce one decision and one forge call.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::error::{CatalogError, CatalogResult};
use crate::model::{AccessRequestStatus, now};
use crate::schema::{access_requests, repositories};

pub const REASON_MIN: usize = 10;
pub const REASON_MAX: usize = 2000;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = access_requests)]
pub struct AccessRequest {
    pub id: i64,
    pub requester_id: i64,
    pub repository_id: i64,
    pub reason: String,
    pub forge_username: Option<String>,
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub forge_result: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl AccessRequest {
    pub fn status(&self) -> AccessRequestStatus {
        self.status
            .parse()
            .unwrap_or(AccessRequestStatus::Requested)
    }
}

/// Files a request. One open request per user and repository: a second one is a conflict.
pub fn create(
    conn: &mut DbConnection,
    requester_id: i64,
    repository_id: i64,
    reason: &str,
    forge_username: Option<&str>,
) -> CatalogResult<AccessRequest> {
    let reason = reason.trim();
    let length = reason.chars().count();
    if !(REASON_MIN..=REASON_MAX).contains(&length) {
        return Err(CatalogError::invalid(
            "reason",
            format!("must be {REASON_MIN} to {REASON_MAX} characters, not {length}"),
        ));
    }
    let now = now();
    let inserted = diesel::insert_into(access_requests::table)
        .values((
            access_requests::requester_id.eq(requester_id),
            access_requests::repository_id.eq(repository_id),
            access_requests::reason.eq(reason),
            access_requests::forge_username
                .eq(forge_username.map(str::trim).filter(|u| !u.is_empty())),
            access_requests::status.eq(AccessRequestStatus::Requested.as_str()),
            access_requests::created_at.eq(now),
            access_requests::updated_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {
            return Err(CatalogError::Conflict(
                "you already have an open access request for this project".to_owned(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(access_requests::table
        .filter(access_requests::requester_id.eq(requester_id))
        .filter(access_requests::repository_id.eq(repository_id))
        .order(access_requests::id.desc())
        .select(AccessRequest::as_select())
        .first(conn)?)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> CatalogResult<Option<AccessRequest>> {
    Ok(access_requests::table
        .find(id)
        .select(AccessRequest::as_select())
        .first(conn)
        .optional()?)
}

/// Which requests a listing covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The requester's own.
    RequestedBy(i64),
    /// Requests for repositories of this department (a lead's inbox).
    OwnedBy(i64),
    /// Every request (an admin's inbox).
    All,
}

pub fn list(
    conn: &mut DbConnection,
    scope: Scope,
    status: Option<AccessRequestStatus>,
    limit: i64,
) -> CatalogResult<Vec<AccessRequest>> {
    let mut query = access_requests::table
        .inner_join(repositories::table)
        .select(AccessRequest::as_select())
        .order(access_requests::id.desc())
        .limit(limit)
        .into_boxed();
    query = match scope {
        Scope::RequestedBy(user) => query.filter(access_requests::requester_id.eq(user)),
        Scope::OwnedBy(department) => query.filter(repositories::department_id.eq(department)),
        Scope::All => query,
    };
    if let Some(status) = status {
        query = query.filter(access_requests::status.eq(status.as_str()));
    }
    Ok(query.load(conn)?)
}

/// Moves a request from `from` to `to` only if it is still in `from`. Returns whether it moved:
/// false means someone else decided first.
fn transition(
    conn: &mut DbConnection,
    id: i64,
    from: AccessRequestStatus,
    to: AccessRequestStatus,
    decided_by: Option<i64>,
    note: Option<&str>,
) -> CatalogResult<bool> {
    let now = now();
    let changed = diesel::update(
        access_requests::table
            .filter(access_requests::id.eq(id))
            .filter(access_requests::status.eq(from.as_str())),
    )
    .set((
        access_requests::status.eq(to.as_str()),
        access_requests::decided_by.eq(decided_by),
        access_requests::decided_at.eq(decided_by.map(|_| now)),
        access_requests::decision_note.eq(note),
        access_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The requester takes the request back; only an open request can be withdrawn.
pub fn withdraw(conn: &mut DbConnection, id: i64) -> CatalogResult<AccessRequest> {
    if !transition(
        conn,
        id,
        AccessRequestStatus::Requested,
        AccessRequestStatus::Withdrawn,
        None,
        None,
    )? {
        return Err(CatalogError::Conflict(
            "only an open request can be withdrawn".to_owned(),
        ));
    }
    by_id(conn, id)?.ok_or(CatalogError::not_found("access request"))
}

/// An owner's decision. Exactly one decision wins; the others get a conflict.
pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    decided_by: i64,
    approve: bool,
    note: Option<&str>,
) -> CatalogResult<AccessRequest> {
    let to = if approve {
        AccessRequestStatus::Approved
    } else {
        AccessRequestStatus::Denied
    };
    if !transition(
        conn,
        id,
        AccessRequestStatus::Requested,
        to,
        Some(decided_by),
        note,
    )? {
        return Err(CatalogError::Conflict(
            "this request was already decided or withdrawn".to_owned(),
        ));
    }
    by_id(conn, id)?.ok_or(CatalogError::not_found("access request"))
}

/// Records what the forge did with an approval: `granted` or `grant_failed`, or — for a
/// transient failure — stays `approved` so that the grant is tried again later.
pub fn record_grant(
    conn: &mut DbConnection,
    id: i64,
    status: AccessRequestStatus,
    forge_result: &serde_json::Value,
) -> CatalogResult<()> {
    diesel::update(access_requests::table.find(id))
        .set((
            access_requests::status.eq(status.as_str()),
            access_requests::forge_result.eq(crate::model::to_json(forge_result)),
            access_requests::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Approved requests whose grant has not gone through (a transient forge failure, or a crash
/// between the decision and the grant), untouched for `idle` — the grants to try again.
pub fn stalled_grants(
    conn: &mut DbConnection,
    idle: chrono::Duration,
    limit: i64,
) -> CatalogResult<Vec<AccessRequest>> {
    Ok(access_requests::table
        .filter(access_requests::status.eq(AccessRequestStatus::Approved.as_str()))
        .filter(access_requests::updated_at.lt(now() - idle))
        .order(access_requests::id.asc())
        .limit(limit)
        .select(AccessRequest::as_select())
        .load(conn)?)
}
