//! `GET /healthz` (the process serves HTTP) and `GET /readyz` (its dependencies answer and
//! the relay is not far behind).

use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::AppState;

/// Relay backlog above which the process reports itself not ready.
pub const READY_MAX_RELAY_BACKLOG: i64 = 10_000;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// Liveness: answers as long as the process serves requests; it checks no dependency
/// (that is `/readyz`'s job), so an orchestrator never restarts it for a database outage.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is serving", body = Object, example = json!({"status": "ok"}))))]
pub(super) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// One dependency check.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Check {
    /// Whether it passed.
    ok: bool,
    /// What was seen.
    detail: String,
}

/// The readiness report.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Readiness {
    /// `ready` or `not_ready`.
    status: &'static str,
    /// Postgres answers a query.
    postgres: Check,
    /// The NATS connection is up.
    nats: Check,
    /// Committed events not yet published (ready below the threshold).
    relay_backlog: Check,
}

/// Readiness: Postgres answers, NATS is connected and the relay backlog is below
/// `READY_MAX_RELAY_BACKLOG`; 503 with `Retry-After` otherwise.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready", body = Readiness),
              (status = 503, description = "A dependency is down or the relay is far behind", body = Readiness)))]
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    let postgres = match tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query("SELECT 1").execute(&state.pool),
    )
    .await
    {
        Ok(Ok(_)) => Check {
            ok: true,
            detail: "answering".into(),
        },
        Ok(Err(error)) => Check {
            ok: false,
            detail: error.to_string(),
        },
        Err(_) => Check {
            ok: false,
            detail: "no answer within 2 s".into(),
        },
    };
    let connection = state.pipeline.js.client().connection_state();
    let nats = Check {
        ok: connection == async_nats::connection::State::Connected,
        detail: connection.to_string(),
    };
    let relay_backlog = if postgres.ok {
        match crate::relay::backlog(&state.pool).await {
            Ok(events) => Check {
                ok: events <= READY_MAX_RELAY_BACKLOG,
                detail: format!("{events} events"),
            },
            Err(error) => Check {
                ok: false,
                detail: error.to_string(),
            },
        }
    } else {
        Check {
            ok: false,
            detail: "unknown: Postgres unavailable".into(),
        }
    };
    let ready = postgres.ok && nats.ok && relay_backlog.ok;
    let report = Readiness {
        status: if ready { "ready" } else { "not_ready" },
        postgres,
        nats,
        relay_backlog,
    };
    if ready {
        (StatusCode::OK, Json(report)).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "2")],
            Json(report),
        )
            .into_response()
    }
}
