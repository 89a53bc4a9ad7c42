//! Commands of this process on one aggregate take turns.
//!
//! Two commands racing for an aggregate's next sequence number both do the work; the loser's
//! insert fails, is rolled back, and runs again on a fresh load. For an aggregate that many
//! concurrent commands touch (a coupon redeemed by every other order) that was about two lost
//! races per command under the checkout load. Queued behind each other instead, every command
//! starts from the state the previous one left in the cache and commits at the first try.
//! Commands of other processes still race, and the sequence check still decides.
//!
//! Aggregates share a fixed set of turn locks by the hash of their id: two aggregates on one
//! lock only queue behind each other for the length of a command.

use std::hash::{DefaultHasher, Hash, Hasher};

use tokio::sync::{Mutex, MutexGuard};

/// Number of turn locks per store.
const LOCKS: usize = 1024;

/// The turn locks of one store.
pub(super) struct Turns {
    locks: Vec<Mutex<()>>,
}

impl Default for Turns {
    fn default() -> Self {
        Self {
            locks: (0..LOCKS).map(|_| Mutex::new(())).collect(),
        }
    }
}

impl Turns {
    /// Waits for the turn of aggregate `id` (first come, first served); it lasts until the
    /// guard is dropped.
    pub(super) async fn take(&self, id: &str) -> MutexGuard<'_, ()> {
        self.locks[index(id)].lock().await
    }

    /// Waits for the turns of every aggregate in `ids`, taken in lock order (so that two
    /// callers never wait for each other), each lock once.
    pub(super) async fn take_all<'i>(
        &self,
        ids: impl IntoIterator<Item = &'i str>,
    ) -> Vec<MutexGuard<'_, ()>> {
        let mut indices: Vec<usize> = ids.into_iter().map(index).collect();
        indices.sort_unstable();
        indices.dedup();
        let mut guards = Vec::with_capacity(indices.len());
        for index in indices {
            guards.push(self.locks[index].lock().await);
        }
        guards
    }
}

/// The lock of aggregate `id`.
fn index(id: &str) -> usize {
    let mut hasher = DefaultHasher::new();
    id.hash(&mut hasher);
    (hasher.finish() % LOCKS as u64) as usize
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_second_command_on_the_same_aggregate_waits_for_the_first() {
        let turns = Turns::default();
        let first = turns.take("coupon-A").await;
        let waiting = tokio::time::timeout(Duration::from_millis(50), turns.take("coupon-A"));
        assert!(
            waiting.await.is_err(),
            "the second turn came while the first was held"
        );
        drop(first);
        let second = tokio::time::timeout(Duration::from_millis(50), turns.take("coupon-A"));
        assert!(second.await.is_ok());
    }

    #[tokio::test]
    async fn several_turns_are_taken_once_each_and_block_each_of_them() {
        let turns = Turns::default();
        let held = turns
            .take_all(["product-B", "product-A", "product-B"])
            .await;
        assert!(held.len() <= 2, "a repeated id is one turn");
        for id in ["product-A", "product-B"] {
            let waiting = tokio::time::timeout(Duration::from_millis(20), turns.take(id));
            assert!(waiting.await.is_err(), "{id} was free while held");
        }
        drop(held);
        let again = tokio::time::timeout(
            Duration::from_millis(50),
            turns.take_all(["product-A", "product-B"]),
        );
        assert!(again.await.is_ok());
    }
}
