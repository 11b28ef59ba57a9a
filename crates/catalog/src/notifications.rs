//! The notification outbox. Notifications are queued in the same transaction as the change they
//! report, so a change is never recorded without its notice nor the other way round; a
//! dispatcher sends them later and retries with backoff. Delivery failures stay here, never in
//! the access request.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::error::CatalogResult;
use crate::model::{now, to_json};
use crate::schema::notifications;

/// After this many failed attempts a notification is given up (marked failed, kept for admins).
pub const MAX_ATTEMPTS: i64 = 8;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    /// `webhook` or `email`.
    pub channel: String,
    /// A URL or an email address.
    pub target: String,
    pub event: String,
    pub subject: String,
    /// Plain text, Slack/Teams-compatible.
    pub body: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// One notice to queue.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub channel: &'static str,
    pub target: String,
    pub event: String,
    pub subject: String,
    pub body: String,
    pub payload: serde_json::Value,
}

pub fn enqueue(conn: &mut DbConnection, notice: &NewNotification) -> CatalogResult<()> {
    let now = now();
    diesel::insert_into(notifications::table)
        .values((
            notifications::channel.eq(notice.channel),
            notifications::target.eq(&notice.target),
            notifications::event.eq(&notice.event),
            notifications::subject.eq(&notice.subject),
            notifications::body.eq(&notice.body),
            notifications::payload.eq(to_json(&notice.payload)),
            notifications::status.eq("pending"),
            notifications::next_attempt_at.eq(now),
            notifications::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Pending notifications whose time has come, oldest first.
pub fn due(conn: &mut DbConnection, limit: i64) -> CatalogResult<Vec<Notification>> {
    Ok(notifications::table
        .filter(notifications::status.eq("pending"))
        .filter(notifications::next_attempt_at.le(now()))
        .order(notifications::id.asc())
        .limit(limit)
        .select(Notification::as_select())
        .load(conn)?)
}

pub fn mark_sent(conn: &mut DbConnection, id: i64) -> CatalogResult<()> {
    let now = now();
    diesel::update(notifications::table.find(id))
        .set((
            notifications::status.eq("sent"),
            notifications::sent_at.eq(now),
            notifications::attempts.eq(notifications::attempts + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: retried after an exponential delay, given up after `MAX_ATTEMPTS`.
pub fn mark_failed_attempt(
    conn: &mut DbConnection,
    notice: &Notification,
    error: &str,
) -> CatalogResult<()> {
    let attempts = notice.attempts + 1;
    let status = if attempts >= MAX_ATTEMPTS {
        "failed"
    } else {
        "pending"
    };
    // 30 s, 1 min, 2 min … capped at an hour.
    let delay = chrono::Duration::seconds((30_i64 << (attempts - 1).min(7)).min(3600));
    diesel::update(notifications::table.find(notice.id))
        .set((
            notifications::status.eq(status),
            notifications::attempts.eq(attempts),
            notifications::next_attempt_at.eq(now() + delay),
            notifications::last_error.eq(error.chars().take(1000).collect::<String>()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn recent(conn: &mut DbConnection, limit: i64) -> CatalogResult<Vec<Notification>> {
    Ok(notifications::table
        .order(notifications::id.desc())
        .limit(limit)
        .select(Notification::as_select())
        .load(conn)?)
}

/// Makes every pending notification due now (an admin's "retry now").
pub fn retry_now(conn: &mut DbConnection) -> CatalogResult<usize> {
    Ok(
        diesel::update(notifications::table.filter(notifications::status.eq("pending")))
            .set(notifications::next_attempt_at.eq(now()))
            .execute(conn)?,
    )
}
