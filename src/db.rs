//! Postgres connection pool and the embedded schema migrations.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::config::Config;

/// The project's migrations (`migrations/`), embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub use crate::config::DEFAULT_ACQUIRE_TIMEOUT;

/// Opens the connection pool described by `config`.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    connect_with(
        &config.database_url,
        config.database_max_connections,
        config.database_acquire_timeout,
    )
    .await
}

/// Opens a pool of at most `max_connections` to `url` for tools and test harnesses, whose
/// callers may queue for a connection for up to 5 s (a burst of hundreds of concurrent
/// requests on one pool waits rather than failing).
pub async fn connect_url(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    connect_with(url, max_connections, Duration::from_secs(5)).await
}

/// A pooled connection idle for at least this long is tested (one round trip) before it is
/// handed out; a busier one is handed out as it is.
pub const TEST_IDLE_CONNECTION_AFTER: Duration = Duration::from_secs(1);

/// Opens a pool of at most `max_connections` to `url` whose callers wait at most
/// `acquire_timeout` for a connection. While Postgres is unreachable every acquisition keeps
/// trying to connect until that timeout, so it bounds how long a request takes to fail (503).
///
/// sqlx tests every connection before handing it out by default: a round trip to Postgres on
/// every acquisition, which was a seventh of the engine's CPU under the checkout load. Only
/// connections idle for [`TEST_IDLE_CONNECTION_AFTER`] are tested here (after an outage,
/// that is all of them); a connection that breaks while busy fails its next statement, which
/// answers 503 like any other database outage, and is then dropped from the pool.
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= TEST_IDLE_CONNECTION_AFTER {
                    sqlx::Connection::ping(connection).await?;
                }
                Ok(true)
            })
        })
        .connect(url)
        .await
}

/// Applies every pending migration.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// True when `error` says the database cannot be reached or is not serving right now
/// (restarting, shutting down, out of connections), rather than that the statement failed.
pub use commerce_eventlog::database_unavailable as unavailable;
