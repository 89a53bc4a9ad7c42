//! Applying a batch in one go: the common case where every event of the batch applies.
//!
//! The positions of all the batch's aggregates are locked with one statement and advanced
//! with one more, and the events that follow their positions are handed to
//! [`Projection::apply_many`] together, without a savepoint each: a batch of `n` events costs
//! its applies plus four statements instead of `n` applies plus four statements per event. When an apply fails, the caller rolls the transaction back and applies the batch
//! again event by event ([`crate::runner`]), where each failure is isolated by a savepoint
//! and retried or dead-lettered; the outcome is the same, only slower. The detached batches
//! of a process manager ([`crate::detached`]) claim their positions the same way.

use std::collections::HashMap;

use sqlx::{PgConnection, Row};

use crate::projection::{Projection, ProjectionError};
use crate::runner::{Item, Outcome};

/// Applies the sorted `items` in `tx` and sets each one's outcome (applied, duplicate or
/// early). `Ok(Err(_))` is the first apply that failed: `tx` must then be rolled back, since
/// the failed statement may have aborted it and the outcomes set so far are void.
pub(crate) async fn apply_all(
    tx: &mut PgConnection,
    projection: &dyn Projection,
    items: &mut [Item],
) -> Result<Result<(), ProjectionError>, sqlx::Error> {
    let runs = runs(items);
    let stored = lock_all(tx, projection, items, &runs).await?;
    // Each aggregate's last applied sequence, where it changed: (start of its run, sequence).
    let mut advanced = Vec::new();
    for (&(start, end), &stored) in runs.iter().zip(&stored) {
        let mut last = stored;
        for item in &mut items[start..end] {
            let envelope = &item.envelope;
            let sequence = i64::try_from(envelope.sequence).unwrap_or(i64::MAX);
            item.outcome = if sequence <= last {
                Outcome::Duplicate
            } else if sequence > last + 1 {
                tracing::debug!(projection = projection.name(), aggregate = %envelope.aggregate_id,
                    sequence, last, "event ahead of its predecessor, held back");
                Outcome::Early
            } else {
                last = sequence;
                Outcome::Applied
            };
        }
        if last != stored {
            advanced.push((start, last));
        }
    }
    let applied: Vec<&crate::Envelope> = items
        .iter()
        .filter(|item| matches!(item.outcome, Outcome::Applied))
        .map(|item| &item.envelope)
        .collect();
    if !applied.is_empty() {
        if let Err(error) = projection.apply_many(tx, &applied).await {
            return Ok(Err(error));
        }
    }
    if !advanced.is_empty() {
        let kinds: Vec<&str> = advanced
            .iter()
            .map(|&(start, _)| items[start].envelope.aggregate_type.as_str())
            .collect();
        let ids: Vec<&str> = advanced
            .iter()
            .map(|&(start, _)| items[start].envelope.aggregate_id.as_str())
            .collect();
        let sequences: Vec<i64> = advanced.iter().map(|&(_, last)| last).collect();
        sqlx::query(
            "UPDATE projection_positions p SET last_sequence = a.last_sequence
               FROM UNNEST($2::text[], $3::text[], $4::bigint[])
                    AS a(aggregate_type, aggregate_id, last_sequence)
              WHERE p.projection = $1 AND p.aggregate_type = a.aggregate_type
                AND p.aggregate_id = a.aggregate_id",
        )
        .bind(projection.name())
        .bind(&kinds)
        .bind(&ids)
        .bind(&sequences)
        .execute(&mut *tx)
        .await?;
    }
    Ok(Ok(()))
}

/// Whether two items are events of the same aggregate.
pub(crate) fn same_aggregate(a: &Item, b: &Item) -> bool {
    a.envelope.aggregate_type == b.envelope.aggregate_type
        && a.envelope.aggregate_id == b.envelope.aggregate_id
}

/// The sorted `items` as runs `start..end` of one aggregate each.
pub(crate) fn runs(items: &[Item]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match runs.last_mut() {
            Some((start, end)) if same_aggregate(&items[*start], item) => *end = index + 1,
            _ => runs.push((index, index + 1)),
        }
    }
    runs
}

/// Locks the position row of the aggregate of every run (created at 0 when new), in the
/// runs' order — one lock order for every worker — and returns the last sequence applied of
/// each, in the same order.
pub(crate) async fn lock_all(
    tx: &mut PgConnection,
    projection: &dyn Projection,
    items: &[Item],
    runs: &[(usize, usize)],
) -> Result<Vec<i64>, sqlx::Error> {
    let keys: Vec<(&str, &str)> = runs
        .iter()
        .map(|&(start, _)| {
            let envelope = &items[start].envelope;
            (
                envelope.aggregate_type.as_str(),
                envelope.aggregate_id.as_str(),
            )
        })
        .collect();
    let (kinds, ids): (Vec<&str>, Vec<&str>) = keys.iter().copied().unzip();
    let rows = sqlx::query(
        "INSERT INTO projection_positions (projection, aggregate_type, aggregate_id, last_sequence)
         SELECT $1, a.aggregate_type, a.aggregate_id, 0
           FROM UNNEST($2::text[], $3::text[]) WITH ORDINALITY AS a(aggregate_type, aggregate_id, n)
          ORDER BY a.n
         ON CONFLICT (projection, aggregate_type, aggregate_id)
         DO UPDATE SET last_sequence = projection_positions.last_sequence
         RETURNING aggregate_type, aggregate_id, last_sequence",
    )
    .bind(projection.name())
    .bind(&kinds)
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let index: HashMap<(&str, &str), usize> = keys
        .iter()
        .enumerate()
        .map(|(at, &key)| (key, at))
        .collect();
    let mut stored = vec![0; keys.len()];
    for row in &rows {
        let kind: &str = row.try_get(0)?;
        let id: &str = row.try_get(1)?;
        if let Some(&at) = index.get(&(kind, id)) {
            stored[at] = row.try_get(2)?;
        }
    }
    Ok(stored)
}
