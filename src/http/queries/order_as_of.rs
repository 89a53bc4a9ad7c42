//! An order rebuilt from its events ([`crate::audit::as_of`]) in the shape of the live
//! `GET orders/{id}` ([`OrderDetail`]): `GET orders/{id}?as_of=` and `commerce audit order`.
//!
//! The live view comes from the order read model; this one from the aggregate state and the
//! events folded into it. Timestamps the read model keeps in `timestamptz` columns
//! (`placed_at`, `payment_due_by`) are cut to microseconds like Postgres does, so that both
//! views of the same moment are equal.

use chrono::{DateTime, SubsecRound, Utc};
use commerce_aggregates::order::OrderEvent;
use commerce_aggregates::Money;
use serde::de::Error as _;

use commerce_projections::read_models::orders;
use sqlx::PgPool;
use uuid::Uuid;

use commerce_projections::read_models::orders::{
    OrderView, PaymentView, Refunds, RejectionView, Returns, ShipmentView, TimelineEntry,
};
use commerce_projections::read_models::MoneyView;

use super::order_views::OrderDetail;
use crate::audit::as_of::{rebuild_order, FoldedEvent, RebuildError, RebuiltOrder};
use crate::http::error::ApiError;

/// Order `id` rebuilt from its events recorded up to `as_of`, rendered like the live view;
/// `None` when it had not been placed by then.
pub async fn order_as_of(
    pool: &PgPool,
    id: Uuid,
    as_of: DateTime<Utc>,
) -> Result<Option<OrderDetail>, ApiError> {
    let rebuilt = rebuild_order(pool, id, Some(as_of))
        .await
        .map_err(|error| match error {
            RebuildError::Store(error) => ApiError::from(error),
            other => ApiError::internal(other),
        })?;
    rebuilt
        .map(|rebuilt| {
            detail(&rebuilt).map_err(|e| ApiError::internal(anyhow::anyhow!("as-of view: {e}")))
        })
        .transpose()
}

fn money(money: Money) -> MoneyView {
    MoneyView::new(money.minor, money.currency.as_str())
}

fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// What the aggregate does not keep but the view shows, gathered from the events.
#[derive(Default)]
struct Extras {
    customer_role: String,
    tax_rate_bps: i64,
    delivered_at: Option<DateTime<Utc>>,
    cancel_reason: Option<String>,
    cancelled_by: Option<String>,
    refunds: Refunds,
    returns: Returns,
}

impl Extras {
    fn note(&mut self, event: &OrderEvent) {
        match event {
            OrderEvent::OrderPlaced {
                customer_role,
                tax_rate_bps,
                ..
            } => {
                self.customer_role = customer_role.as_str().to_string();
                self.tax_rate_bps = i64::from(*tax_rate_bps);
            }
            OrderEvent::OrderDelivered { delivered_at } => self.delivered_at = Some(*delivered_at),
            OrderEvent::OrderCancelled {
                reason,
                refund,
                by,
                refund_id,
                ..
            } => {
                self.cancel_reason = Some(reason.clone());
                self.cancelled_by = Some(by.as_str().to_string());
                if let Some(minor) = orders::returned_on_cancellation(*refund, *refund_id) {
                    self.refunds.refunded_minor = Some(minor);
                }
            }
            other => {
                if !self.refunds.apply(other) {
                    self.returns.apply(other);
                }
            }
        }
    }
}

/// The timeline entry of one folded event, as the order projection records it.
fn timeline_entry(folded: &FoldedEvent) -> TimelineEntry {
    let detail = orders::timeline_detail(&folded.event, &folded.payload);
    TimelineEntry {
        sequence: folded.stored.sequence,
        status: folded.status_after.as_str().to_string(),
        event_type: folded.stored.event_type.clone(),
        at: folded.stored.recorded_at,
        actor_id: folded.stored.meta("actor_id"),
        actor_role: folded.stored.meta("actor_role"),
        detail,
    }
}

/// The rebuilt order as `GET orders/{id}` renders an order.
pub fn detail(rebuilt: &RebuiltOrder) -> Result<OrderDetail, serde_json::Error> {
    let order = &rebuilt.order;
    let mut extras = Extras::default();
    rebuilt.events.iter().for_each(|f| extras.note(&f.event));
    let customer_id = order.customer_id();
    let (Some(id), Some(cart_id), Some(status), Some(totals)) = (
        order.order_id(),
        order.cart_id(),
        order.status(),
        order.totals(),
    ) else {
        return Err(serde_json::Error::custom("the order has not been placed"));
    };
    let (Some(address), Some(placed_at), Some(last)) = (
        order.shipping_address(),
        order.placed_at(),
        rebuilt.events.last(),
    ) else {
        return Err(serde_json::Error::custom("the order has not been placed"));
    };
    let view = OrderView {
        id,
        customer_id,
        guest_email: order.guest_email().map(str::to_owned),
        cart_id,
        store: order.store().unwrap_or_default().to_string(),
        customer_role: extras.customer_role,
        status: status.as_str().to_string(),
        subtotal: money(totals.subtotal),
        discount: money(totals.discount),
        shipping: money(totals.shipping),
        tax: money(totals.tax),
        total: money(totals.total),
        tax_rate_bps: extras.tax_rate_bps,
        coupon_code: order.coupon().map(|c| c.code.clone()),
        shipping_address: serde_json::from_value(serde_json::to_value(address)?)?,
        lines: serde_json::from_value(serde_json::to_value(order.lines())?)?,
        payment: order.payment().map(|p| PaymentView {
            provider: p.provider.clone(),
            reference: p.reference.clone(),
            amount: money(p.amount),
            paid_at: p.paid_at,
        }),
        shipment: order.shipment().map(|s| ShipmentView {
            carrier: s.carrier.clone(),
            tracking_number: s.tracking_number.clone(),
            shipped_at: s.shipped_at,
            delivered_at: extras.delivered_at,
        }),
        rejection: order.rejection().cloned().map(RejectionView::from),
        cancel_reason: extras.cancel_reason,
        cancelled_by: extras.cancelled_by,
        refund_reason: extras.refunds.reason,
        refund: extras
            .refunds
            .refunded_minor
            .map(|minor| MoneyView::new(minor, totals.total.currency.as_str())),
        refunds: extras.refunds.list,
        returns: extras.returns.list,
        payment_due_by: order.payment_due_by().map(micros),
        placed_at: micros(placed_at),
        updated_at: last.stored.recorded_at,
        version: last.stored.sequence,
    };
    Ok(OrderDetail {
        order: view,
        timeline: rebuilt.events.iter().map(timeline_entry).collect(),
    })
}
