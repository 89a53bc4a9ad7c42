//! Reading stored events in commit-safe order, as envelopes.
//!
//! Events are read in `(commit_xid, global_position)` order. With the `committed_only`
//! barrier, only transactions older than every transaction still running are read
//! (`commit_xid < pg_snapshot_xmin(pg_current_snapshot())`): a transaction that took its
//! position early but commits late is never skipped, because nothing after it is read
//! until it has finished.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::envelope::Envelope;

/// A point in the commit-safe order of the events table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// The writing transaction (`xid8`).
    pub xid: u64,
    /// The event's global position.
    pub global: i64,
}

/// What to read.
#[derive(Debug, Clone)]
pub struct ReadFilter<'a> {
    /// Read events strictly after this position.
    pub after: Position,
    /// At most this many.
    pub limit: i64,
    /// Only these aggregate types (all when empty).
    pub aggregate_types: &'a [&'a str],
    /// Stop at the oldest running transaction (the relay); a replay inside one snapshot
    /// reads everything it can see instead.
    pub committed_only: bool,
}

/// Reads the next events after `filter.after`, each with its position.
pub async fn read_events(
    conn: &mut PgConnection,
    filter: &ReadFilter<'_>,
) -> Result<Vec<(Position, Envelope)>, sqlx::Error> {
    let types: Vec<String> = filter
        .aggregate_types
        .iter()
        .map(|t| t.to_string())
        .collect();
    // `e.commit_xid` in ORDER BY is the xid8 column: a bare `commit_xid` would name the text
    // column selected, and "1000" sorts before "999".
    let rows = sqlx::query(
        "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload,
                metadata, global_position, commit_xid::text AS commit_xid, event_id, recorded_at
           FROM events e
          WHERE (e.commit_xid, e.global_position) > ($1::text::xid8, $2)
            AND (NOT $3 OR e.commit_xid < pg_snapshot_xmin(pg_current_snapshot()))
            AND (cardinality($4::text[]) = 0 OR e.aggregate_type = ANY($4))
          ORDER BY e.commit_xid, e.global_position
          LIMIT $5",
    )
    .bind(filter.after.xid.to_string())
    .bind(filter.after.global)
    .bind(filter.committed_only)
    .bind(&types)
    .bind(filter.limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_row).collect()
}

fn decode_row(row: &PgRow) -> Result<(Position, Envelope), sqlx::Error> {
    let xid: String = row.try_get("commit_xid")?;
    let xid = xid
        .parse()
        .map_err(|e| sqlx::Error::Decode(format!("commit_xid '{xid}': {e}").into()))?;
    let global: i64 = row.try_get("global_position")?;
    let metadata: serde_json::Value = row.try_get("metadata")?;
    let metadata: HashMap<String, String> =
        serde_json::from_value(metadata).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let sequence: i64 = row.try_get("sequence")?;
    let envelope = Envelope {
        event_id: row.try_get::<Uuid, _>("event_id")?,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: u64::try_from(sequence).unwrap_or_default(),
        global_position: global,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        recorded_at: row.try_get::<DateTime<Utc>, _>("recorded_at")?,
        metadata,
        payload: row.try_get("payload")?,
    };
    // Stored rows keep their original shape; readers get the current version.
    Ok((Position { xid, global }, envelope.upcast()))
}
