//! Snapshots: a product's or coupon's state stored every `SNAPSHOT_EVERY` events, so a load
//! reads the latest snapshot and the events after it instead of the whole stream.

use cqrs_es::Aggregate;
use sqlx::PgPool;

use super::AggregateStore;

impl<A: Aggregate> AggregateStore<A> {
    /// The snapshot of the state at `new_version` when the commit from `old` crossed a
    /// snapshot boundary, to be written once the commit's turns are released.
    pub(super) fn snapshot_due(
        &self,
        id: &str,
        aggregate: &A,
        old: usize,
        new_version: usize,
    ) -> Option<Snapshot> {
        let every = self.snapshot_every?;
        if new_version / every == old / every {
            return None;
        }
        match serde_json::to_value(aggregate) {
            Ok(payload) => Some(Snapshot {
                pool: self.pool.clone(),
                aggregate_type: A::TYPE,
                id: id.to_owned(),
                version: i64::try_from(new_version).unwrap_or(i64::MAX),
                number: i64::try_from(new_version / every).unwrap_or(i64::MAX),
                payload,
            }),
            Err(error) => {
                tracing::warn!(aggregate = A::TYPE, id, %error, "snapshot not encoded");
                None
            }
        }
    }
}

/// A snapshot due after a commit. A snapshot is a cache: failing to write one is logged,
/// never fatal, and an older snapshot never replaces a newer one, so it is written after the
/// commit's turns are released, without holding up the next commit on the aggregate.
#[derive(Debug)]
#[must_use = "a snapshot does nothing until it is written"]
pub struct Snapshot {
    pool: PgPool,
    aggregate_type: &'static str,
    id: String,
    version: i64,
    number: i64,
    payload: serde_json::Value,
}

impl Snapshot {
    /// Writes it.
    pub async fn write(self) {
        let result = sqlx::query(
            "INSERT INTO snapshots
                 (aggregate_type, aggregate_id, last_sequence, current_snapshot, payload)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE
                SET last_sequence = EXCLUDED.last_sequence,
                    current_snapshot = EXCLUDED.current_snapshot,
                    payload = EXCLUDED.payload
              WHERE snapshots.last_sequence < EXCLUDED.last_sequence",
        )
        .bind(self.aggregate_type)
        .bind(&self.id)
        .bind(self.version)
        .bind(self.number)
        .bind(&self.payload)
        .execute(&self.pool)
        .await;
        if let Err(error) = result {
            tracing::warn!(aggregate = self.aggregate_type, id = self.id, %error,
                "snapshot not written");
        }
    }
}

/// The snapshots due after a commit of several streams.
#[derive(Debug, Default)]
#[must_use = "snapshots do nothing until they are written"]
pub struct Snapshots(pub(super) Vec<Snapshot>);

impl Snapshots {
    /// Writes them.
    pub async fn write(self) {
        for snapshot in self.0 {
            snapshot.write().await;
        }
    }
}
