//! The engine's process roles — HTTP API, relay, projection workers — as sibling tasks under
//! one shutdown signal. `commerce serve` runs them all; `relay` and `worker` run one each.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use commerce_projections::runner::{self, RunnerSettings};
use commerce_projections::{read_models, EventHandler, Projection, Subscriber};
use sqlx::PgPool;
use tokio::net::TcpListener;

use tokio::task::JoinSet;

use crate::config::Config;
use crate::http::{self, Api, AppState, Pipeline};
use crate::mailer::{sender, MailerProcess};
use crate::relay::Relay;
use crate::shutdown::Shutdown;
use crate::store::Stores;
use crate::usecases::expire;

/// Which components a process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// The HTTP API on `HTTP_ADDR`, if any: commands, queries or both.
    pub http: Option<Api>,
    /// The relay (publishes only while it holds the leader lock).
    pub relay: bool,
    /// Every projection's consumer.
    pub workers: bool,
}

impl Roles {
    /// Everything in one process (`commerce serve`).
    pub const SERVE: Roles = Roles {
        http: Some(Api::Both),
        relay: true,
        workers: true,
    };
    /// Only the relay (`commerce relay`).
    pub const RELAY: Roles = Roles {
        http: None,
        relay: true,
        workers: false,
    };
    /// Only the projection workers (`commerce worker`).
    pub const WORKER: Roles = Roles {
        http: None,
        relay: false,
        workers: true,
    };
    /// Relay and projection workers, without HTTP.
    pub const PIPELINE: Roles = Roles {
        http: None,
        relay: true,
        workers: true,
    };
    /// Both HTTP APIs, without relay or workers.
    pub const HTTP: Roles = Roles {
        http: Some(Api::Both),
        relay: false,
        workers: false,
    };
    /// Only the command API (`commerce command-api`).
    pub const COMMAND_API: Roles = Roles {
        http: Some(Api::Command),
        relay: false,
        workers: false,
    };
    /// Only the query API (`commerce query-api`).
    pub const QUERY_API: Roles = Roles {
        http: Some(Api::Query),
        relay: false,
        workers: false,
    };
}

/// A built, not yet running engine: its listener (if any) is bound, so its address is known.
pub struct App {
    listener: Option<TcpListener>,
    state: AppState,
    relay: Option<Relay>,
    roles: Roles,
    config: Config,
}

impl App {
    /// Connects to Postgres, applies migrations, connects to NATS and binds `HTTP_ADDR`.
    pub async fn build(config: &Config, roles: Roles) -> anyhow::Result<Self> {
        let pool = crate::db::connect(config)
            .await
            .context("connecting to Postgres (DATABASE_URL)")?;
        crate::db::migrate(&pool)
            .await
            .context("applying migrations")?;
        Self::with_pool(config, pool, roles).await
    }

    /// Like [`App::build`] with an existing, migrated pool.
    pub async fn with_pool(config: &Config, pool: PgPool, roles: Roles) -> anyhow::Result<Self> {
        let listener = if roles.http.is_some() {
            Some(
                TcpListener::bind(config.http_addr)
                    .await
                    .with_context(|| format!("binding HTTP_ADDR {}", config.http_addr))?,
            )
        } else {
            None
        };
        let js = crate::nats::connect(config).await?;
        let relay = roles
            .relay
            .then(|| Relay::new(pool.clone(), js.clone(), config.relay.clone()));
        let projections = read_models::all(config.inventory_levels);
        // The read-model runners of this process wake the queries waiting for them
        // (`min_version`).
        let applied = if roles.workers {
            projections
                .iter()
                .map(|projection| (projection.name(), Arc::default()))
                .collect()
        } else {
            HashMap::new()
        };
        let pipeline = Pipeline {
            js,
            relay: relay.as_ref().map(Relay::stats),
            projections,
            runner: config.runner.clone(),
            applied,
        };
        let stores = Arc::new(Stores::with_cache(
            pool.clone(),
            config.snapshot_every,
            config.aggregate_cache_entries,
        ));
        if roles.http.is_some() {
            crate::usecases::stores::ensure_default_store(&stores, &default_store_contact(config))
                .await
                .context("opening the default store")?;
        }
        Ok(Self {
            listener,
            state: AppState {
                pool,
                stores,
                pipeline: Arc::new(pipeline),
                payments: crate::payments::Providers::from_settings(&config.stripe)?,
                media: crate::media::MediaStore::from_settings(&config.media)?,
                config: Arc::new(config.clone()),
            },
            relay,
            roles,
            config: config.clone(),
        })
    }

