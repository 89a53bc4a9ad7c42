//! `Idempotency-Key` for every command route: a retried request returns the first response
//! and runs nothing again.
//!
//! [`idempotent`] wraps a handler. Without the header it only calls the handler. With it:
//! 1. the caller is authenticated (keys are scoped per caller) and the body read (bounded);
//! 2. the key is **reserved** by inserting its row (`idempotency_keys`) with the request's
//!    method, path and the SHA-256 of its body: the primary key lets one request win, so two
//!    concurrent requests with one key never both run — the loser gets 409
//!    `idempotency_key_in_progress`;
//! 3. a key already used for this request returns the stored status, body and `Location`
//!    (plus `Idempotent-Replayed: true`); for another request it is 422
//!    `idempotency_key_reused`;
//! 4. the owner runs the handler in its own task (a client hanging up cannot cancel it
//!    between the command and the bookkeeping), then stores a 2xx or a definite 4xx outcome
//!    on the row it still owns, or deletes its reservation for anything transient (5xx, 401,
//!    429, a concurrency conflict) so that a retry runs again.
//!
//! Rows count for [`RETENTION_HOURS`] after they were reserved (reads filter on
//! `created_at`; expired rows are purged now and then). A reservation that never completed
//! because the process died is taken over by the same request after [`LEASE_SECONDS`].

mod store;

use std::future::Future;
use std::pin::Pin;

use axum::body::Body;
use axum::extract::{FromRequestParts, OriginalUri, Request};
use axum::handler::Handler;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use self::store::{complete, release, reserve, Fingerprint, Reservation};
use crate::http::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::AppState;

/// The request header carrying the key.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// Set on a response replayed from storage.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// How long a key is honoured.
pub const RETENTION_HOURS: i32 = 24;
/// After this long, a reservation that never completed may be taken over.
pub const LEASE_SECONDS: f64 = 60.0;
/// Longest accepted key.
pub const MAX_KEY_LEN: usize = 255;

/// Wraps `handler` with `Idempotency-Key` support.
pub fn idempotent<H>(handler: H) -> Idempotent<H> {
    Idempotent {
        handler,
        upload: false,
    }
}

/// [`idempotent`] for a route taking an image upload: its body is read within the upload
/// routes' limit instead of `MAX_BODY_BYTES`.
pub fn idempotent_upload<H>(handler: H) -> Idempotent<H> {
    Idempotent {
        handler,
        upload: true,
    }
}

/// A handler with `Idempotency-Key` support (see the module documentation).
#[derive(Clone)]
pub struct Idempotent<H> {
    handler: H,
    upload: bool,
}

impl<H, T> Handler<T, AppState> for Idempotent<H>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    type Future = Pin<Box<dyn Future<Output = Response> + Send>>;

    fn call(self, request: Request, state: AppState) -> Self::Future {
        let Idempotent { handler, upload } = self;
        Box::pin(async move {
            let limit = if upload {
                state.config.media.upload_body_limit()
            } else {
                state.config.max_body_bytes
            };
            run(handler, request, state, limit)
                .await
                .unwrap_or_else(IntoResponse::into_response)
        })
    }
}

async fn run<H, T>(
    handler: H,
    request: Request,
    state: AppState,
    body_limit: usize,
) -> Result<Response, ApiError>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    if !request.headers().contains_key(IDEMPOTENCY_KEY_HEADER) {
        return Ok(handler.call(request, state).await);
    }
    let (mut parts, body) = request.into_parts();
    // A guest's keys are scoped by its cart token (16 bytes of its SHA-256: stable and
    // unguessable); a request with neither credential (a guest opening a cart) runs without
    // a key. Otherwise unauthenticated is 401 whatever the key looks like.
    let guest = (!parts
        .headers
        .contains_key(axum::http::header::AUTHORIZATION))
    .then(|| parts.headers.get(&crate::http::guest::CART_TOKEN).cloned());
    let caller_id = match guest {
        Some(Some(token)) => guest_scope(token.as_bytes()),
        Some(None) if parts.uri.path().ends_with("/carts") => {
            return Ok(handler.call(Request::from_parts(parts, body), state).await);
        }
        _ => AuthUser::from_request_parts(&mut parts, &state).await?.id,
    };
    let key = key(&parts.headers)?;
    let body = axum::body::to_bytes(body, body_limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body exceeds the size limit or could not be read",
        )
    })?;
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    let fingerprint = Fingerprint {
        caller: caller_id,
        key,
        method: parts.method.to_string(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string()),
        hash: Sha256::digest(&body).to_vec(),
    };
    let reservation = match reserve(&state.pool, &fingerprint).await? {
        Reservation::Owned(reservation) => reservation,
        Reservation::Replay(response) => return Ok(response),
        Reservation::InProgress => {
            return Err(ApiError::conflict(
                "idempotency_key_in_progress",
                "a request with this Idempotency-Key is still being processed; retry shortly",
            ))
        }
        Reservation::Reused => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was already used for a different request",
            ))
        }
    };
    let pool = state.pool.clone();
    let request = Request::from_parts(parts, Body::from(body));
    let (task_pool, owned) = (pool.clone(), fingerprint.clone());
    let task = tokio::spawn(
        async move {
            let response = handler.call(request, state).await;
            complete(&task_pool, &owned, reservation, response).await
        }
        .instrument(tracing::Span::current()),
    );
    match task.await {
        Ok(response) => Ok(response),
        Err(error) => {
            // The handler panicked: nothing was stored, so a retry may run again.
            release(&pool, &fingerprint, reservation).await;
            Err(ApiError::internal(anyhow::anyhow!(
                "command handler failed: {error}"
            )))
        }
    }
}

/// The `Idempotency-Key` header: exactly one value of 1..=255 visible ASCII characters.
fn key(headers: &HeaderMap) -> Result<String, ApiError> {
    let mut values = headers.get_all(IDEMPOTENCY_KEY_HEADER).iter();
    match (values.next(), values.next()) {
        (Some(value), None)
            if !value.is_empty()
                && value.len() <= MAX_KEY_LEN
                && value.as_bytes().iter().all(|b| (0x21..=0x7e).contains(b)) =>
        {
            Ok(String::from_utf8_lossy(value.as_bytes()).into_owned())
        }
        _ => Err(ApiError::bad_request(
            "invalid_idempotency_key",
            format!(
                "Idempotency-Key must be one value of 1 to {MAX_KEY_LEN} visible ASCII characters"
            ),
        )),
    }
}

/// The idempotency scope of a guest presenting cart token `token`.
fn guest_scope(token: &[u8]) -> uuid::Uuid {
    let digest = Sha256::digest(token);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            IDEMPOTENCY_KEY_HEADER,
            HeaderValue::from_str(value).expect("header value"),
        );
        headers
    }

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(key(&HeaderMap::new()).is_err());
        assert_eq!(
            key(&headers("order-42_retry")).expect("valid"),
            "order-42_retry"
        );
        assert!(key(&headers("has space")).is_err());
        assert!(key(&headers("")).is_err());
        assert!(key(&headers(&"k".repeat(MAX_KEY_LEN + 1))).is_err());
    }
}
