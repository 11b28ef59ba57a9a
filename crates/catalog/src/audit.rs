//! The audit trail: who did what to which object, kept for the OSPO.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::CatalogResult;
use crate::model::{now, to_json};
use crate::schema::audit_events;

/// One event to record. `details` is free-form context (never secrets).
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: Option<String>,
    pub department_id: Option<i64>,
    pub details: serde_json::Value,
}

pub fn record(conn: &mut DbConnection, entry: &AuditEntry<'_>) -> CatalogResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::at.eq(now()),
            audit_events::actor_id.eq(entry.actor_id),
            audit_events::action.eq(entry.action),
            audit_events::subject_type.eq(entry.subject_type),
            audit_events::subject_id.eq(&entry.subject_id),
            audit_events::department_id.eq(entry.department_id),
            audit_events::details.eq(to_json(&entry.details)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Recent actions, newest first: (action, subject_type, subject_id).
pub fn recent(
    conn: &mut DbConnection,
    limit: i64,
) -> CatalogResult<Vec<(String, String, Option<String>)>> {
    Ok(audit_events::table
        .order(audit_events::id.desc())
        .limit(limit)
        .select((
            audit_events::action,
            audit_events::subject_type,
            audit_events::subject_id,
        ))
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, diesel::Queryable, diesel::Selectable, serde::Serialize)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub at: chrono::NaiveDateTime,
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<String>,
    pub department_id: Option<i64>,
    pub details: String,
}

/// Filters for reading the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub department_id: Option<i64>,
    pub before_id: Option<i64>,
}

/// Events matching the filter, newest first.
pub fn search(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    limit: i64,
) -> CatalogResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .select(AuditEvent::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor));
    }
    if let Some(subject_type) = &filter.subject_type {
        query = query.filter(audit_events::subject_type.eq(subject_type.clone()));
    }
    if let Some(subject_id) = &filter.subject_id {
        query = query.filter(audit_events::subject_id.eq(subject_id.clone()));
    }
    if let Some(department) = filter.department_id {
        query = query.filter(audit_events::department_id.eq(department));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(audit_events::id.lt(before));
    }
    Ok(query.load(conn)?)
}
