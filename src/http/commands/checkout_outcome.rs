//! What `POST carts/{id}/checkout` answers once the order is placed: it waits, bounded by
//! `CHECKOUT_WAIT_MS`, for the checkout process to confirm or reject the order.
//!
//! - confirmed (or any later status) → 201 with `{id, version, status}` and `Location`;
//! - rejected → 409 problem whose `code` is the rejection reason (`out_of_stock`...);
//! - still placed when the wait ends → 202 with `Location` (the client polls the order).

use std::time::{Duration, Instant};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use commerce_aggregates::order::{Order, OrderStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::AppState;

/// First pause between two looks at the order in the store while waiting (a commit to it in
/// this process wakes the wait earlier); it doubles up to [`MAX_POLL_INTERVAL`]. The pauses
/// are for a decision taken by another process: many waiting checkouts looking often would
/// crowd out the process itself.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// Longest pause between two looks at the order.
const MAX_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// The answer of a checkout: the order, its version and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckoutResponse {
    /// The order's id.
    pub id: String,
    /// The order's version (use it as `min_version` to read it).
    pub version: u64,
    /// `confirmed` (201), or `placed` (202: still being processed), or a later status when
    /// the same cart is checked out again.
    pub status: String,
}

/// Waits for order `order_id` to leave `placed`, then answers from its state. A commit to the
/// order in this process (the checkout process deciding it) wakes the wait at once, and the
/// order is then read as this process keeps it (at least as current as that commit); after
/// each pause it is read from the store, for a decision taken by another process. When this
/// request has just `placed_here` the order, the wait starts without a look.
#[tracing::instrument(skip_all, fields(order_id = %order_id))]
pub async fn answer(
    state: &AppState,
    order_id: Uuid,
    placed_here: bool,
) -> Result<Response, ApiError> {
    let id = order_id.to_string();
    let orders = &state.stores.orders;
    let deadline = tokio::time::Instant::now() + state.config.checkout_wait;
    let watch = orders.watch(&id);
    let mut pause = POLL_INTERVAL;
    let mut look = if placed_here { Look::None } else { Look::Store };
    let mut previous = Instant::now();
    loop {
        let changed = watch.notify().notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let asked = Instant::now();
        let seen = match look {
            Look::None => None,
            Look::Store => Some(orders.load(&id).await?),
            Look::Kept => Some(
                orders
                    .read_recent(&id, previous.elapsed(), |order, version| {
                        (order.clone(), version)
                    })
                    .await?,
            ),
        };
        previous = asked;
        let expired = tokio::time::Instant::now() >= deadline;
        match seen {
            Some((order, version)) => {
                let settled = !matches!(order.status(), Some(OrderStatus::Placed) | None);
                if settled || expired {
                    return respond(order_id, &order, version);
                }
            }
            None if expired => {
                look = Look::Store;
                continue;
            }
            None => {}
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        tokio::select! {
            () = &mut changed => look = Look::Kept,
            () = tokio::time::sleep(pause.min(left)) => {
                look = Look::Store;
                pause = (pause * 2).min(MAX_POLL_INTERVAL);
            }
        }
    }
}

/// How the wait looks at the order next.
#[derive(Debug, Clone, Copy)]
enum Look {
    /// Not at all (it was just placed by this request).
    None,
    /// In the store.
    Store,
    /// As kept by this process, when known current since the previous look (else in the
    /// store).
    Kept,
}

fn respond(order_id: Uuid, order: &Order, version: usize) -> Result<Response, ApiError> {
    let status = match order.status() {
        Some(OrderStatus::Rejected) => return Err(rejected(order)),
        Some(OrderStatus::Placed) | None => StatusCode::ACCEPTED,
        Some(_) => StatusCode::CREATED,
    };
    let body = CheckoutResponse {
        id: order_id.to_string(),
        version: u64::try_from(version).unwrap_or(u64::MAX),
        status: order
            .status()
            .map_or("placed", |status| status.as_str())
            .to_string(),
    };
    let location =
        HeaderValue::from_str(&format!("/api/v1/orders/{order_id}")).map_err(ApiError::internal)?;
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// 409 with the rejection reason as the problem's code; its detail names the SKU or code.
fn rejected(order: &Order) -> ApiError {
    match order.rejection() {
        Some(reason) => ApiError::conflict(reason.code(), format!("order rejected: {reason}")),
        None => ApiError::conflict("order_rejected", "order rejected"),
    }
}
