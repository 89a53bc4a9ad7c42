//! The HTTP surface: the command API and the query API (separate routers, under `/api/v1`),
//! and the operational routes both serve.

pub mod accounts;
pub mod auth;
pub mod commands;
pub mod error;
pub mod extract;
mod health;
mod metrics;
pub mod queries;

use std::sync::Arc;

use axum::extract::MatchedPath;
use axum::http::Request;
use axum::Router;
use sqlx::PgPool;
use tower_http::trace::TraceLayer;

use crate::relay::RelayStats;
use crate::store::Stores;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The Postgres pool (event store and read models).
    pub pool: PgPool,
    /// One store per aggregate.
    pub stores: Arc<Stores>,
    /// NATS and the publication pipeline, for status and metrics.
    pub pipeline: Arc<Pipeline>,
    /// The process configuration.
    pub config: Arc<crate::config::Config>,
}

/// The publication side as the HTTP layer sees it.
pub struct Pipeline {
    /// JetStream.
    pub js: async_nats::jetstream::Context,
    /// The relay of this process, when it runs one.
    pub relay: Option<Arc<RelayStats>>,
    /// The projections (their consumers' lag is reported).
    pub projections: Vec<Arc<dyn commerce_projections::Projection>>,
    /// How projections consume.
    pub runner: commerce_projections::runner::RunnerSettings,
}

/// Header carrying the request id (generated when the client sends none, echoed back).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Which APIs a router serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Commands only (`commerce command-api`).
    Command,
    /// Queries only (`commerce query-api`).
    Query,
    /// Both (`commerce serve`).
    Both,
}

/// The router of `commerce serve`: both APIs and the operational routes.
pub fn router(state: AppState) -> Router {
    router_for(Api::Both, state)
}

/// The router serving `api` plus the operational routes.
pub fn router_for(api: Api, state: AppState) -> Router {
    let mut v1 = Router::new();
    if matches!(api, Api::Command | Api::Both) {
        v1 = v1.merge(commands::routes()).merge(accounts::routes());
    }
    if matches!(api, Api::Query | Api::Both) {
        v1 = v1.merge(queries::routes());
    }
    Router::new()
        .nest("/api/v1", v1)
        .merge(health::routes())
        .merge(metrics::routes())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                tracing::info_span!("http", method = %request.method(), route)
            }),
        )
        .with_state(state)
}
