//! Waking the reads that wait for a read model to apply an aggregate's events.
//!
//! A read that waits for its row to reach a version (`min_version` in the query API) watches
//! the aggregate; after each batch it commits, the read model's runner wakes the reads
//! watching the aggregates the batch applied, and only those: a wait on one cart is not
//! woken by the batches that applied other carts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::futures::Notified;
use tokio::sync::Notify;

/// The reads waiting on one read model, by aggregate id.
#[derive(Debug, Default)]
pub struct Applied {
    /// Each watched aggregate's wake-up and the number of reads watching it.
    watched: Mutex<HashMap<String, (Arc<Notify>, usize)>>,
}

impl Applied {
    /// Registers a read waiting on the aggregate `aggregate_id`, until the watch is dropped.
    pub fn watch(self: &Arc<Self>, aggregate_id: &str) -> Watch {
        let mut watched = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        let (notify, readers) = watched
            .entry(aggregate_id.to_owned())
            .or_insert_with(|| (Arc::new(Notify::new()), 0));
        *readers += 1;
        Watch {
            applied: Arc::clone(self),
            aggregate_id: aggregate_id.to_owned(),
            notify: Arc::clone(notify),
        }
    }

    /// Wakes the reads watching any of `aggregate_ids` (a batch's aggregates, once its
    /// transaction has committed).
    pub fn wake<'a>(&self, aggregate_ids: impl IntoIterator<Item = &'a str>) {
        let watched = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        if watched.is_empty() {
            return;
        }
        for id in aggregate_ids {
            if let Some((notify, _)) = watched.get(id) {
                notify.notify_waiters();
            }
        }
    }

    /// Aggregates being watched.
    pub fn watched(&self) -> usize {
        self.watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A read's registration with [`Applied::watch`].
#[derive(Debug)]
pub struct Watch {
    applied: Arc<Applied>,
    aggregate_id: String,
    notify: Arc<Notify>,
}

impl Watch {
    /// Completes at the next wake-up of the aggregate; enable it before reading the row, so
    /// a batch committed between the read and the wait counts.
    pub fn notified(&self) -> Notified<'_> {
        self.notify.notified()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut watched = self
            .applied
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, readers)) = watched.get_mut(&self.aggregate_id) {
            *readers -= 1;
            if *readers == 0 {
                watched.remove(&self.aggregate_id);
            }
        }
    }
}
