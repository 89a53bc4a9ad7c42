//! HTTP routes: commands (being written).

use axum::Router;
use utoipa::OpenApi;

use super::AppState;

/// The routes of this module, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// The OpenAPI description of this module's routes.
#[derive(OpenApi)]
#[openapi()]
pub struct Api;
