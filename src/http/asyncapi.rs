//! `GET /asyncapi.json`: the AsyncAPI 3.0 document of the event streams ([`crate::asyncapi`]),
//! next to `/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::AppState;

/// The document's route.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/asyncapi.json", get(asyncapi))
}

async fn asyncapi() -> Json<Value> {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Json(DOCUMENT.get_or_init(crate::asyncapi::document).clone())
}
