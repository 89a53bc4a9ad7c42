//! Read-your-writes for the query API: `min_version`.
//!
//! A command answers with the aggregate's version; the read model records, on every row, the
//! version of the last event it applied. A query that names `min_version` is answered only
//! once the row has reached it: the row is read again whenever that read model's runner in this
//! process commits a batch that applied the aggregate, and at least every [`POLL_INTERVAL`]
//! ([`POLL_INTERVAL_WOKEN`] when the runner is in this process: it is polled only for the
//! batches of runners in other processes), until it has, or until `READ_WAIT_TIMEOUT_MS` has passed, which is a 503 problem `read_model_behind` with
//! `Retry-After: 1`. A row that does not exist yet is waited for too (reading a cart right
//! after creating it). Without `min_version` (or with `0`) the row is read once.
//!
//! Visibility is decided on every poll: a row the caller may never see (someone else's cart)
//! is a 404 at once, without waiting; a row the caller may see later (a draft product that a
//! later version publishes) is waited for like a row that is behind.
//!
//! Before waiting, the event store is asked how far the aggregate really is: an aggregate with
//! no events is a 404 at once, and a `min_version` beyond the version of a row the caller may
//! see is a 422 `min_version_ahead` (no command has produced that version, so waiting could
//! never succeed) — also when that row only appears while waiting. Only a read model genuinely
//! behind the store is waited for.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::http::error::ApiError;
use crate::http::AppState;

/// How often a row that is behind is read again when no runner of the read model runs in
/// this process.
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// How often a row that is behind is read again when the read model's runner in this process
/// wakes the wait: the poll then only finds what runners of other processes applied.
pub const POLL_INTERVAL_WOKEN: Duration = Duration::from_millis(100);

/// Seconds a client is told to wait before retrying a read whose model is behind.
const RETRY_AFTER_SECONDS: u32 = 1;

/// Whether the caller may see a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Yes.
    Visible,
    /// No, and no later version will change that (someone else's cart or order): 404 now.
    Hidden,
    /// Not at this version, maybe at a later one (a draft product): 404 once the row has
    /// reached `min_version`, otherwise waited for.
    HiddenForNow,
}

/// A read-model row carrying the version of the last event applied to it.
pub trait Versioned {
    /// That version (the aggregate's sequence).
    fn version(&self) -> i64;
}

/// 503 `read_model_behind` with `Retry-After`: the read model has not reached `min_version`
/// of `what` in time.
pub fn read_model_behind(what: &str, min_version: u64) -> ApiError {
    ApiError::unavailable(
        format!("the {what} read model has not reached version {min_version} yet; retry shortly"),
        RETRY_AFTER_SECONDS,
    )
    .with_code("read_model_behind")
}

/// Reads one row of the projection `read_model` through `fetch` until it is at `min_version`
/// or later (see the module documentation), deciding on every read whether the caller may see
/// it with `access`.
///
/// Missing (without `min_version`) or not visible: 404 `not_found` naming `what`.
#[tracing::instrument(skip_all, fields(what = what, min_version = ?min_version))]
pub async fn read_at_least<T, F, Fut>(
    state: &AppState,
    read_model: &'static str,
    what: &'static str,
    aggregate_id: &str,
    min_version: Option<u64>,
    access: impl Fn(&T) -> Access,
    mut fetch: F,
) -> Result<T, ApiError>
where
    T: Versioned,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, sqlx::Error>>,
{
    let wanted = min_version.filter(|version| *version > 0);
    let deadline = Instant::now() + state.config.read_wait_timeout;
    // The store is asked at most twice: whether the aggregate exists while its row is
    // missing, and how far it is once a visible row is behind (the row may appear while
    // waiting, after the first question was answered).
    let (mut existence_checked, mut version_checked) = (false, false);
    let (watch, poll) = match state.pipeline.applied.get(read_model) {
        Some(applied) if wanted.is_some() => {
            (Some(applied.watch(aggregate_id)), POLL_INTERVAL_WOKEN)
        }
        _ => (None, POLL_INTERVAL),
    };
    loop {
        // Enabled before the read, so a batch committed between the read and the wait counts.
        let mut advanced = watch.as_ref().map(|watch| Box::pin(watch.notified()));
        if let Some(advanced) = &mut advanced {
            advanced.as_mut().enable();
        }
        match fetch().await.map_err(ApiError::from)? {
            Some(row) => {
                let at_version = wanted.is_none_or(|wanted| reached(row.version(), wanted));
                match access(&row) {
                    Access::Visible if at_version => return Ok(row),
                    Access::Hidden => return Err(ApiError::not_found(what)),
                    Access::HiddenForNow if at_version => return Err(ApiError::not_found(what)),
                    Access::Visible if !version_checked => {
                        version_checked = true;
                        let stored = stored_version(state, what, aggregate_id)
                            .await
                            .map_err(ApiError::from)?;
                        if let Some(wanted) = wanted.filter(|w| !reached(stored.unwrap_or(0), *w)) {
                            return Err(ApiError::invalid_field(
                                "min_version",
                                format!(
                                    "the {what} is at version {}; min_version {wanted} is ahead of it",
                                    stored.unwrap_or(0)
                                ),
                            )
                            .with_code("min_version_ahead"));
                        }
                    }
                    Access::Visible | Access::HiddenForNow => {}
                }
            }
            None if wanted.is_none() => return Err(ApiError::not_found(what)),
            None if !existence_checked => {
                existence_checked = true;
                if stored_version(state, what, aggregate_id)
                    .await
                    .map_err(ApiError::from)?
                    .is_none()
                {
                    return Err(ApiError::not_found(what));
                }
            }
            None => {}
        }
        let now = Instant::now();
        if now >= deadline {
            tracing::info!(what, min_version = wanted, "read model behind: giving up");
            return Err(read_model_behind(what, wanted.unwrap_or_default()));
        }
        tokio::select! {
            () = async {
                match &mut advanced {
                    Some(advanced) => advanced.as_mut().await,
                    None => std::future::pending().await,
                }
            } => {}
            () = tokio::time::sleep(poll.min(deadline - now)) => {}
        }
    }
}

/// The aggregate's version in the event store (`None` when it has no events); `what` is its
/// aggregate type.
async fn stored_version(
    state: &AppState,
    what: &str,
    aggregate_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT max(sequence) FROM events WHERE aggregate_type = $1 AND aggregate_id = $2",
    )
    .bind(what)
    .bind(aggregate_id)
    .fetch_one(&state.pool)
    .await
}

/// True when a row at `version` has reached `wanted`.
fn reached(version: i64, wanted: u64) -> bool {
    u64::try_from(version).is_ok_and(|version| version >= wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;

    #[test]
    fn versions_compare_without_overflow() {
        assert!(reached(3, 3));
        assert!(reached(4, 3));
        assert!(!reached(2, 3));
        assert!(!reached(-1, 0));
        assert!(!reached(i64::MAX, u64::MAX));
    }

    #[tokio::test]
    async fn behind_is_a_503_problem_with_retry_after() {
        let response = read_model_behind("cart", 7).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .expect("body");
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(problem["code"], "read_model_behind");
    }
}
