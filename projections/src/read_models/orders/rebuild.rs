//! The orders projection's fast replay: each order's events folded into its final
//! `order_views` row and its `order_timeline` rows, with the same effect as the statements
//! of [`OrderProjection::apply`](super::OrderProjection) (updates of a missing order row
//! change nothing; timeline rows are kept even then).

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use commerce_aggregates::order::{OrderEvent, OrderStatus};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{
    parse_status, payment_document, returned_on_cancellation, shipment_document, status_after,
    status_without_row, timeline_detail, PlacedRow, Refunds, Returns,
};
use crate::projection::ProjectionError;
use crate::replay::{CopyRows, Rebuild, StoredEvent};

const STATEMENTS: &[&str] = &[
    "COPY order_views (id, customer_id, cart_id, customer_role, status, currency, \
     subtotal_minor, discount_minor, shipping_minor, tax_minor, total_minor, tax_rate_bps, \
     coupon_code, shipping_address, lines, payment, shipment, rejection_reason, rejection, \
     cancel_reason, cancelled_by, refund_reason, refund_minor, refunds, returns, \
     payment_due_by, placed_at, updated_at, version, store, guest_email) \
     FROM STDIN (FORMAT binary)",
    "COPY order_timeline (order_id, sequence, status, event_type, at, actor_id, actor_role, \
     detail) FROM STDIN (FORMAT binary)",
];

/// The `order_views` columns the events set (JSON columns as JSON text, the shipment as a
/// document because delivery merges into it).
#[derive(Debug)]
struct Order {
    customer_id: Option<Uuid>,
    guest_email: Option<String>,
    cart_id: Uuid,
    customer_role: &'static str,
    status: &'static str,
    currency: String,
    totals: [i64; 5],
    tax_rate_bps: i64,
    coupon_code: Option<String>,
    shipping_address: String,
    lines: String,
    payment: Option<String>,
    shipment: Option<Map<String, Value>>,
    rejection_reason: Option<&'static str>,
    rejection: Option<String>,
    cancel_reason: Option<String>,
    cancelled_by: Option<&'static str>,
    /// `refunds`, `refund_minor` and `refund_reason`.
    refunds: Refunds,
    returns: Returns,
    payment_due_by: Option<DateTime<Utc>>,
    placed_at: DateTime<Utc>,
    store: String,
}

/// One `order_timeline` row.
#[derive(Debug)]
struct Entry {
    sequence: i64,
    status: &'static str,
    event_type: String,
    at: DateTime<Utc>,
    actor_id: Option<String>,
    actor_role: Option<String>,
    detail: String,
}

/// The order being folded.
#[derive(Debug, Default)]
pub(super) struct OrderRebuild {
    id: Option<Uuid>,
    order: Option<Order>,
    timeline: Vec<Entry>,
    last: Option<(i64, DateTime<Utc>)>,
}

fn text<T: serde::Serialize>(
    value: &T,
    event: &StoredEvent<'_>,
) -> Result<String, ProjectionError> {
    serde_json::to_string(value).map_err(|e| event.error(e))
}

/// The timeline detail of `event` (see [`timeline_detail`]) as JSON text. Every event but
/// `OrderPlaced` records its own fields: copied from the stored text as they are when the
/// payload is current (`{"OrderShipped": {…}}` → `{…}`), without building a JSON tree.
fn detail(event: &StoredEvent<'_>, order: &OrderEvent) -> Result<String, ProjectionError> {
    let current = !commerce_aggregates::upcast::needs_upcast(event.event_type, event.event_version);
    if current && !matches!(order, OrderEvent::OrderPlaced { .. }) {
        if let Ok(tagged) = serde_json::from_str::<BTreeMap<Cow<'_, str>, &RawValue>>(event.payload)
        {
            return Ok(tagged
                .values()
                .next()
                .map_or("{}", |fields| fields.get())
                .to_string());
        }
    }
    let payload = match order {
        OrderEvent::OrderPlaced { .. } => Value::Null,
        _ => event.payload_json()?,
    };
    text(&timeline_detail(order, &payload), event)
}

impl OrderRebuild {
    fn placed(event: &StoredEvent<'_>, placed: &OrderEvent) -> Result<Order, ProjectionError> {
        let row = PlacedRow::of(placed).ok_or_else(|| event.error("not an OrderPlaced event"))?;
        Ok(Order {
            customer_id: row.customer_id,
            guest_email: row.guest_email.map(str::to_owned),
            cart_id: row.cart_id,
            customer_role: row.customer_role,
            status: "placed",
            currency: row.currency.to_owned(),
            totals: row.totals,
            tax_rate_bps: row.tax_rate_bps,
            coupon_code: row.coupon_code.map(str::to_owned),
            shipping_address: text(row.shipping_address, event)?,
            lines: text(&row.lines, event)?,
            payment: None,
            shipment: None,
            rejection_reason: None,
            rejection: None,
            cancel_reason: None,
            cancelled_by: None,
            refunds: Refunds::default(),
            returns: Returns::default(),
            payment_due_by: None,
            placed_at: row.placed_at,
            store: row.store.to_owned(),
        })
    }
}

