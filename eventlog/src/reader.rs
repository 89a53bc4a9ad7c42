//! Reading stored events in commit-safe order, as envelopes.
//!
//! Events are read in `(commit_xid, global_position)` order, the one order every reader of the
//! log uses (relay, replay, event feed, audit sealer: [`read_rows`]). Below the
//! [`Horizon::Published`] barrier, only transactions older than every transaction still
//! running that may append events are read: a transaction that took its position early but
//! commits late is never skipped, because nothing after it is read until it has finished.
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

/// SQL selecting `commit_xid`'s bound for a commit-safe read (see the module documentation),
/// skipping the transactions named [`READ_MODEL_TRANSACTION`]. Any event with `commit_xid`
/// below it is committed and visible to the statement, and no transaction still to commit
/// will write one below it.
pub const PUBLISH_HORIZON: &str =
    "(SELECT COALESCE(min(x), pg_snapshot_xmax(pg_current_snapshot()))
       FROM pg_snapshot_xip(pg_current_snapshot()) AS x
      WHERE x::text::bigint % 4294967296 NOT IN (
            SELECT a.backend_xid::text::bigint FROM pg_stat_get_activity(NULL) AS a
             WHERE a.application_name = 'commerce read-model transaction'
               AND a.backend_xid IS NOT NULL))";

/// The columns every reader of stored events selects from `events e` ([`read_rows`], the
/// audit's queries): each as stored, `commit_xid` as text (xid8 has no binary decoding here).
pub const EVENT_COLUMNS: &str = "e.aggregate_type, e.aggregate_id, e.sequence, e.event_type, \
     e.event_version, e.payload, e.metadata, e.global_position, e.commit_xid::text AS commit_xid, \
     e.event_id, e.recorded_at";

/// Up to where a read may go in commit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Horizon {
    /// Below the oldest running transaction that may append events ([`PUBLISH_HORIZON`]): the
    /// relay. The statement must run on its own, outside any transaction.
    Published,
    /// Below the oldest transaction running when the statement's snapshot was taken, read-model
    /// transactions included: for readers inside a transaction of their own (the event feed,
    /// the audit sealer), where the activity [`Horizon::Published`] reads would predate the
    /// snapshot.
    Snapshot,
    /// Everything the snapshot sees: a replay, whose one snapshot is the history it rebuilds.
    Visible,
}

impl Horizon {
    /// The SQL condition on `e.commit_xid`.
    pub fn condition(self) -> String {
        match self {
            Horizon::Published => format!("e.commit_xid < {PUBLISH_HORIZON}"),
            Horizon::Snapshot => "e.commit_xid < pg_snapshot_xmin(pg_current_snapshot())".into(),
            Horizon::Visible => "TRUE".into(),
        }
    }
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
    /// Only events of the aggregate with this id (of any type unless `aggregate_types` says).
    pub aggregate_id: Option<&'a str>,
    /// Only these event types (all when empty).
    pub event_types: &'a [String],
    /// How far the read may go.
    pub horizon: Horizon,
    /// The newest events first: the `limit` most recent ones after `after` instead of the
    /// `limit` oldest.
    pub newest_first: bool,
}

impl<'a> ReadFilter<'a> {
    /// Every event after `after` up to `horizon`, oldest first, at most `limit`: narrow it
    /// with struct update syntax.
    pub fn new(after: Position, limit: i64, horizon: Horizon) -> Self {
        Self {
            after,
            limit,
            aggregate_types: &[],
            aggregate_id: None,
            event_types: &[],
            horizon,
            newest_first: false,
        }
    }
}

/// The read for one horizon and direction, built once. `e.commit_xid` in ORDER BY is the
/// xid8 column: a bare `commit_xid` would name the text column selected, and "1000" sorts
/// before "999".
fn read_sql(horizon: Horizon, newest_first: bool) -> &'static str {
    static SQL: LazyLock<[[String; 2]; 3]> = LazyLock::new(|| {
        [Horizon::Published, Horizon::Snapshot, Horizon::Visible].map(|horizon| {
            ["", " DESC"].map(|direction| {
                format!(
                    "SELECT {EVENT_COLUMNS}
                       FROM events e
                      WHERE (e.commit_xid, e.global_position) > ($1::text::xid8, $2)
                        AND {}
                        AND (cardinality($3::text[]) = 0 OR e.aggregate_type = ANY($3))
                        AND ($4::text IS NULL OR e.aggregate_id = $4)
                        AND (cardinality($5::text[]) = 0 OR e.event_type = ANY($5))
                      ORDER BY e.commit_xid{direction}, e.global_position{direction}
                      LIMIT $6",
                    horizon.condition()
                )
            })
        })
    });
    &SQL[horizon as usize][usize::from(newest_first)]
}

