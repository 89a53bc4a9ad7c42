//! Where idempotent requests are kept: reserving a key (`idempotency_keys`), storing the
//! outcome on the reservation, releasing it, replaying a stored response, and purging rows
//! older than [`RETENTION_HOURS`].

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use sqlx::PgPool;
use uuid::Uuid;

use super::{LEASE_SECONDS, REPLAYED_HEADER, RETENTION_HOURS};
use crate::http::error::ApiError;

/// Largest response body stored (command responses are small JSON documents).
const MAX_RESPONSE_BYTES: usize = 1 << 20;
/// Response headers stored with the body and replayed.
const STORED_HEADERS: [HeaderName; 2] = [header::CONTENT_TYPE, header::LOCATION];

/// What identifies a request under a key.
#[derive(Debug, Clone)]
pub(super) struct Fingerprint {
    pub(super) caller: Uuid,
    pub(super) key: String,
    pub(super) method: String,
    pub(super) path: String,
    pub(super) hash: Vec<u8>,
}

/// The outcome of trying to reserve a key.
pub(super) enum Reservation {
    /// This request owns the key under this reservation id and must run.
    Owned(Uuid),
    /// The request already ran: its stored response.
    Replay(Response),
    /// The same request is running now.
    InProgress,
    /// The key was used for another request.
    Reused,
}

/// Reserves the key for this request, or tells why it cannot run.
pub(super) async fn reserve(pool: &PgPool, request: &Fingerprint) -> Result<Reservation, ApiError> {
    purge_now_and_then(pool).await;
    // A row can vanish between the insert and the read (its owner failed and released it):
    // try again a few times before calling it busy.
    for _ in 0..3 {
        let reservation = Uuid::new_v4();
        let inserted: Option<(Uuid,)> = sqlx::query_as(
            "INSERT INTO idempotency_keys
                 (caller_id, idempotency_key, method, path, request_hash, reservation_id)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (caller_id, idempotency_key) DO UPDATE
                SET method = EXCLUDED.method,
                    path = EXCLUDED.path,
                    request_hash = EXCLUDED.request_hash,
                    reservation_id = EXCLUDED.reservation_id,
                    status = NULL,
                    response_headers = NULL,
                    response_body = NULL,
                    created_at = now(),
                    completed_at = NULL
              WHERE idempotency_keys.created_at < now() - make_interval(hours => $7)
                 OR (idempotency_keys.status IS NULL
                     AND idempotency_keys.created_at < now() - make_interval(secs => $8)
                     AND idempotency_keys.method = EXCLUDED.method
                     AND idempotency_keys.path = EXCLUDED.path
                     AND idempotency_keys.request_hash = EXCLUDED.request_hash)
             RETURNING reservation_id",
        )
        .bind(request.caller)
        .bind(&request.key)
        .bind(&request.method)
        .bind(&request.path)
        .bind(&request.hash)
        .bind(reservation)
        .bind(RETENTION_HOURS)
        .bind(LEASE_SECONDS)
        .fetch_optional(pool)
        .await?;
        if inserted.is_some() {
            return Ok(Reservation::Owned(reservation));
        }
        let existing: Option<StoredRow> = sqlx::query_as(
            "SELECT method, path, request_hash, status, response_headers, response_body
               FROM idempotency_keys
              WHERE caller_id = $1 AND idempotency_key = $2
                AND created_at >= now() - make_interval(hours => $3)",
        )
        .bind(request.caller)
        .bind(&request.key)
        .bind(RETENTION_HOURS)
        .fetch_optional(pool)
        .await?;
        let Some(row) = existing else { continue };
        if row.method != request.method
            || row.path != request.path
            || row.request_hash != request.hash
        {
            return Ok(Reservation::Reused);
        }
        return Ok(
            match (row.status, row.response_headers, row.response_body) {
                (Some(status), Some(headers), Some(body)) => {
                    Reservation::Replay(replay(status, &headers, body))
                }
                _ => Reservation::InProgress,
            },
        );
    }
    Ok(Reservation::InProgress)
}

/// A stored row, as read back.
#[derive(sqlx::FromRow)]
struct StoredRow {
    method: String,
    path: String,
    request_hash: Vec<u8>,
    status: Option<i16>,
    response_headers: Option<Value>,
    response_body: Option<Vec<u8>>,
}

/// The stored response, marked as replayed.
fn replay(status: i16, headers: &Value, body: Vec<u8>) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body).into_response();
    let out = response.headers_mut();
    if let Some(stored) = headers.as_object() {
        for name in STORED_HEADERS {
            let value = stored
                .get(name.as_str())
                .and_then(Value::as_str)
                .and_then(|v| HeaderValue::from_str(v).ok());
            match value {
                Some(value) => {
                    out.insert(name, value);
                }
                None => {
                    out.remove(name);
                }
            }
        }
    }
    out.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}

