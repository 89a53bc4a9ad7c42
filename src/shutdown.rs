//! One shutdown signal for every task of the process (HTTP server, relay, workers).
//!
//! [`Shutdown::trigger`] (or ctrl-c / SIGTERM through [`Shutdown::on_signals`]) wakes every
//! task waiting in [`Shutdown::wait`]; each task then finishes its work and reports why it exited.

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

    /// A receiver that turns `true` on shutdown, for components outside this crate.
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.receiver.clone()
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
}
