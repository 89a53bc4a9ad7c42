//! One shutdown signal for every task of the process (HTTP server, relay, workers,
//! projection runners).
//!
//! [`Shutdown::trigger`] (or ctrl-c / SIGTERM through [`Shutdown::on_signals`]) wakes every
//! task waiting in [`Shutdown::wait`] or sleeping in [`Shutdown::sleep`]; each task then
//! finishes its work and reports why it exited.

use std::time::Duration;

use tokio::sync::watch;

/// A cloneable shutdown handle.
#[derive(Clone)]
pub struct Shutdown {
    sender: watch::Sender<bool>,
    receiver: watch::Receiver<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    /// A handle that has not been triggered.
    pub fn new() -> Self {
        let (sender, receiver) = watch::channel(false);
        Self { sender, receiver }
    }

    /// Asks every task to stop.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// True once shutdown was asked for.
    pub fn is_triggered(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Resolves when shutdown is asked for (at once if it already was).
    pub async fn wait(&self) {
        let mut receiver = self.receiver.clone();
        // An error means every sender is gone, which also means: stop.
        let _ = receiver.wait_for(|stop| *stop).await;
    }

    /// Sleeps for `duration` or until shutdown is asked for; true when the task should stop.
    pub async fn sleep(&self, duration: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(duration) => self.is_triggered(),
            _ = self.wait() => true,
        }
    }

    /// Triggers this handle on ctrl-c or SIGTERM.
    pub fn on_signals(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let signal = wait_for_signal().await;
            tracing::info!(signal, "shutdown requested");
            this.trigger();
        });
    }
}

#[cfg(unix)]
async fn wait_for_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        },
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> &'static str {
    let _ = tokio::signal::ctrl_c().await;
    "ctrl-c"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wakes_every_waiter() {
        let shutdown = Shutdown::new();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let s = shutdown.clone();
                tokio::spawn(async move { s.wait().await })
            })
            .collect();
        assert!(!shutdown.is_triggered());
        shutdown.trigger();
        for w in waiters {
            w.await.expect("waiter finished");
        }
        assert!(shutdown.is_triggered());
        // Waiting after the trigger returns at once.
        shutdown.wait().await;
    }

    #[tokio::test]
    async fn a_sleep_ends_early_and_says_stop_when_shutdown_is_asked_for() {
        let shutdown = Shutdown::new();
        assert!(!shutdown.sleep(Duration::from_millis(1)).await);
        let sleeper = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { shutdown.sleep(Duration::from_secs(3600)).await }
        });
        shutdown.trigger();
        let stopped = tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("the sleep ended at the trigger")
            .expect("sleeper");
        assert!(stopped);
    }
}
