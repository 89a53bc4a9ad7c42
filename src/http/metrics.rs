//! `GET /metrics`: Prometheus text exposition of the publication pipeline — relay backlog
//! and throughput, and each projection's lag.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use commerce_projections::{runner, Subscriber};

use super::{AppState, Pipeline};

/// How long one projection's lag may take to read before it counts as unavailable (NATS
/// down or slow): a scrape or a page must not hang on it.
const LAG_TIMEOUT: Duration = Duration::from_secs(2);

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
    for lag in projection_lags(&state.pipeline).await {
        match lag.events {
            Ok(events) => {
                let _ = writeln!(
                    out,
                    "commerce_projection_lag_events{{projection=\"{}\"}} {events}",
                    lag.projection
                );
            }
            Err(error) => {
                tracing::debug!(projection = lag.projection, %error, "projection lag unavailable");
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

/// One read model's lag: events on the stream its consumers have not yet had acknowledged
/// (pending + unacknowledged, [`runner::lag`]), or why it could not be read.
pub struct ProjectionLag {
    /// The projection (read model) name.
    pub projection: &'static str,
    /// Events behind, or the failure.
    pub events: Result<u64, LagUnavailable>,
}

/// Why a projection's lag could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LagUnavailable {
    /// JetStream answered with an error (no stream or consumer yet, NATS down).
    #[error("{0}")]
    Nats(async_nats::Error),
    /// No answer within [`LAG_TIMEOUT`].
    #[error("no answer within {} s", LAG_TIMEOUT.as_secs())]
    TimedOut,
}

/// The lag of every projection of `pipeline`, read concurrently, in the pipeline's order:
/// the figures `/metrics` exports and the back office's dashboard shows.
pub async fn projection_lags(pipeline: &Pipeline) -> Vec<ProjectionLag> {
    let reads = pipeline.projections.iter().map(|projection| async move {
        let subscriber = Subscriber::ReadModel(projection.clone());
        let read = runner::lag(&pipeline.js, &pipeline.runner, &subscriber);
        let events = match tokio::time::timeout(LAG_TIMEOUT, read).await {
            Ok(Ok(events)) => Ok(events),
            Ok(Err(error)) => Err(LagUnavailable::Nats(error)),
            Err(_) => Err(LagUnavailable::TimedOut),
        };
        ProjectionLag {
            projection: projection.name(),
            events,
        }
    });
    futures_util::future::join_all(reads).await
}
