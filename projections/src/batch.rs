//! Applying a batch in one go: the common case where every event of the batch applies.
//!
//! The positions of all the batch's aggregates are locked, and moved past the batch's events
//! where those follow on from them, with one statement ([`claim_all`]); the events that
//! follow their positions are handed to the subscriber's `apply_many` together, without a
//! savepoint each. A batch of `n` events costs its applies plus three statements (the
//! transaction's lock, the claim, the commit) instead of `n` applies plus four statements per
//! event; a position the claim could not move (redelivered or early events) takes one more.
//! When an apply fails, the caller rolls the transaction back and applies the batch again
//! event by event ([`crate::runner`]), where each failure is isolated by a savepoint and
//! retried or dead-lettered; the outcome is the same, only slower.

use std::collections::HashMap;

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::projection::ProjectionError;
use crate::runner::{Item, Outcome};
use crate::subscriber::Subscriber;

/// Applies the sorted `items` in `tx` and sets each one's outcome (applied, duplicate or
/// early). `Ok(Err(_))` is the first apply that failed: `tx` must then be rolled back, since
/// the failed statement may have aborted it and the outcomes set so far are void.
pub(crate) async fn apply_all(
    tx: &mut PgConnection,
    projection: &Subscriber,
    items: &mut [Item],
) -> Result<Result<(), ProjectionError>, sqlx::Error> {
    let runs = runs(items);
    let claimed = claim_all(tx, projection, items, &runs).await?;
    // Each aggregate whose position must still be moved: (start of its run, sequence).
    let mut advanced = Vec::new();
    for (&(start, end), &(stored, moved)) in runs.iter().zip(&claimed) {
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
        if last != moved {
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

/// Locks the position row of the aggregate of every run, in the runs' order (one lock order
/// for every worker), and moves it in the same statement where the run follows on from it —
/// the common case: the position is just before the run's first event, and moves to the end
/// of the run's consecutive sequences. A new aggregate's row is created at that end. Returns,
/// per run, the position before the statement (0 for a created row) and after it; where
/// they differ from what the run's outcomes say (redelivered or early events, a new
/// aggregate whose first event has not arrived), the caller moves the position itself.
///
/// `previous_sequence` carries the first sequence into the conflict branch (negated, which
/// also marks a created row in what the statement returns) and keeps the position the
/// claim found, which RETURNING, showing the new row only, could not tell otherwise.
async fn claim_all(
    tx: &mut PgConnection,
    projection: &Subscriber,
    items: &[Item],
    runs: &[(usize, usize)],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sequence = |item: &Item| i64::try_from(item.envelope.sequence).unwrap_or(i64::MAX);
    let mut kinds = Vec::with_capacity(runs.len());
    let mut ids = Vec::with_capacity(runs.len());
    let mut firsts = Vec::with_capacity(runs.len());
    let mut ends = Vec::with_capacity(runs.len());
    for &(start, end) in runs {
        let envelope = &items[start].envelope;
        kinds.push(envelope.aggregate_type.as_str());
        ids.push(envelope.aggregate_id.as_str());
        let first = sequence(&items[start]);
        // The end of the consecutive sequences from the first (duplicates come sorted).
        let mut last = first;
        for item in &items[start + 1..end] {
            match sequence(item) {
                next if next == last + 1 => last = next,
                next if next == last => {}
                _ => break,
            }
        }
        firsts.push(first);
        ends.push(last);
    }
    let rows = sqlx::query(
        "INSERT INTO projection_positions AS p (projection, aggregate_type, aggregate_id,
                                                last_sequence, previous_sequence)
         SELECT $1, a.aggregate_type, a.aggregate_id, a.last, -a.first
           FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::bigint[])
                WITH ORDINALITY AS a(aggregate_type, aggregate_id, first, last, n)
          ORDER BY a.n
         ON CONFLICT (projection, aggregate_type, aggregate_id)
         DO UPDATE SET previous_sequence = p.last_sequence,
                       last_sequence = CASE WHEN p.last_sequence = -EXCLUDED.previous_sequence - 1
                                            THEN EXCLUDED.last_sequence
                                            ELSE p.last_sequence END
         RETURNING aggregate_type, aggregate_id, previous_sequence, last_sequence",
    )
    .bind(projection.name())
    .bind(&kinds)
    .bind(&ids)
    .bind(&firsts)
    .bind(&ends)
    .fetch_all(&mut *tx)
    .await?;
    // A row the statement created (the negated first sequence marks it) had nothing applied;
    // it was created at the run's end, which the caller moves back to 0 when the run does
    // not start at 1.
    per_run(&rows, &kinds, &ids, (0, 0), |row| {
        let (before, after): (i64, i64) = (row.try_get(2)?, row.try_get(3)?);
        Ok((before.max(0), after))
    })
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

/// What `read` takes from each returned row (aggregate type and id first), in the order of
/// the runs whose keys are `kinds` and `ids`; `missing` for a run without a row.
fn per_run<T: Copy>(
    rows: &[PgRow],
    kinds: &[&str],
    ids: &[&str],
    missing: T,
    read: impl Fn(&PgRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let index: HashMap<(&str, &str), usize> = kinds
        .iter()
        .zip(ids)
        .enumerate()
        .map(|(at, (&kind, &id))| ((kind, id), at))
        .collect();
    let mut values = vec![missing; kinds.len()];
    for row in rows {
        let kind: &str = row.try_get(0)?;
        let id: &str = row.try_get(1)?;
        if let Some(&at) = index.get(&(kind, id)) {
            values[at] = read(row)?;
        }
    }
    Ok(values)
}
