//! The HTTP surface: operational routes now, the command and query APIs as they land.

mod health;
mod metrics;

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

/// The complete router of `commerce serve`.
pub fn router(state: AppState) -> Router {
    Router::new()
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
