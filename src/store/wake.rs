//! Tells the event readers of every process that events were committed.
//!
//! The relay, the audit sealer and the live event streams sleep until `NOTIFY
//! events_appended` (or their polling interval). The writers notify after their commit and
//! outside it, not inside the appending transaction: Postgres serialises the commits of
//! notifying transactions (one global lock, held until the commit is flushed), so appends
//! that notified could not share WAL flushes. Every store of a process shares one [`Wake`],
//! whose task sends one `NOTIFY` for all the appends since its previous one, at most every
//! [`MIN_INTERVAL`]; events inserted by other means are found at the readers' next poll.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;

use commerce_eventlog::notify::notify_readers;

/// The shortest pause between two notifications of one process: under load the readers are
/// busy and a notification per append would only cost statements.
pub const MIN_INTERVAL: Duration = Duration::from_millis(2);

/// The appends of one process, coalesced into notifications.
#[derive(Clone)]
pub struct Wake {
    appended: Arc<watch::Sender<u64>>,
}

impl Wake {
    /// Notifies through `pool`; its task ends when the last clone is dropped.
    pub fn new(pool: PgPool) -> Self {
        let (sender, receiver) = watch::channel(0);
        tokio::spawn(notify_bursts(pool, receiver));
        Self {
            appended: Arc::new(sender),
        }
    }

    /// Events were committed: the readers hear of it within [`MIN_INTERVAL`] plus a round trip.
    pub fn appended(&self) {
        self.appended
            .send_modify(|count| *count = count.wrapping_add(1));
    }
}

/// Sends one notification per burst of appends until the stores are dropped.
async fn notify_bursts(pool: PgPool, mut appended: watch::Receiver<u64>) {
    while appended.changed().await.is_ok() {
        // Every append so far is covered by the notification below.
        appended.mark_unchanged();
        if let Err(error) = notify_readers(&pool).await {
            // A missed wake-up delays the readers until their next poll; nothing is lost.
            tracing::debug!(%error, "events_appended not notified");
        }
        tokio::time::sleep(MIN_INTERVAL).await;
    }
}
