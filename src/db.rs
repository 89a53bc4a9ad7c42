//! Postgres connection pool and the embedded schema migrations.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::config::Config;

/// The project's migrations (`migrations/`), embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens the connection pool described by `config`.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    connect_url(&config.database_url, config.database_max_connections).await
}

/// Opens a pool of at most `max_connections` to `url`.
pub async fn connect_url(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
}

/// Applies every pending migration.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}