impl OrderRebuild {
    /// Folds `order` into the row (when there is one); the status after it.
    fn fold(
        &mut self,
        event: &StoredEvent<'_>,
        order: OrderEvent,
    ) -> Result<OrderStatus, ProjectionError> {
        let order = match order {
            placed @ OrderEvent::OrderPlaced { .. } => {
                self.order = Some(Self::placed(event, &placed)?);
                return Ok(OrderStatus::Placed);
            }
            other => other,
        };
        let Some(row) = &mut self.order else {
            return Ok(status_after(&order).unwrap_or_else(|| status_without_row(&order)));
        };
        if row.refunds.apply(&order) {
            let status = row.refunds.status(parse_status(row.status), row.totals[4]);
            row.status = status.as_str();
            return Ok(status);
        }
        if row.returns.apply(&order) {
            return Ok(parse_status(row.status));
        }
        let status = status_after(&order).unwrap_or_else(|| parse_status(row.status));
        match order {
            OrderEvent::OrderPlaced { .. }
            | OrderEvent::OrderExpired { .. }
            | OrderEvent::RefundRequested { .. }
            | OrderEvent::RefundFailed { .. }
            | OrderEvent::OrderRefunded { .. }
            | OrderEvent::ReturnRequested { .. }
            | OrderEvent::ReturnApproved { .. }
            | OrderEvent::ReturnRejected { .. }
            | OrderEvent::ReturnReceived { .. } => {}
            OrderEvent::OrderConfirmed { payment_due_by } => {
                row.payment_due_by = Some(payment_due_by);
            }
            OrderEvent::OrderRejected { reason } => {
                row.rejection_reason = Some(reason.code());
                row.rejection = Some(text(&reason, event)?);
            }
            OrderEvent::OrderPaid {
                provider,
                payment_reference,
                amount,
                paid_at,
            } => {
                let payment = payment_document(&provider, &payment_reference, &amount, &paid_at);
                row.payment = Some(text(&payment, event)?);
            }
            OrderEvent::OrderShipped {
                carrier,
                tracking_number,
                shipped_at,
            } => {
                let shipment = shipment_document(&carrier, &tracking_number, &shipped_at);
                row.shipment = shipment.as_object().cloned();
            }
            OrderEvent::OrderDelivered { delivered_at } => {
                // `COALESCE(shipment, '{}') || {"delivered_at": …}`.
                row.shipment
                    .get_or_insert_with(Map::new)
                    .insert("delivered_at".into(), json!(delivered_at));
            }
            OrderEvent::OrderCancelled {
                reason,
                refund,
                by,
                refund_id,
                ..
            } => {
                row.cancel_reason = Some(reason);
                row.cancelled_by = Some(by.as_str());
                if let Some(minor) = returned_on_cancellation(refund, refund_id) {
                    row.refunds.refunded_minor = Some(minor);
                }
            }
        }
        row.status = status.as_str();
        Ok(status)
    }
}

impl Rebuild for OrderRebuild {
    fn copy_statements(&self) -> &'static [&'static str] {
        STATEMENTS
    }

    fn apply(&mut self, event: &StoredEvent<'_>) -> Result<(), ProjectionError> {
        let order: OrderEvent = event.decode()?;
        let id = event.aggregate_uuid()?;
        self.id = Some(id);
        self.last = Some((event.sequence, event.recorded_at));
        let detail = detail(event, &order)?;
        let status = self.fold(event, order)?;
        self.timeline.push(Entry {
            sequence: event.sequence,
            status: status.as_str(),
            event_type: event.event_type.to_string(),
            at: event.recorded_at,
            actor_id: event.actor_id.map(str::to_string),
            actor_role: event.actor_role.map(str::to_string),
            detail,
        });
        Ok(())
    }

    fn finish(&mut self, tables: &mut [CopyRows]) -> Result<(), ProjectionError> {
        let done = std::mem::take(self);
        let (Some(id), [views, timeline, ..]) = (done.id, tables) else {
            return Ok(());
        };
        if let (Some(order), Some((version, at))) = (&done.order, done.last) {
            let [subtotal, discount, shipping, tax, total] = order.totals;
            views
                .uuid(id)
                .opt_uuid(order.customer_id)
                .uuid(order.cart_id)
                .text(order.customer_role)
                .text(order.status)
                .text(&order.currency)
                .int(subtotal)
                .int(discount)
                .int(shipping)
                .int(tax)
                .int(total)
                .int(order.tax_rate_bps)
                .opt_text(order.coupon_code.as_deref())
                .raw_json(&order.shipping_address)
                .raw_json(&order.lines)
                .opt_raw_json(order.payment.as_deref());
            match &order.shipment {
                Some(shipment) => views.json(shipment)?,
                None => views.null(),
            };
            views
                .opt_text(order.rejection_reason)
                .opt_raw_json(order.rejection.as_deref())
                .opt_text(order.cancel_reason.as_deref())
                .opt_text(order.cancelled_by)
                .opt_text(order.refunds.reason.as_deref())
                .opt_int(order.refunds.refunded_minor);
            views.json(&order.refunds.list)?;
            views.json(&order.returns.list)?;
            views
                .opt_time(order.payment_due_by)
                .time(order.placed_at)
                .time(at)
                .int(version)
                .text(&order.store)
                .opt_text(order.guest_email.as_deref());
            views.end_row();
        }
        for entry in &done.timeline {
            timeline
                .uuid(id)
                .int(entry.sequence)
                .text(entry.status)
                .text(&entry.event_type)
                .time(entry.at)
                .opt_text(entry.actor_id.as_deref())
                .opt_text(entry.actor_role.as_deref())
                .raw_json(&entry.detail);
            timeline.end_row();
        }
        Ok(())
    }
}
