//! `GET /healthz`: the process is up and serving HTTP.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

/// Liveness: answers as long as the process serves requests; it checks no dependency
/// (that is `/readyz`'s job), so an orchestrator never restarts it for a database outage.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
