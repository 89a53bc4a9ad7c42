//! In-memory state kept current by Postgres `LISTEN`/`NOTIFY`.
//!
//! A [`Subscriber`] holds something derived from the database (rendered products, revoked
//! tokens) and a trigger notifies its channel at every commit that changes the source.
//! [`run`] keeps one `LISTEN` connection open for it: once listening, the subscriber is told
//! to bring itself up to date ([`Subscriber::connected`]), then hears every notification;
//! when the connection is lost, notifications may be missed, so it is told so
//! ([`Subscriber::disconnected`]) and must stop trusting its state until the next
//! `connected`, which follows a reconnect a second later.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgListener;
use sqlx::PgPool;

use crate::shutdown::Shutdown;

/// Pause before listening again after the connection was lost.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// State kept by notifications on one channel.
#[async_trait]
pub trait Subscriber: Send + Sync + 'static {
    /// The channel, as the trigger's `pg_notify` names it.
    fn channel(&self) -> &'static str;

    /// Listening: bring the state up to date (notifications sent meanwhile are queued and
    /// handled afterwards).
    async fn connected(&self, pool: &PgPool) -> Result<(), sqlx::Error>;

    /// One notification's payload.
    fn notified(&self, payload: &str);

    /// Not listening any more: notifications may be missed from now on.
    fn disconnected(&self);
}

/// Keeps `subscriber` listening until `shutdown`; returns once it has stopped (a connection
/// being opened is abandoned at once, so no half-open session outlives the process's tasks).
pub async fn run(pool: PgPool, subscriber: impl Subscriber, shutdown: Shutdown) {
    while !shutdown.is_triggered() {
        let session = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(subscriber.channel()).await?;
            subscriber.connected(&pool).await?;
            loop {
                match listener.try_recv().await? {
                    Some(notification) => subscriber.notified(notification.payload()),
                    None => return Err(sqlx::Error::Protocol("connection lost".into())),
                }
            }
        };
        let result: Result<(), sqlx::Error> = tokio::select! {
            result = session => result,
            _ = shutdown.wait() => Ok(()),
        };
        subscriber.disconnected();
        if let Err(error) = result {
            tracing::warn!(channel = subscriber.channel(), %error,
                "listener lost; in-memory state bypassed until it reconnects");
            shutdown.sleep(RECONNECT_DELAY).await;
        }
    }
}
