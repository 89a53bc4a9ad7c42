//! Batches of a detached projection — a process manager that writes no read model and issues
//! commands committing on their own (see [`Projection::detached`]).
//!
//! Applying such a batch one event at a time would serialise every aggregate behind the
//! slowest command. Instead, inside the batch's transaction:
//!
//! 1. each aggregate's position row is locked once and its events are sorted into
//!    redeliveries (skipped), the consecutive run that follows the stored position (to apply)
//!    and events beyond a gap (held back, nak'ed);
//! 2. the runs of different aggregates are applied concurrently, at most [`CONCURRENCY`] at a
//!    time, each run in sequence order, stopping at its first failure;
//! 3. the positions of the applied events are advanced; a failed event is retried or, after
//!    `max_deliver` deliveries, dead-lettered (never while the database is unavailable); the
//!    events after it wait for it (held back).
//!
//! The locked position rows keep another worker on the same consumer from applying the same
//! events meanwhile, as for an ordinary batch.

use async_nats::jetstream;
use futures_util::StreamExt;
use sqlx::PgConnection;

use crate::projection::{Projection, ProjectionError};
use crate::runner::{advance, dead_letter, retry_or_dead_letter, Item, Outcome, RunnerSettings};

/// The events of one run that were applied, and the failure that stopped it, if any.
type RunResult = (Vec<usize>, Option<(usize, ProjectionError)>);

/// Aggregates applied at the same time within one batch.
pub const CONCURRENCY: usize = 16;

/// Applies `items` (sorted by aggregate and sequence) and sets each one's outcome.
pub(crate) async fn apply_batch(
    tx: &mut PgConnection,
    js: &jetstream::Context,
    projection: &dyn Projection,
    settings: &RunnerSettings,
    items: &mut [Item],
) -> Result<(), async_nats::Error> {
    // 1. Claim: per aggregate, the run of events that follows its stored position (all the
    //    batch's positions locked with one statement).
    let spans = crate::batch::runs(items);
    let stored = crate::batch::lock_all(tx, projection, items, &spans).await?;
    let mut runs: Vec<Vec<usize>> = Vec::new();
    for (&(start, end), &last) in spans.iter().zip(&stored) {
        let mut expected = last + 1;
        let mut run = Vec::new();
        for (index, item) in items.iter_mut().enumerate().take(end).skip(start) {
            let sequence = i64::try_from(item.envelope.sequence).unwrap_or(i64::MAX);
            item.outcome = if sequence < expected {
                Outcome::Duplicate
            } else if sequence == expected {
                expected += 1;
                run.push(index);
                Outcome::Applied
            } else {
                Outcome::Early
            };
        }
        if !run.is_empty() {
            runs.push(run);
        }
    }

    // 2. Apply the runs concurrently; each stops at its first failure.
    let shared: &[Item] = items;
    let results: Vec<RunResult> = futures_util::stream::iter(runs)
        .map(|run| async move {
            for (position, &index) in run.iter().enumerate() {
                if let Err(error) = projection.apply_detached(&shared[index].envelope).await {
                    return (run[..position].to_vec(), Some((index, error)));
                }
            }
            (run, None)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;

    // 3. Record what happened.
    for (applied, failure) in results {
        if let Some(&last) = applied.last() {
            let item = &items[last];
            let sequence = i64::try_from(item.envelope.sequence).unwrap_or(i64::MAX);
            advance(tx, projection, &item.envelope, sequence).await?;
        }
        let Some((failed, error)) = failure else {
            continue;
        };
        // The events of this aggregate after the failed one wait for it.
        let (before, after) = items.split_at_mut(failed + 1);
        let failed_item = &before[failed];
        for later in after
            .iter_mut()
            .take_while(|later| crate::batch::same_aggregate(later, failed_item))
        {
            if matches!(later.outcome, Outcome::Applied) {
                later.outcome = Outcome::Early;
            }
        }
        let item = &items[failed];
        if let Some(retry) = retry_or_dead_letter(projection, settings, item, &error) {
            items[failed].outcome = retry;
        } else {
            dead_letter(tx, js, projection, item, &error.to_string()).await?;
            let sequence = i64::try_from(item.envelope.sequence).unwrap_or(i64::MAX);
            advance(tx, projection, &item.envelope, sequence).await?;
            items[failed].outcome = Outcome::DeadLettered;
        }
    }
    Ok(())
}
