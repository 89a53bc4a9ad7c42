//! The notification of appended events: the writers send it after their commits, the
//! readers of the log (relay, audit sealer, live streams) wait for it.

/// The NOTIFY channel the event writers signal after their commits.
pub const NOTIFY_CHANNEL: &str = "events_appended";

/// Tells the event readers (the relay, the sealer, the live streams) of every process that
/// events were committed: at once, or, inside a transaction, at its commit.
pub async fn notify_readers<'c>(executor: impl sqlx::PgExecutor<'c>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(NOTIFY_CHANNEL)
        .execute(executor)
        .await
        .map(|_| ())
}
