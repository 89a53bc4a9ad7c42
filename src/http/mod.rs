//! The HTTP surface: the command API and the query API (separate routers, under `/api/v1`),
//! and the operational routes both serve.

pub mod accounts;
mod asyncapi;
pub mod auth;
pub mod commands;
pub mod error;
pub mod events;
pub(crate) mod events_stream;
pub mod extract;
pub mod guest;
mod health;
pub mod idempotency;
pub mod limits;
pub mod metrics;
mod openapi;
mod openapi_links;

pub use events_stream::LiveFeed;
pub use openapi::document as openapi_document;
pub use queries::product_cache::ProductCache;
pub use queries::search_index::SearchIndex;
pub mod queries;

use std::sync::Arc;

use axum::extract::MatchedPath;
use axum::http::{header, HeaderName, HeaderValue, Method, Request};
use axum::{middleware, Router};
use sqlx::PgPool;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
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
    /// The payment providers offered.
    pub payments: crate::payments::Providers,
    /// Where uploaded images are kept.
    pub media: crate::media::MediaStore,
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
    /// Per projection (by name) whose runner runs in this process: woken after each batch
    /// it commits for the aggregates the batch applied, so the queries waiting for that read
    /// model to show one of them (`min_version`) look again at once, and only they (a wait on
    /// a cart is not woken by the catalog's batches, nor by other carts').
    pub applied:
        std::collections::HashMap<&'static str, Arc<commerce_projections::applied::Applied>>,
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
    let max_body = state.config.max_body_bytes;
    let mut v1 = Router::new();
    if matches!(api, Api::Command | Api::Both) {
        v1 = v1.merge(commands::routes()).merge(accounts::routes());
    }
    if matches!(api, Api::Query | Api::Both) {
        v1 = v1.merge(queries::routes()).merge(accounts::query_routes());
        v1 = v1.merge(events::routes());
    }
    // Refused while reading, before any parsing; uploads within their own, larger limit.
    v1 = limits::bounded(v1, max_body);
    if matches!(api, Api::Command | Api::Both) {
        let uploads = state.config.media.upload_body_limit();
        v1 = v1.merge(limits::bounded(commands::upload_routes(), uploads));
    }
    if let Some(limiter) = limits::RateLimiter::new(state.config.rate_limit_per_second) {
        v1 = v1.layer(middleware::from_fn_with_state(limiter, limits::rate_limit));
    }
    let operations = Router::new()
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(openapi::routes())
        .merge(asyncapi::routes());
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let mut root = Router::new().nest("/api/v1", v1);
    // The back office acts through the command side, so only a process serving commands
    // serves it (it reads the read models as well).
    if matches!(api, Api::Command | Api::Both) {
        root = root.merge(crate::backoffice::routes(state.clone()));
    }
    root.merge(limits::bounded(operations, max_body))
        .fallback(|| async { error::ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            error::ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not accept that method",
            )
        })
        .layer(cors(&state.config.cors_allowed_origins))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                let request_id = request
                    .headers()
                    .get(REQUEST_ID_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("http", method = %request.method(), route, request_id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// CORS for the configured origins only (none by default).
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::LOCATION, HeaderName::from_static(REQUEST_ID_HEADER)])
}
