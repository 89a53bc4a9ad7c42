//! As-of views: an order rebuilt from its own stored events up to a moment, folded with the
//! domain's `Aggregate::apply` (never read from the read model), for `GET orders/{id}?as_of=`
//! and `commerce audit order <id> --as-of`.

use chrono::{DateTime, Utc};
use commerce_aggregates::order::{Order, OrderEvent, OrderStatus};
use commerce_aggregates::upcast::upcast;
use cqrs_es::Aggregate;
use sqlx::PgPool;
use uuid::Uuid;

use super::stored::{order_stream, StoredEvent};

/// One event folded into a rebuilt order.
#[derive(Debug, Clone)]
pub struct FoldedEvent {
    /// The stored row.
    pub stored: StoredEvent,
    /// Its payload brought to the current version of its event type.
    pub payload: serde_json::Value,
    /// That payload, decoded.
    pub event: OrderEvent,
    /// The order's status once the aggregate applied it.
    pub status_after: OrderStatus,
}

/// An order rebuilt from its events.
#[derive(Debug, Clone)]
pub struct RebuiltOrder {
    /// The aggregate, as `Aggregate::apply` left it.
    pub order: Order,
    /// The events applied, in sequence order (never empty: the first is `OrderPlaced`).
    pub events: Vec<FoldedEvent>,
}

/// Why an order could not be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// The event store could not be read.
    #[error("reading the event store: {0}")]
    Store(#[from] sqlx::Error),
    /// A stored payload is not an order event (a bug, or tampering: see `audit verify`).
    #[error("event {event} of order {order} cannot be decoded: {error}")]
    Decode {
        /// The order.
        order: Uuid,
        /// The event (`order/<id>#<sequence>`).
        event: String,
        /// Why.
        error: serde_json::Error,
    },
}

/// Order `id` as its events recorded up to `as_of` (inclusive; all of them without it) make
/// it; `None` when it had not been placed by then (or does not exist).
///
/// The stream is read in sequence order and folded up to the first event recorded after
/// `as_of`, so the result is always a prefix of the stream.
#[tracing::instrument(skip(pool), err)]
pub async fn rebuild_order(
    pool: &PgPool,
    id: Uuid,
    as_of: Option<DateTime<Utc>>,
) -> Result<Option<RebuiltOrder>, RebuildError> {
    let mut order = Order::default();
    let mut events = Vec::new();
    for stored in order_stream(pool, id).await? {
        if as_of.is_some_and(|at| stored.recorded_at > at) {
            break;
        }
        // Stored rows keep the shape they were written in: bring them to the current version
        // like every other reader does.
        let payload = upcast(
            &stored.event_type,
            &stored.event_version,
            stored.payload.clone(),
        )
        .payload;
        let event: OrderEvent =
            serde_json::from_value(payload.clone()).map_err(|error| RebuildError::Decode {
                order: id,
                event: stored.label(),
                error,
            })?;
        order.apply(event.clone());
        let Some(status_after) = order.status() else {
            // Nothing before `OrderPlaced` can be applied: not an order (yet).
            return Ok(None);
        };
        events.push(FoldedEvent {
            stored,
            payload,
            event,
            status_after,
        });
    }
    if events.is_empty() {
        return Ok(None);
    }
    Ok(Some(RebuiltOrder { order, events }))
}
