//! The auditors' routes, read from the event store itself (never from a read model):
//!
//! - `GET orders/{id}/history`: every event that touched the order — its own stream, and the
//!   stock reservations, releases and commits, coupon redemption and release and the cart
//!   checkout that name it (payments are the order's own `OrderPaid` events) — in commit order,
//!   with actor, correlation, causation and request ids, the payload as stored and the hash
//!   chain link sealing it. For the order's owner, admins and auditors; anybody else 404.
//! - `GET admin/audit/verify`: the hash-chain verification report (admins and auditors).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use commerce_aggregates::Role;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::stored::{order_history, StoredEvent};
use crate::audit::verify::{verify as verify_chain, VerifyReport};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::ApiPath;
use crate::http::AppState;

/// Who caused an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorView {
    /// A user id, or `system:<component>` (e.g. `system:checkout`).
    pub id: Option<String>,
    /// `customer`, `prime`, `admin`, `auditor` or `system`.
    pub role: Option<String>,
}

/// One event of an order's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEvent {
    /// Position in the whole store.
    pub global_position: i64,
    /// Stable identity (the NATS message id).
    pub event_id: Uuid,
    /// `order`, `product`, `coupon` or `cart`.
    pub aggregate_type: String,
    /// The aggregate's id (a UUID, or a coupon code).
    pub aggregate_id: String,
    /// Position in the aggregate's stream.
    pub sequence: i64,
    /// e.g. `StockReserved`.
    pub event_type: String,
    /// e.g. `1.0`.
    pub event_version: String,
    /// When it was stored.
    pub recorded_at: DateTime<Utc>,
    /// Who caused it.
    pub actor: ActorView,
    /// Shared by every event one user action caused.
    pub correlation_id: Option<String>,
    /// The request or event that directly caused it.
    pub causation_id: Option<String>,
    /// The HTTP request (or job run) that carried the command.
    pub request_id: Option<String>,
    /// The event exactly as stored, `{"<EventType>": {fields}}`, in its stored
    /// `event_version` (not upcast).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// The hash-chain link sealing it; absent until the sealer reached it.
    pub chain_link: Option<i64>,
}

impl HistoryEvent {
    fn new(event: StoredEvent, chain_link: Option<i64>) -> Self {
        Self {
            actor: ActorView {
                id: event.meta("actor_id"),
                role: event.meta("actor_role"),
            },
            correlation_id: event.meta("correlation_id"),
            causation_id: event.meta("causation_id"),
            request_id: event.meta("request_id"),
            global_position: event.global_position,
            event_id: event.event_id,
            aggregate_type: event.aggregate_type,
            aggregate_id: event.aggregate_id,
            sequence: event.sequence,
            event_type: event.event_type,
            event_version: event.event_version,
            recorded_at: event.recorded_at,
            payload: event.payload,
            chain_link,
        }
    }
}

/// Every event that touched an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderHistory {
    /// The order.
    pub order_id: Uuid,
    /// Its events and the events of other streams that name it, in commit order.
    pub events: Vec<HistoryEvent>,
}

/// The buyer named by the order's `OrderPlaced` event among `events`.
fn customer_of(order_id: Uuid, events: &[(StoredEvent, Option<i64>)]) -> Option<Uuid> {
    let id = order_id.to_string();
    events
        .iter()
        .map(|(event, _)| event)
        .find(|e| e.aggregate_type == "order" && e.aggregate_id == id && e.sequence == 1)
        .and_then(|placed| {
            placed.payload["OrderPlaced"]["customer_id"]
                .as_str()?
                .parse()
                .ok()
        })
}

/// Lists every event that touched an order, from the event store.
#[utoipa::path(
    get,
    path = "/orders/{id}/history",
    operation_id = "get_order_history",
    tag = "audit",
    params(("id" = Uuid, Path, description = "The order's id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The order's events and the reservations, coupon redemption and checkout made for it, in commit order", body = OrderHistory),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order, or someone else's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id, user_id = %user.id))]
pub async fn history(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<OrderHistory>, ApiError> {
    let read = read_history(&state.pool, id).await?;
    match read.customer {
        Some(customer) if user.reads_everything() || customer == user.id => {}
        _ => return Err(ApiError::not_found("order")),
    }
    Ok(Json(read.history))
}

/// An order's history as read from the event store, with what decides who may see it.
pub(crate) struct HistoryRead {
    /// Every event that touched the order (none when it does not exist).
    pub history: OrderHistory,
    /// Whether the order's own `OrderPlaced` is among them.
    pub placed: bool,
    /// The account that placed it (none for a guest).
    pub customer: Option<Uuid>,
}

/// Every event that touched order `id`, in commit order: the read of
/// `GET orders/{id}/history` and of the back office's history page.
pub(crate) async fn read_history(pool: &sqlx::PgPool, id: Uuid) -> Result<HistoryRead, ApiError> {
    let events = order_history(pool, id).await?;
    let order_id = id.to_string();
    let placed = events.iter().any(|(event, _)| {
        event.aggregate_type == "order" && event.aggregate_id == order_id && event.sequence == 1
    });
    let customer = customer_of(id, &events);
    Ok(HistoryRead {
        history: OrderHistory {
            order_id: id,
            events: events
                .into_iter()
                .map(|(event, link)| HistoryEvent::new(event, link))
                .collect(),
        },
        placed,
        customer,
    })
}

/// Verifies the hash chain over the whole event store.
#[utoipa::path(
    get,
    path = "/admin/audit/verify",
    operation_id = "verify_event_chain",
    tag = "audit",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The report: `ok`, counts, the chain head, and the first tampered event (edited, deleted, reordered, inserted, chain altered) with the others found", body = VerifyReport),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or auditor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn verify(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<VerifyReport>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let report = verify_chain(&state.pool).await?;
    if let Some(first) = &report.first_problem {
        tracing::warn!(kind = ?first.kind, event_id = %first.event_id,
            problems = report.problems_total, "event store fails verification");
    }
    Ok(Json(report))
}