/// Stores the handler's response on the reservation (or releases it) and returns it.
pub(super) async fn complete(
    pool: &PgPool,
    request: &Fingerprint,
    reservation: Uuid,
    response: Response,
) -> Response {
    let (parts, body) = response.into_parts();
    let body: Bytes = match axum::body::to_bytes(body, MAX_RESPONSE_BYTES).await {
        Ok(body) => body,
        Err(error) => {
            release(pool, request, reservation).await;
            return ApiError::internal(anyhow::anyhow!("unreadable response body: {error}"))
                .into_response();
        }
    };
    if storable(parts.status, &body) {
        let headers: Map<String, Value> = STORED_HEADERS
            .iter()
            .filter_map(|name| {
                let value = parts.headers.get(name)?.to_str().ok()?;
                Some((name.as_str().to_string(), Value::from(value)))
            })
            .collect();
        let stored = sqlx::query(
            "UPDATE idempotency_keys
                SET status = $4, response_headers = $5, response_body = $6, completed_at = now()
              WHERE caller_id = $1 AND idempotency_key = $2 AND reservation_id = $3",
        )
        .bind(request.caller)
        .bind(&request.key)
        .bind(reservation)
        .bind(i16::try_from(parts.status.as_u16()).unwrap_or(i16::MAX))
        .bind(Value::Object(headers))
        .bind(body.to_vec())
        .execute(pool)
        .await;
        if let Err(error) = stored {
            tracing::warn!(%error, key = %request.key, "idempotent response not stored");
        }
    } else {
        release(pool, request, reservation).await;
    }
    Response::from_parts(parts, Body::from(body))
}

/// Deletes this request's reservation (best effort: it expires after the lease anyway).
pub(super) async fn release(pool: &PgPool, request: &Fingerprint, reservation: Uuid) {
    let released = sqlx::query(
        "DELETE FROM idempotency_keys
          WHERE caller_id = $1 AND idempotency_key = $2 AND reservation_id = $3
            AND status IS NULL",
    )
    .bind(request.caller)
    .bind(&request.key)
    .bind(reservation)
    .execute(pool)
    .await;
    if let Err(error) = released {
        tracing::warn!(%error, key = %request.key, "idempotency reservation not released");
    }
}

/// Whether an outcome is final for this request: successes and definite client errors are;
/// server errors and transient refusals (401, 408, 413, 429, a concurrency conflict) are not.
fn storable(status: StatusCode, body: &[u8]) -> bool {
    if status.is_success() {
        return true;
    }
    if !status.is_client_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::REQUEST_TIMEOUT
                | StatusCode::PAYLOAD_TOO_LARGE
                | StatusCode::TOO_MANY_REQUESTS
        )
    {
        return false;
    }
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|problem| problem.get("code")?.as_str().map(str::to_string));
    !matches!(
        code.as_deref(),
        Some("concurrent_modification" | "idempotency_key_in_progress")
    )
}

/// Deletes a batch of expired rows about once every 256 reservations.
async fn purge_now_and_then(pool: &PgPool) {
    if Uuid::new_v4().as_bytes()[0] != 0 {
        return;
    }
    let purged = sqlx::query(
        "DELETE FROM idempotency_keys
          WHERE ctid IN (SELECT ctid FROM idempotency_keys
                          WHERE created_at < now() - make_interval(hours => $1)
                          LIMIT 1000)",
    )
    .bind(RETENTION_HOURS)
    .execute(pool)
    .await;
    if let Err(error) = purged {
        tracing::warn!(%error, "expired idempotency keys not purged");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn only_final_outcomes_are_stored() {
        assert!(storable(StatusCode::CREATED, b"{}"));
        assert!(storable(
            StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"code":"validation_failed"}"#
        ));
        assert!(storable(
            StatusCode::PAYMENT_REQUIRED,
            br#"{"code":"payment_declined"}"#
        ));
        assert!(!storable(StatusCode::SERVICE_UNAVAILABLE, b"{}"));
        assert!(!storable(StatusCode::INTERNAL_SERVER_ERROR, b"{}"));
        assert!(!storable(StatusCode::UNAUTHORIZED, b"{}"));
        assert!(!storable(
            StatusCode::CONFLICT,
            br#"{"code":"concurrent_modification"}"#
        ));
        assert!(storable(StatusCode::CONFLICT, br#"{"code":"cart_closed"}"#));
    }

    #[test]
    fn replays_carry_the_stored_headers_and_the_marker() {
        let headers = serde_json::json!({"content-type": "application/json", "location": "/x"});
        let response = replay(201, &headers, b"{}".to_vec());
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()[header::LOCATION], "/x");
        assert_eq!(response.headers()[REPLAYED_HEADER], "true");
    }
}
