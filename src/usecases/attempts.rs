//! The retry rule shared by the use cases: how a decision is tried again.
//!
//! The first attempt decides on the states this process keeps (unchecked: another process
//! may have appended since). A refusal decided on an unchecked state is decided again on
//! states read from the store before it is answered; a commit that lost a race reads every
//! stream from the store again after a short, jittered pause, at most
//! [`MAX_CONFLICT_RETRIES`](crate::store::MAX_CONFLICT_RETRIES) times.

use crate::store::{
    CommandMetadata, CommitError, StoreError, Stores, Transaction, CONFLICT_BACKOFF,
    MAX_CONFLICT_RETRIES,
};

/// What one attempt of a use case came to.
pub(super) enum Attempt<T, E> {
    /// Answered: committed, or refused on states read from the store.
    Done(Result<T, E>),
    /// Refused on a state taken unchecked from the cache: decide again from the store.
    Unchecked,
    /// The commit lost a race: decide again from the store.
    Conflict,
}

/// Where a use case stands in its attempts.
#[derive(Debug, Default)]
pub(super) struct Attempts {
    conflicts: u32,
    from_store: bool,
}

impl Attempts {
    /// Whether this attempt may decide on the states the process keeps.
    pub(super) fn kept(&self) -> bool {
        !self.from_store
    }

    /// Records `attempt`; its answer, or `None` to attempt again (after the pause a conflict
    /// calls for). `exhausted` is the error when conflicts kept coming.
    pub(super) async fn next<T, E>(
        &mut self,
        attempt: Attempt<T, E>,
        exhausted: impl FnOnce() -> E,
    ) -> Option<Result<T, E>> {
        match attempt {
            Attempt::Done(result) => Some(result),
            Attempt::Unchecked if self.from_store => {
                // Cannot happen: a stream read from the store is never unchecked. Decide once
                // more rather than answer a refusal nobody checked.
                self.conflicts += 1;
                (self.conflicts > MAX_CONFLICT_RETRIES).then(|| Err(exhausted()))
            }
            Attempt::Unchecked => {
                self.from_store = true;
                None
            }
            Attempt::Conflict => {
                self.from_store = true;
                self.conflicts += 1;
                if self.conflicts > MAX_CONFLICT_RETRIES {
                    return Some(Err(exhausted()));
                }
                tokio::time::sleep(CONFLICT_BACKOFF.after(self.conflicts)).await;
                None
            }
        }
    }
}

/// The streams one decision opened, as a use case holds them.
pub(super) trait StreamSet {
    /// True when some stream was taken unchecked from the process's cache.
    fn any_unchecked(&self) -> bool;

    /// True when a stream taken unchecked decided nothing (a reservation the product already
    /// held for this order, say): the commit does not look at it, so that must be decided
    /// again on the stored state.
    fn unchecked_without_events(&self) -> bool;

    /// Hands every stream back uncommitted.
    fn close(self, stores: &Stores);

    /// Stages every stream in `transaction`.
    fn stage<'s>(self, transaction: &mut Transaction<'s>, stores: &'s Stores);
}

/// The end of an attempt once `streams` have decided: a refusal is answered, or decided again
/// from the store when a state it rests on was taken unchecked; otherwise every stream commits
/// in one transaction and `answer` is the result. The `turns` are released once the commit is
/// in, before the snapshots it made due are written.
pub(super) async fn conclude<S, T, E, G>(
    streams: S,
    decided: Result<(), E>,
    turns: G,
    stores: &Stores,
    metadata: &CommandMetadata,
    answer: T,
) -> Attempt<T, E>
where
    S: StreamSet,
    E: From<StoreError>,
{
    if let Err(refusal) = decided {
        let unchecked = streams.any_unchecked();
        streams.close(stores);
        return if unchecked {
            Attempt::Unchecked
        } else {
            Attempt::Done(Err(refusal))
        };
    }
    if streams.unchecked_without_events() {
        streams.close(stores);
        return Attempt::Unchecked;
    }
    let mut transaction = stores.transaction();
    streams.stage(&mut transaction, stores);
    match transaction.commit(metadata).await {
        Ok(snapshots) => {
            drop(turns);
            snapshots.write().await;
            Attempt::Done(Ok(answer))
        }
        Err(CommitError::Conflict) => Attempt::Conflict,
        Err(CommitError::Store(error)) => Attempt::Done(Err(error.into())),
    }
}
