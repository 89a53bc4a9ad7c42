//! Wakes the tasks of this process waiting for an aggregate to change.
//!
//! `POST carts/{id}/checkout` waits for the checkout process to decide the order. When that
//! process runs in the same engine, its commit wakes the waiting request at once instead of at
//! its next look at the order; waiting on another process's commit still relies on looking
//! again (see `checkout_outcome`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

/// The aggregates someone waits on, each with the [`Notify`] its waiters share.
#[derive(Default)]
pub(super) struct Watchers {
    watched: Mutex<HashMap<String, Arc<Notify>>>,
}

impl Watchers {
    /// Registers interest in `id` until the returned [`Watch`] is dropped.
    pub(super) fn watch<'a>(&'a self, id: &str) -> Watch<'a> {
        let notify = self.lock().entry(id.to_owned()).or_default().clone();
        Watch {
            watchers: self,
            id: id.to_owned(),
            notify,
        }
    }

    /// Wakes whoever waits on `id` (called after a commit to it).
    pub(super) fn changed(&self, id: &str) {
        if let Some(notify) = self.lock().get(id) {
            notify.notify_waiters();
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Notify>>> {
        // Every update is one step: the map is consistent even after a panic.
        self.watched.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Interest in one aggregate: [`Watch::notify`] is woken by every commit to it.
pub struct Watch<'a> {
    watchers: &'a Watchers,
    id: String,
    notify: Arc<Notify>,
}

impl Watch<'_> {
    /// The notification to wait on. Create (and `enable`) its `notified()` future before
    /// reading the aggregate, so a commit between the read and the wait is not missed.
    pub fn notify(&self) -> &Notify {
        &self.notify
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        let mut watched = self.watchers.lock();
        // The map's reference and this one: the last waiter removes the entry.
        if Arc::strong_count(&self.notify) == 2 {
            watched.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_change_wakes_the_watchers_of_that_aggregate_only() {
        let watchers = Watchers::default();
        let watch = watchers.watch("a");
        let other = watchers.watch("b");
        {
            let woken = watch.notify().notified();
            let not_woken = other.notify().notified();
            tokio::pin!(woken, not_woken);
            woken.as_mut().enable();
            not_woken.as_mut().enable();
            watchers.changed("a");
            tokio::time::timeout(Duration::from_secs(1), woken)
                .await
                .expect("woken by the change");
            assert!(
                tokio::time::timeout(Duration::from_millis(20), not_woken)
                    .await
                    .is_err(),
                "another aggregate's change wakes nobody here"
            );
        }
        let second = watchers.watch("a");
        drop(watch);
        assert_eq!(watchers.lock().len(), 2, "a is still watched by the second");
        drop(second);
        drop(other);
        assert!(
            watchers.lock().is_empty(),
            "the last watcher removes its entry"
        );
    }
}
