//! Reading stored events in commit-safe order, as envelopes.
//!
//! Events are read in `(commit_xid, global_position)` order. With the `committed_only`
//! barrier, only transactions older than every transaction still running that may append
//! events are read: a transaction that took its position early but commits late is never
//! skipped, because nothing after it is read until it has finished.
//!
//! That horizon is `pg_snapshot_xmin(pg_current_snapshot())` — the oldest running
//! transaction of the cluster — except that read-model transactions are skipped: a projection
//! batch or replay marks itself with [`READ_MODEL_TRANSACTION`] as its `application_name`
//! (local to the transaction) and never appends events. Without that exception every event
//! committed while a batch transaction is open waits for the batch to finish: under load, one
//! batch after another, that held publication 100–300 ms behind the commits.
//!
//! Why skipping them is safe: the statement's snapshot `S` lists the transactions in
//! progress when it was taken (`pg_snapshot_xip`), and the activity of every backend is read
//! afterwards, in the same statement. A transaction of `S`'s list that is a marked
//! read-model transaction at that later moment was running all along, so it is one; every
//! other transaction of the list bounds the horizon, whether it is still running or has
//! committed since `S` (its events are not in `S`, so they are read next time). The statement
//! must run on its own (autocommit): Postgres keeps the activity it read for the rest of a
//! transaction, which would then predate the snapshot.

use std::collections::HashMap;
use std::sync::LazyLock;

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

/// The `application_name` a read-model transaction (projection batch, replay) sets for its
/// own duration (`set_config(…, true)`): the relay's horizon does not wait for it. Such a
/// transaction must never append events.
pub const READ_MODEL_TRANSACTION: &str = "commerce read-model transaction";

/// SQL selecting `commit_xid`'s bound for a commit-safe read (see the module documentation);
/// `$1` is [`READ_MODEL_TRANSACTION`]. Any event with `commit_xid` below it is committed
/// and visible to the statement, and no transaction still to commit will write one below it.
pub const PUBLISH_HORIZON: &str =
    "(SELECT COALESCE(min(x), pg_snapshot_xmax(pg_current_snapshot()))
       FROM pg_snapshot_xip(pg_current_snapshot()) AS x
      WHERE x::text::bigint % 4294967296 NOT IN (
            SELECT a.backend_xid::text::bigint FROM pg_stat_get_activity(NULL) AS a
             WHERE a.application_name = $1 AND a.backend_xid IS NOT NULL))";

/// What to read.
#[derive(Debug, Clone)]
pub struct ReadFilter<'a> {
    /// Read events strictly after this position.
    pub after: Position,
    /// At most this many.
    pub limit: i64,
    /// Only these aggregate types (all when empty).
    pub aggregate_types: &'a [&'a str],
    /// Stop at the oldest running transaction that may append events (the relay; the
    /// statement then runs on its own, outside any transaction); a replay inside one snapshot
    /// reads everything it can see instead.
    pub committed_only: bool,
}

/// The read, with the horizon written in once. `e.commit_xid` in ORDER BY is the xid8
/// column: a bare `commit_xid` would name the text column selected, and "1000" sorts before
/// "999".
static READ_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, payload,
                metadata, global_position, commit_xid::text AS commit_xid, event_id, recorded_at
           FROM events e
          WHERE (e.commit_xid, e.global_position) > ($2::text::xid8, $3)
            AND (NOT $4 OR e.commit_xid < {PUBLISH_HORIZON})
            AND (cardinality($5::text[]) = 0 OR e.aggregate_type = ANY($5))
          ORDER BY e.commit_xid, e.global_position
          LIMIT $6"
    )
});

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
    let rows = sqlx::query(&READ_SQL)
        .bind(READ_MODEL_TRANSACTION)
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
