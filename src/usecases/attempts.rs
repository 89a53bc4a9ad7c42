//! The retry rule shared by the use cases: how a decision is tried again.
//!
//! The first attempt decides on the states this process keeps (unchecked: another process
//! may have appended since). A refusal decided on an unchecked state is decided again on
//! states read from the store before it is answered; a commit that lost a race reads every
//! stream from the store again after a short, jittered pause, at most
//! [`MAX_CONFLICT_RETRIES`](crate::store::MAX_CONFLICT_RETRIES) times.

use crate::store::{CONFLICT_BACKOFF, MAX_CONFLICT_RETRIES};

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