/// The stored rows `filter` selects in commit order (or its reverse), with
/// [`EVENT_COLUMNS`]: the one read of the event log; [`read_events`] decodes them, the audit
/// reads them raw.
pub async fn read_rows(
    conn: &mut PgConnection,
    filter: &ReadFilter<'_>,
) -> Result<Vec<PgRow>, sqlx::Error> {
    let types: Vec<&str> = filter.aggregate_types.to_vec();
    sqlx::query(read_sql(filter.horizon, filter.newest_first))
        .bind(filter.after.xid.to_string())
        .bind(filter.after.global)
        .bind(&types)
        .bind(filter.aggregate_id)
        .bind(filter.event_types)
        .bind(filter.limit)
        .fetch_all(conn)
        .await
}

/// Reads the next events after `filter.after`, each with its position, upcast to the current
/// version of its type.
pub async fn read_events(
    conn: &mut PgConnection,
    filter: &ReadFilter<'_>,
) -> Result<Vec<(Position, Envelope)>, sqlx::Error> {
    read_rows(conn, filter)
        .await?
        .iter()
        .map(decode_row)
        .collect()
}

/// A read-only transaction on one snapshot (repeatable read): its statements all see the same
/// log, so [`Horizon::Snapshot`] does not move between them.
pub async fn begin_snapshot(
    pool: &sqlx::PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The position of the last event after `after` below [`Horizon::Snapshot`], if any: where a
/// reader that has looked at everything below the horizon continues.
pub async fn last_below_snapshot(
    conn: &mut PgConnection,
    after: Position,
) -> Result<Option<Position>, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT e.commit_xid::text, e.global_position FROM events e
              WHERE (e.commit_xid, e.global_position) > ($1::text::xid8, $2) AND {}
              ORDER BY e.commit_xid DESC, e.global_position DESC
              LIMIT 1",
            Horizon::Snapshot.condition()
        )
    });
    let last: Option<(String, i64)> = sqlx::query_as(&SQL)
        .bind(after.xid.to_string())
        .bind(after.global)
        .fetch_optional(conn)
        .await?;
    last.map(|(xid, global)| {
        Ok(Position {
            xid: parse_xid(&xid)?,
            global,
        })
    })
    .transpose()
}

/// The position of a row read with [`EVENT_COLUMNS`].
pub fn position(row: &PgRow) -> Result<Position, sqlx::Error> {
    let xid: String = row.try_get("commit_xid")?;
    Ok(Position {
        xid: parse_xid(&xid)?,
        global: row.try_get("global_position")?,
    })
}

/// A `commit_xid` as text, as a number.
pub fn parse_xid(xid: &str) -> Result<u64, sqlx::Error> {
    xid.parse()
        .map_err(|e| sqlx::Error::Decode(format!("commit_xid '{xid}': {e}").into()))
}

/// A row as the envelope it is published in, upcast.
pub fn decode_row(row: &PgRow) -> Result<(Position, Envelope), sqlx::Error> {
    let position = position(row)?;
    let metadata: serde_json::Value = row.try_get("metadata")?;
    let metadata: HashMap<String, String> =
        serde_json::from_value(metadata).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let sequence: i64 = row.try_get("sequence")?;
    let envelope = Envelope {
        event_id: row.try_get::<Uuid, _>("event_id")?,
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: u64::try_from(sequence).unwrap_or_default(),
        global_position: position.global,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        recorded_at: row.try_get::<DateTime<Utc>, _>("recorded_at")?,
        metadata,
        payload: row.try_get("payload")?,
    };
    // Stored rows keep their original shape; readers get the current version.
    Ok((position, envelope.upcast()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_publish_horizon_skips_the_transactions_marked_as_read_models() {
        assert!(PUBLISH_HORIZON.contains(&format!("'{READ_MODEL_TRANSACTION}'")));
    }

    #[test]
    fn each_horizon_has_its_own_statement_in_commit_order() {
        let horizons = [Horizon::Published, Horizon::Snapshot, Horizon::Visible];
        let statements = horizons.map(|horizon| read_sql(horizon, false));
        assert!(statements[0].contains(PUBLISH_HORIZON));
        assert!(statements[1].contains("pg_snapshot_xmin(pg_current_snapshot())"));
        assert!(!statements[2].contains("pg_snapshot_xmin"));
        for sql in statements {
            assert!(sql.contains("ORDER BY e.commit_xid, e.global_position"));
        }
    }

    #[test]
    fn newest_first_reverses_the_commit_order_and_keeps_the_horizon() {
        let sql = read_sql(Horizon::Snapshot, true);
        assert!(sql.contains("ORDER BY e.commit_xid DESC, e.global_position DESC"));
        assert!(sql.contains("pg_snapshot_xmin(pg_current_snapshot())"));
    }
}
