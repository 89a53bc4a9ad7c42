//! Rebuilding a read model from the event store.

use std::collections::HashMap;

use sqlx::PgPool;

use crate::projection::{Projection, ProjectionError};
use crate::reader::{read_events, Position, ReadFilter};

/// Events read per round trip during a replay.
pub const REPLAY_BATCH: i64 = 2_000;

/// Empties the projection's tables and applies every stored event of its aggregates again,
/// in commit order, inside one repeatable-read transaction: readers see the old read model
/// until the new one is complete. The projection's live consumer is held off meanwhile (an
/// exclusive advisory lock its batches share); the events committed after the replay's
/// snapshot reach the read model through that consumer afterwards.
///
/// Returns the number of events applied.
pub async fn replay(pool: &PgPool, projection: &dyn Projection) -> Result<u64, ProjectionError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT pg_advisory_xact_lock(1, hashtext($1))")
        .bind(projection.name())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM projection_positions WHERE projection = $1")
        .bind(projection.name())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM projection_dead_letters WHERE projection = $1")
        .bind(projection.name())
        .execute(&mut *tx)
        .await?;
    // Table names come from the projection's code, never from input.
    let tables = projection.tables().join(", ");
    sqlx::query(&format!("TRUNCATE {tables}"))
        .execute(&mut *tx)
        .await?;

    let mut after = Position::default();
    let mut applied = 0u64;
    let mut positions: HashMap<(String, String), i64> = HashMap::new();
    loop {
        let filter = ReadFilter {
            after,
            limit: REPLAY_BATCH,
            aggregate_types: projection.aggregate_types(),
            committed_only: false,
        };
        let batch = read_events(&mut tx, &filter).await?;
        let Some((last, _)) = batch.last() else {
            break;
        };
        after = *last;
        for (_, envelope) in &batch {
            projection.apply(&mut tx, envelope).await?;
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
    tx.commit().await?;
    tracing::info!(
        projection = projection.name(),
        events = applied,
        "replay complete"
    );
    Ok(applied)
}
