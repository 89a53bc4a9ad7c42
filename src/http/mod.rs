//! The HTTP surface: operational routes now, the command and query APIs as they land.

mod health;

use std::sync::Arc;

use axum::extract::MatchedPath;
use axum::http::Request;
use axum::Router;
use sqlx::PgPool;
use tower_http::trace::TraceLayer;

use crate::store::Stores;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The Postgres pool (event store and read models).
    pub pool: PgPool,
    /// One store per aggregate.
    pub stores: Arc<Stores>,
}

/// The complete router of `commerce serve`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::routes())
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