    /// The address the HTTP server listens on (when it runs the HTTP role).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The shared state (stores, pool, pipeline), for tests and embedding.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Runs every role until `shutdown`, then waits for each to finish. Fails if a role
    /// stops with an error (the others are stopped too).
    pub async fn run(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let mut tasks: JoinSet<(&'static str, anyhow::Result<()>)> = JoinSet::new();
        if let (Some(listener), Some(api)) = (self.listener, self.roles.http) {
            let live = http::LiveFeed::new(self.state.pool.clone(), shutdown.clone());
            let mut router = http::router_for(api, self.state.clone()).layer(axum::Extension(live));
            // In-memory state kept by LISTEN/NOTIFY; each listener is one of the process's
            // tasks, so it has let go of its connection when `run` returns.
            if let Some(cache) = http::ProductCache::new(self.config.product_cache_entries) {
                let (pool, stop) = (self.state.pool.clone(), shutdown.clone());
                let listening = cache.clone();
                tasks.spawn(async move {
                    crate::listen::run(pool, listening, stop).await;
                    ("product-cache", Ok(()))
                });
                router = router.layer(axum::Extension(cache));
            }
            if self.config.search_index {
                let index = http::SearchIndex::new();
                let (pool, stop) = (self.state.pool.clone(), shutdown.clone());
                let listening = index.clone();
                tasks.spawn(async move {
                    crate::listen::run(pool, listening, stop).await;
                    ("search-index", Ok(()))
                });
                let (pool, stop) = (self.state.pool.clone(), shutdown.clone());
                let refreshing = index.clone();
                tasks.spawn(async move {
                    refreshing.run_refresher(pool, stop).await;
                    ("search-index-refresher", Ok(()))
                });
                router = router.layer(axum::Extension(index));
            }
            let revocations = crate::auth::revocations::RevocationList::offline();
            let (pool, stop) = (self.state.pool.clone(), shutdown.clone());
            let listening = revocations.clone();
            tasks.spawn(async move {
                crate::listen::run(pool, listening, stop).await;
                ("revocations", Ok(()))
            });
            router = router.layer(axum::Extension(revocations));
            let stop = shutdown.clone();
            tasks.spawn(async move {
                let addr = listener.local_addr().ok();
                tracing::info!(?addr, "HTTP API listening");
                let service = router.into_make_service_with_connect_info::<SocketAddr>();
                let result = axum::serve(listener, service)
                    .with_graceful_shutdown(async move { stop.wait().await })
                    .await
                    .context("HTTP server failed");
                ("http", result)
            });
        }
        if let Some(relay) = self.relay {
            let stop = shutdown.clone();
            tasks.spawn(async move { ("relay", relay.run(stop).await) });
            // The hash-chain sealer: one leader, like the relay (see `audit::sealer`).
            let sealer = crate::audit::sealer::Sealer::new(
                self.state.pool.clone(),
                crate::audit::sealer::SealerSettings {
                    batch_size: self.config.relay.batch_size,
                    poll_interval: self.config.relay.poll_interval,
                    pause: crate::audit::sealer::SEAL_PAUSE,
                },
            );
            let stop = shutdown.clone();
            tasks.spawn(async move { ("sealer", sealer.run(stop).await) });
        }
        if self.roles.workers {
            for projection in &self.state.pipeline.projections {
                let projection: Arc<dyn Projection> = projection.clone();
                let (pool, js) = (self.state.pool.clone(), self.state.pipeline.js.clone());
                let settings = RunnerSettings {
                    applied: self.state.pipeline.applied.get(projection.name()).cloned(),
                    ..self.state.pipeline.runner.clone()
                };
                let stop = shutdown.clone();
                tasks.spawn(async move {
                    runner::run(pool, js, Subscriber::ReadModel(projection), settings, stop).await;
                    ("projection", Ok(()))
                });
            }
            let (pool, stores) = (self.state.pool.clone(), self.state.stores.clone());
            let (interval, stop) = (self.config.expiry_interval, shutdown.clone());
            let timeout = self.config.payment_timeout;
            tasks.spawn(async move {
                expire::run(pool, stores, interval, timeout, stop).await;
                ("order-expiry", Ok(()))
            });
            // The mailer: renders emails into the outbox, and the sender delivering them.
            let mailer: Arc<dyn EventHandler> = Arc::new(MailerProcess::new(
                self.state.pool.clone(),
                self.config.mail.clone(),
            ));
            let (pool, js) = (self.state.pool.clone(), self.state.pipeline.js.clone());
            let settings = self.config.runner.clone();
            let stop = shutdown.clone();
            tasks.spawn(async move {
                runner::run(pool, js, Subscriber::Handler(mailer), settings, stop).await;
                ("mailer", Ok(()))
            });
            let (pool, mail) = (self.state.pool.clone(), self.config.mail.clone());
            let stop = shutdown.clone();
            tasks.spawn(async move {
                sender::run(pool, mail, stop).await;
                ("email-sender", Ok(()))
            });
        }
        let mut outcome = Ok(());
        while let Some(joined) = tasks.join_next().await {
            let (role, result) = joined.context("a role task panicked")?;
            match result {
                Ok(()) => tracing::info!(role, "stopped: shutdown requested"),
                Err(error) => {
                    tracing::error!(role, error = format!("{error:#}"), "stopped with an error");
                    shutdown.trigger();
                    outcome = Err(error);
                }
            }
        }
        outcome
    }
}

/// The default store's contact address when it is first opened: `MAIL_FROM`'s address when it
/// is one customers could write to, else a placeholder for an admin to replace
/// (`PATCH stores/default`).
fn default_store_contact(config: &Config) -> String {
    config
        .mail
        .from
        .parse::<lettre::message::Mailbox>()
        .map(|mailbox| mailbox.email.to_string().to_lowercase())
        .ok()
        .filter(|address| commerce_aggregates::common::is_email_address(address))
        .unwrap_or_else(|| "store@example.com".to_owned())
}
