//! The `serve` role: every component of the engine as sibling tasks under one shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::{self, AppState};
use crate::shutdown::Shutdown;
use crate::store::Stores;

/// A built, not yet running engine: its listener is bound, so its address is known.
pub struct App {
    listener: TcpListener,
    state: AppState,
}

impl App {
    /// Connects to Postgres, applies migrations and binds `config.http_addr`.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let pool = crate::db::connect(config)
            .await
            .context("connecting to Postgres (DATABASE_URL)")?;
        crate::db::migrate(&pool)
            .await
            .context("applying migrations")?;
        Self::with_pool(config, pool).await
    }

    /// Like [`App::build`] with an existing, migrated pool.
    pub async fn with_pool(config: &Config, pool: PgPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.http_addr)
            .await
            .with_context(|| format!("binding HTTP_ADDR {}", config.http_addr))?;
        let stores = Arc::new(Stores::new(pool.clone(), config.snapshot_every));
        Ok(Self {
            listener,
            state: AppState { pool, stores },
        })
    }

    /// The address the HTTP server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (stores, pool), for tests and embedding.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` is triggered, then drains in-flight requests.
    pub async fn run(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let addr = self.local_addr()?;
        tracing::info!(%addr, "HTTP API listening");
        let router = http::router(self.state);
        let result = axum::serve(self.listener, router)
            .with_graceful_shutdown(async move { shutdown.wait().await })
            .await
            .context("HTTP server failed");
        match &result {
            Ok(()) => tracing::info!("HTTP API stopped: shutdown requested"),
            Err(error) => tracing::error!(error = format!("{error:#}"), "HTTP API stopped"),
        }
        result
    }
}
