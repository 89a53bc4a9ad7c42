//! `GET /metrics`: Prometheus text exposition of the publication pipeline — relay backlog
//! and throughput, and each projection's lag.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use commerce_projections::{runner, Subscriber};

use super::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Renders every metric; one that cannot be read right now is left out and counted in
/// `commerce_metrics_errors`.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::new();
    let mut errors = 0u32;
    let gauge = |out: &mut String, name: &str, help: &str, kind: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };

    gauge(
        &mut out,
        "commerce_relay_backlog_events",
        "Committed events not yet published to JetStream",
        "gauge",
    );
    match crate::relay::backlog(&state.pool).await {
        Ok(n) => {
            let _ = writeln!(out, "commerce_relay_backlog_events {n}");
        }
        Err(error) => {
            tracing::warn!(%error, "relay backlog unavailable");
            errors += 1;
        }
    }
    gauge(
        &mut out,
        "commerce_audit_unsealed_events",
        "Stored events not yet linked into the tamper-evidence hash chain",
        "gauge",
    );
    match crate::audit::sealer::backlog(&state.pool).await {
        Ok(n) => {
            let _ = writeln!(out, "commerce_audit_unsealed_events {n}");
        }
        Err(error) => {
            tracing::warn!(%error, "sealer backlog unavailable");
            errors += 1;
        }
    }
    if let Some(relay) = &state.pipeline.relay {
        gauge(
            &mut out,
            "commerce_relay_leader",
            "1 while this process's relay leads",
            "gauge",
        );
        let _ = writeln!(
            out,
            "commerce_relay_leader {}",
            u8::from(relay.leader.load(Ordering::Relaxed))
        );
        gauge(
            &mut out,
            "commerce_relay_published_total",
            "Events published by this process",
            "counter",
        );
        let _ = writeln!(
            out,
            "commerce_relay_published_total {}",
            relay.published.load(Ordering::Relaxed)
        );
        gauge(
            &mut out,
            "commerce_relay_duplicates_total",
            "Publications JetStream dropped as duplicates",
            "counter",
        );
        let _ = writeln!(
            out,
            "commerce_relay_duplicates_total {}",
            relay.duplicates.load(Ordering::Relaxed)
        );
    }
    gauge(
        &mut out,
        "commerce_projection_lag_events",
        "Events not yet applied by a projection (pending + unacknowledged)",
        "gauge",
    );
    for projection in &state.pipeline.projections {
        let subscriber = Subscriber::ReadModel(projection.clone());
        match runner::lag(&state.pipeline.js, &state.pipeline.runner, &subscriber).await {
            Ok(lag) => {
                let _ = writeln!(
                    out,
                    "commerce_projection_lag_events{{projection=\"{}\"}} {lag}",
                    projection.name()
                );
            }
            Err(error) => {
                tracing::debug!(projection = projection.name(), %error, "projection lag unavailable");
                errors += 1;
            }
        }
    }
    gauge(
        &mut out,
        "commerce_metrics_errors",
        "Metrics that could not be read for this scrape",
        "gauge",
    );
    let _ = writeln!(out, "commerce_metrics_errors {errors}");
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
