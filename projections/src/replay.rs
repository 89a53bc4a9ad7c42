//! Rebuilding a read model from the event store.
//!
//! [`replay`] empties a projection's tables and rebuilds them from every stored event of its
//! aggregates inside one repeatable-read transaction. A projection that offers a
//! [`Rebuild`] (see [`Projection::rebuild`]) is folded in memory and written with `COPY`
//! ([`fast`]), its tables' secondary indexes built once afterwards ([`indexes`]); any other has its events applied one by one with its live `apply`
//! ([`replay_per_event`]). Both leave the same rows and the same positions.

mod copy;
mod fast;
mod indexes;
mod positions;
mod rebuild;

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::projection::{Projection, ProjectionError};
use crate::reader::{read_events, Horizon, Position, ReadFilter};

pub use copy::{CopyError, CopyRows};
pub use fast::PAGE;
pub use rebuild::{Rebuild, StoredEvent};

/// Events read per round trip during a per-event replay.
pub const REPLAY_BATCH: i64 = 2_000;

/// Empties the projection's tables and rebuilds them from every stored event of its
/// aggregates inside one repeatable-read transaction: readers see the old read model until
/// the new one is complete. The projection's live consumer is held off meanwhile (an
/// exclusive advisory lock its batches share); the events committed after the replay's
/// snapshot reach the read model through that consumer afterwards.
///
/// Uses the projection's in-memory [`Rebuild`] when it has one, else applies the events one
/// by one ([`replay_per_event`]). Returns the number of events replayed.
pub async fn replay(pool: &PgPool, projection: &dyn Projection) -> Result<u64, ProjectionError> {
    replay_in_pages(pool, projection, PAGE).await
}

/// [`replay`] reading the events of a [`Rebuild`] in pages of `page` events (at least one).
pub async fn replay_in_pages(
    pool: &PgPool,
    projection: &dyn Projection,
    page: i64,
) -> Result<u64, ProjectionError> {
    match projection.rebuild() {
        Some(fold) => {
            // Its positions are rewritten where they differ, not deleted first.
            let mut tx = begin(pool, projection, false).await?;
            let indexes = indexes::set_aside(&mut tx, projection.tables()).await?;
            let applied = fast::run(pool, &mut tx, projection, fold, page.max(1)).await?;
            indexes.restore(&mut tx).await?;
            commit(tx, projection, applied, "in memory").await
        }
        None => replay_per_event(pool, projection).await,
    }
}

/// [`replay`] applying every event with the projection's live `apply`, in commit order,
/// whether or not it has a [`Rebuild`] (the reference the fast path is compared with).
pub async fn replay_per_event(
    pool: &PgPool,
    projection: &dyn Projection,
) -> Result<u64, ProjectionError> {
    let mut tx = begin(pool, projection, true).await?;
    let applied = apply_each(&mut tx, projection).await?;
    commit(tx, projection, applied, "per event").await
}

/// Opens the replay's transaction: repeatable read, the projection's lock, its dead letters,
/// tables and (with `delete_positions`) positions emptied.
async fn begin<'a>(
    pool: &'a PgPool,
    projection: &dyn Projection,
    delete_positions: bool,
) -> Result<Transaction<'a, Postgres>, ProjectionError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut *tx)
        .await?;
    // A replay lost to a crash right after its commit leaves the old read model with its
    // own positions: consistent, and replayed again by whoever asked.
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    // Marked as a read-model transaction: a long replay does not hold the relay back. And
    // as a replay: the tables' `TRUNCATE` tells the product caches to drop everything, so
    // the catalog's row triggers stay quiet (migration `catalog_changed_once_per_replay`).
    sqlx::query(
        "SELECT pg_advisory_xact_lock(1, hashtext($1)), set_config('application_name', $2, true), \
                set_config('commerce.replaying', 'on', true)",
    )
    .bind(projection.name())
    .bind(crate::reader::READ_MODEL_TRANSACTION)
    .execute(&mut *tx)
    .await?;
    if delete_positions {
        sqlx::query("DELETE FROM projection_positions WHERE projection = $1")
            .bind(projection.name())
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM projection_dead_letters WHERE projection = $1")
        .bind(projection.name())
        .execute(&mut *tx)
        .await?;
    // Table names come from the projection's code, never from input.
    let tables = projection.tables().join(", ");
    sqlx::query(&format!("TRUNCATE {tables}"))
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

async fn commit(
    tx: Transaction<'_, Postgres>,
    projection: &dyn Projection,
    applied: u64,
    how: &'static str,
) -> Result<u64, ProjectionError> {
    tx.commit().await?;
    tracing::info!(
        projection = projection.name(),
        events = applied,
        how,
        "replay complete"
    );
    Ok(applied)
}

/// Applies every event in commit order with the projection's `apply`, then records each
/// aggregate's last sequence.
async fn apply_each(
    tx: &mut PgConnection,
    projection: &dyn Projection,
) -> Result<u64, ProjectionError> {
    let mut after = Position::default();
    let mut applied = 0u64;
    let mut positions: HashMap<(String, String), i64> = HashMap::new();
    loop {
        let filter = ReadFilter {
            aggregate_types: projection.aggregate_types(),
            ..ReadFilter::new(after, REPLAY_BATCH, Horizon::Visible)
        };
        let batch = read_events(&mut *tx, &filter).await?;
        let Some((last, _)) = batch.last() else {
            break;
        };
        after = *last;
        for (_, envelope) in &batch {
            projection.apply(&mut *tx, envelope).await?;
            let sequence = i64::try_from(envelope.sequence).unwrap_or(i64::MAX);
            positions.insert(
                (
                    envelope.aggregate_type.clone(),
                    envelope.aggregate_id.clone(),
                ),
                sequence,
            );
            applied += 1;
        }
    }

    let (types, ids, sequences): (Vec<String>, Vec<String>, Vec<i64>) =
        positions.into_iter().map(|((t, i), s)| (t, i, s)).fold(
            (vec![], vec![], vec![]),
            |(mut t, mut i, mut s), (a, b, c)| {
                t.push(a);
                i.push(b);
                s.push(c);
                (t, i, s)
            },
        );
    sqlx::query(
        "INSERT INTO projection_positions (projection, aggregate_type, aggregate_id, last_sequence)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::bigint[])",
    )
    .bind(projection.name())
    .bind(&types)
    .bind(&ids)
    .bind(&sequences)
    .execute(&mut *tx)
    .await?;
    Ok(applied)
}
