//! Stored events as the audit reads them: every column, the payload and metadata as the raw
//! JSON stored (never re-encoded, so tampered rows are read as they are), and the queries of
//! an order's history and stream.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::chain::Content;

/// The columns [`StoredEvent::from_row`] reads, for `SELECT … FROM events e`.
pub use commerce_eventlog::reader::EVENT_COLUMNS;

/// One row of the events table.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// `product`, `cart`, `order`, `coupon`, `account`.
    pub aggregate_type: String,
    /// The aggregate's id.
    pub aggregate_id: String,
    /// Position in the aggregate's stream, from 1.
    pub sequence: i64,
    /// e.g. `StockReserved`.
    pub event_type: String,
    /// e.g. `1.0`.
    pub event_version: String,
    /// `{"<EventType>": {fields}}` as stored.
    pub payload: Value,
    /// Actor, correlation, causation and request ids as stored.
    pub metadata: Value,
    /// Allocation order across all streams.
    pub global_position: i64,
    /// The writing transaction.
    pub commit_xid: u64,
    /// Stable identity.
    pub event_id: Uuid,
    /// When the row was written.
    pub recorded_at: DateTime<Utc>,
}

impl StoredEvent {
    /// Reads the [`EVENT_COLUMNS`] of a row.
    pub fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        let xid: String = row.try_get("commit_xid")?;
        Ok(Self {
            aggregate_type: row.try_get("aggregate_type")?,
            aggregate_id: row.try_get("aggregate_id")?,
            sequence: row.try_get("sequence")?,
            event_type: row.try_get("event_type")?,
            event_version: row.try_get("event_version")?,
            payload: row.try_get("payload")?,
            metadata: row.try_get("metadata")?,
            global_position: row.try_get("global_position")?,
            commit_xid: parse_xid(&xid)?,
            event_id: row.try_get("event_id")?,
            recorded_at: row.try_get("recorded_at")?,
        })
    }

    /// What the hash chain seals of it.
    pub fn content(&self) -> Content<'_> {
        Content {
            aggregate_type: &self.aggregate_type,
            aggregate_id: &self.aggregate_id,
            event_type: &self.event_type,
            event_version: &self.event_version,
            payload: &self.payload,
            metadata: &self.metadata,
            event_id: self.event_id,
            recorded_at: self.recorded_at,
        }
    }

    /// A metadata value as text (`None` when absent; a non-string value as its JSON).
    pub fn meta(&self, key: &str) -> Option<String> {
        match self.metadata.get(key)? {
            Value::String(text) => Some(text.clone()),
            other => Some(other.to_string()),
        }
    }

    /// `aggregate/id#sequence`, for messages.
    pub fn label(&self) -> String {
        format!(
            "{}/{}#{}",
            self.aggregate_type, self.aggregate_id, self.sequence
        )
    }
}

pub use commerce_eventlog::reader::parse_xid;

/// Every event that concerns order `order_id`: its own stream, and the events of other streams
/// whose payload names it (stock reservations, releases and commits, coupon redemptions and
/// releases, the cart's checkout), in commit-safe order (`(commit_xid, global_position)`,
/// the order the relay publishes and the chain seals in), each with its chain link once
/// sealed.
pub async fn order_history(
    pool: &PgPool,
    order_id: Uuid,
) -> Result<Vec<(StoredEvent, Option<i64>)>, sqlx::Error> {
    // Two index lookups (the stream's primary key, and `events_order_ref` on the order id
    // named in other streams' payloads), merged.
    let sql = format!(
        "SELECT {EVENT_COLUMNS}, c.link
           FROM (SELECT global_position FROM events
                  WHERE aggregate_type = 'order' AND aggregate_id = $1
                 UNION ALL
                 SELECT global_position FROM events
                  WHERE aggregate_type <> 'order'
                    AND (payload -> event_type ->> 'order_id') IS NOT NULL
                    AND (payload -> event_type ->> 'order_id') = $1) AS hit
           JOIN events e ON e.global_position = hit.global_position
           LEFT JOIN event_chain c ON c.global_position = e.global_position
          ORDER BY e.commit_xid, e.global_position"
    );
    let rows = sqlx::query(&sql)
        .bind(order_id.to_string())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| Ok((StoredEvent::from_row(row)?, row.try_get("link")?)))
        .collect()
}

/// The events of order `order_id`'s own stream, in sequence order.
pub async fn order_stream(pool: &PgPool, order_id: Uuid) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events e
          WHERE e.aggregate_type = 'order' AND e.aggregate_id = $1
          ORDER BY e.sequence"
    );
    let rows = sqlx::query(&sql)
        .bind(order_id.to_string())
        .fetch_all(pool)
        .await?;
    rows.iter().map(StoredEvent::from_row).collect()
}
