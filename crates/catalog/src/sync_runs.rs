//! Sync runs: one row per sync of a forge, with what it saw and what went wrong.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::error::CatalogResult;
use crate::model::{now, to_json};
use crate::schema::sync_runs;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = sync_runs)]
pub struct SyncRun {
    pub id: i64,
    pub forge_id: i64,
    pub full_sync: bool,
    pub status: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub listed: i64,
    pub fetched: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
    pub requests: i64,
    pub rate_limit_waits: i64,
    pub errors: String,
}

/// What a finished run counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncCounts {
    pub listed: i64,
    pub fetched: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
    pub requests: i64,
    pub rate_limit_waits: i64,
}

pub fn start(conn: &mut DbConnection, forge_id: i64, full_sync: bool) -> CatalogResult<i64> {
    diesel::insert_into(sync_runs::table)
        .values((
            sync_runs::forge_id.eq(forge_id),
            sync_runs::full_sync.eq(full_sync),
            sync_runs::status.eq("running"),
            sync_runs::started_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(sync_runs::table
        .filter(sync_runs::forge_id.eq(forge_id))
        .order(sync_runs::id.desc())
        .select(sync_runs::id)
        .first(conn)?)
}

pub fn finish(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    counts: &SyncCounts,
    errors: &[String],
) -> CatalogResult<()> {
    diesel::update(sync_runs::table.find(id))
        .set((
            sync_runs::status.eq(status),
            sync_runs::finished_at.eq(now()),
            sync_runs::listed.eq(counts.listed),
            sync_runs::fetched.eq(counts.fetched),
            sync_runs::unchanged.eq(counts.unchanged),
            sync_runs::skipped.eq(counts.skipped),
            sync_runs::failed.eq(counts.failed),
            sync_runs::requests.eq(counts.requests),
            sync_runs::rate_limit_waits.eq(counts.rate_limit_waits),
            sync_runs::errors.eq(to_json(&errors)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The forge's most recent runs, newest first.
pub fn recent(conn: &mut DbConnection, forge_id: i64, limit: i64) -> CatalogResult<Vec<SyncRun>> {
    Ok(sync_runs::table
        .filter(sync_runs::forge_id.eq(forge_id))
        .order(sync_runs::id.desc())
        .limit(limit)
        .select(SyncRun::as_select())
        .load(conn)?)
}

/// Totals over every run of one forge with one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncTotals {
    /// The forge's name.
    pub forge: String,
    pub status: String,
    pub runs: i64,
    pub listed: i64,
    pub fetched: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
    pub requests: i64,
    pub rate_limit_waits: i64,
}

/// Every run summed per forge and status, for the metrics endpoint: counted in the database, so
/// the totals include every replica's syncs and the command line's, and survive restarts.
pub fn totals(conn: &mut DbConnection) -> CatalogResult<Vec<SyncTotals>> {
    use diesel::dsl::{count_star, sql};
    use diesel::sql_types::BigInt;

    use crate::schema::forges;

    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back, on both backends alike.
    let sum = |column: &str| {
        sql::<BigInt>(&format!(
            "CAST(COALESCE(SUM(sync_runs.{column}), 0) AS BIGINT)"
        ))
    };
    type Row = (i64, String, i64, i64, i64, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = sync_runs::table
        .group_by((sync_runs::forge_id, sync_runs::status))
        .select((
            sync_runs::forge_id,
            sync_runs::status,
            count_star(),
            sum("listed"),
            sum("fetched"),
            sum("unchanged"),
            sum("skipped"),
            sum("failed"),
            sum("requests"),
            sum("rate_limit_waits"),
        ))
        .load(conn)?;
    let names: std::collections::HashMap<i64, String> = forges::table
        .select((forges::id, forges::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut totals: Vec<SyncTotals> = rows
        .into_iter()
        .filter_map(|row| {
            let (
                forge_id,
                status,
                runs,
                listed,
                fetched,
                unchanged,
                skipped,
                failed,
                requests,
                waits,
            ) = row;
            Some(SyncTotals {
                forge: names.get(&forge_id)?.clone(),
                status,
                runs,
                listed,
                fetched,
                unchanged,
                skipped,
                failed,
                requests,
                rate_limit_waits: waits,
            })
        })
        .collect();
    totals.sort_by(|a, b| (&a.forge, &a.status).cmp(&(&b.forge, &b.status)));
    Ok(totals)
}
