//! The checkout process manager: turns a placed order into a confirmed or rejected one.
//!
//! [`CheckoutProcess`] consumes the order events from the stream as a durable consumer
//! (`proj-checkout`, run by the projection runner: at least once, in order per order). It
//! writes no read-model table; it issues commands through the [`Stores`], every one of them
//! idempotent per order, so a redelivery after a crash at any step converges:
//!
//! - `OrderPlaced`: re-checks every line's price, reserves the stock of each product (sorted
//!   by product id), redeems the coupon, then confirms the order. On the first refusal it
//!   releases everything the order holds and only then rejects the order with the reason, so
//!   a rejected order never holds stock or a redemption.
//! - `OrderRejected`, `OrderCancelled`, `OrderExpired`: release the order's reservations and
//!   its coupon redemption (again, for a rejection: harmless and idempotent).
//! - `OrderShipped`: commits the reservations (the units leave the stock).
//!
//! [`fault`] lets tests abort the process between two steps (`CHECKOUT_FAULT`).
//! [`expiry`] expires the confirmed orders left unpaid past their deadline.

pub mod expiry;
pub mod fault;
mod steps;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use commerce_aggregates::order::OrderEvent;
use commerce_projections::{Envelope, Projection, ProjectionError};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::store::{Actor, CommandMetadata, Stores};

/// How the checkout process confirms orders.
#[derive(Debug, Clone)]
pub struct CheckoutSettings {
    /// How long a confirmed order may stay unpaid (`ORDER_PAYMENT_TIMEOUT_SECONDS`).
    pub payment_timeout: Duration,
}

/// The checkout process manager (see the module documentation).
pub struct CheckoutProcess {
    stores: Arc<Stores>,
    settings: CheckoutSettings,
    /// Tests only: `CHECKOUT_FAULT` (see [`fault`]).
    fault: fault::Fault,
}

impl CheckoutProcess {
    /// Its name: the durable consumer is `proj-checkout`.
    pub const NAME: &'static str = "checkout";

    /// A process commanding through `stores`.
    pub fn new(stores: Arc<Stores>, settings: CheckoutSettings) -> Self {
        Self {
            stores,
            settings,
            fault: fault::Fault::from_env(),
        }
    }
}

#[async_trait]
impl Projection for CheckoutProcess {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["order"]
    }

    fn tables(&self) -> &'static [&'static str] {
        &[]
    }

    /// The runner's transaction is not used (the commands commit through the event store on
    /// their own): see [`CheckoutProcess::apply_detached`].
    async fn apply(
        &self,
        _tx: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), ProjectionError> {
        self.apply_detached(envelope).await
    }

    /// Orders are processed concurrently, each order's events in sequence.
    fn detached(&self) -> bool {
        true
    }

    /// Reacts to one order event.
    #[tracing::instrument(skip_all, fields(order_id = %envelope.aggregate_id,
        event = %envelope.event_type), err(level = "warn"))]
    async fn apply_detached(&self, envelope: &Envelope) -> Result<(), ProjectionError> {
        let event: OrderEvent = serde_json::from_value(envelope.payload.clone())
            .map_err(|e| ProjectionError::decode(envelope, e))?;
        let order_id: Uuid = envelope
            .aggregate_id
            .parse()
            .map_err(|e| ProjectionError::decode(envelope, e))?;
        let step = steps::Step {
            stores: &self.stores,
            settings: &self.settings,
            fault: &self.fault,
            order_id,
            metadata: metadata_for(envelope),
        };
        match event {
            OrderEvent::OrderPlaced {
                customer_id,
                customer_role,
                lines,
                coupon,
                totals,
                placed_at,
                ..
            } => {
                step.on_placed(steps::Placed {
                    customer_id,
                    customer_role,
                    lines,
                    coupon,
                    subtotal: totals.subtotal,
                    placed_at,
                })
                .await
            }
            OrderEvent::OrderRejected { .. } => step.release_all("order_rejected").await,
            OrderEvent::OrderCancelled { .. } => step.release_all("order_cancelled").await,
            OrderEvent::OrderExpired { .. } => step.release_all("payment_expired").await,
            OrderEvent::OrderShipped { .. } => step.commit_all().await,
            _ => Ok(()),
        }
    }
}

/// The metadata of the commands caused by `envelope`: the checkout as actor, the event as
/// cause, the correlation kept.
fn metadata_for(envelope: &Envelope) -> CommandMetadata {
    let actor = Actor::system("checkout");
    match CommandMetadata::from_map(&envelope.metadata) {
        Some(origin) => origin.caused_by(actor, envelope.event_id),
        None => {
            let origin = CommandMetadata {
                actor: actor.clone(),
                correlation_id: envelope.event_id,
                causation_id: envelope.event_id,
                request_id: format!("checkout-{}", envelope.event_id),
            };
            origin.caused_by(actor, envelope.event_id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use std::collections::HashMap;

    type Metadata = HashMap<String, String>;

    fn envelope(metadata: Metadata) -> Envelope {
        Envelope {
            event_id: Uuid::new_v4(),
            aggregate_type: "order".into(),
            aggregate_id: Uuid::new_v4().to_string(),
            sequence: 1,
            global_position: 1,
            event_type: "OrderPlaced".into(),
            event_version: "1.0".into(),
            recorded_at: Utc::now(),
            metadata,
            payload: serde_json::Value::Null,
        }
    }

    #[test]
    fn commands_are_caused_by_the_event_and_keep_the_correlation() {
        let origin = CommandMetadata::new(Actor::system("test"), "req-1");
        let envelope = envelope(origin.to_map());
        let metadata = metadata_for(&envelope);
        assert_eq!(metadata.correlation_id, origin.correlation_id);
        assert_eq!(metadata.causation_id, envelope.event_id);
        assert_eq!(metadata.actor, Actor::system("checkout"));
    }

    #[test]
    fn missing_metadata_starts_a_chain_at_the_event() {
        let envelope = envelope(HashMap::new());
        let metadata = metadata_for(&envelope);
        assert_eq!(metadata.correlation_id, envelope.event_id);
        assert_eq!(metadata.causation_id, envelope.event_id);
    }
}
