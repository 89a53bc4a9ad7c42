//! The order read model (projection `orders`, order events): `order_views`, one row per order
//! with its totals, lines, payment, shipment and outcome, and `order_timeline`, one row per
//! event with the status it led to; and the query functions [`get`], [`list`], [`search`], [`timeline`],
//! [`count_by_status`].

mod counts;
mod customers;
mod query;
mod rebuild;
mod refunds;
mod returns;
mod search;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use commerce_aggregates::order::{OrderEvent, OrderLine, OrderStatus};
use commerce_aggregates::{Address, Money};
use serde_json::json;
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{aggregate_uuid, decode, version};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

pub use counts::count_by_status;
pub use customers::{customer_orders, CustomerOrders};
pub use query::{
    get, left_placed, list, payment_overdue, returns, timeline, OrderLineView, OrderQuery,
    OrderReturn, OrderView, PaymentView, RejectionView, ShipmentView, TimelineEntry,
};
pub use refunds::{returned_on_cancellation, RefundLineView, RefundView, Refunds};
pub use returns::{ReturnLineView, ReturnView, Returns};
pub use search::{search, CustomerMatch, IdPrefix, OrderSearch};

/// The statement writing an order's timeline row from `$values` (order, sequence, status,
/// event type, time, actor id, actor role, detail), replacing the row a replay wrote before.
macro_rules! timeline_row {
    ($values:literal) => {
        concat!(
            "INSERT INTO order_timeline (order_id, sequence, status, event_type, at, actor_id, \
             actor_role, detail) VALUES (",
            $values,
            ") ON CONFLICT (order_id, sequence) DO UPDATE SET status = EXCLUDED.status, \
             event_type = EXCLUDED.event_type, at = EXCLUDED.at, actor_id = EXCLUDED.actor_id, \
             actor_role = EXCLUDED.actor_role, detail = EXCLUDED.detail"
        )
    };
}

/// `$change` (binding `$1` order, `$2` status, `$3` version, `$4` time) after the event's
/// timeline row (`$5` event type, `$6`/`$7` actor id and role, `$8` detail), as one statement.
macro_rules! with_timeline {
    ($change:literal) => {
        concat!(
            "WITH timeline AS (",
            timeline_row!("$1, $3, $2, $5, $4, $6, $7, $8"),
            ") ",
            $change
        )
    };
}

/// Builds `order_views` and `order_timeline` from order events.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderProjection;

#[async_trait]
impl Projection for OrderProjection {
    fn name(&self) -> &'static str {
        "orders"
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["order"]
    }

    fn tables(&self) -> &'static [&'static str] {
        &["order_timeline", "order_views"]
    }

    fn rebuild(&self) -> Option<Box<dyn crate::replay::Rebuild + '_>> {
        Some(Box::<rebuild::OrderRebuild>::default())
    }

    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
        let order: OrderEvent = decode(event)?;
        let id = aggregate_uuid(event)?;
        let version = version(event)?;
        let Some(status) = status_after(&order) else {
            let status = apply_folded(tx, id, version, &order, event).await?;
            insert_timeline(tx, id, status, &order, event, version).await?;
            return Ok(());
        };
        // Every update binds $1 order, $2 status, $3 version, $4 time, $5–$8 the timeline's
        // row (`with_timeline!`), then its own ($9…): the event's change, the status move and
        // the timeline in one statement.
        let detail = timeline_detail(&order, &event.payload);
        let base = |sql: &'static str| {
            sqlx::query(sql)
                .bind(id)
                .bind(status.as_str())
                .bind(version)
                .bind(event.recorded_at)
                .bind(&event.event_type)
                .bind(event.metadata.get("actor_id"))
                .bind(event.metadata.get("actor_role"))
                .bind(&detail)
        };
        let update = match &order {
            OrderEvent::OrderPlaced { .. } => None,
            OrderEvent::OrderConfirmed { payment_due_by } => Some(
                base(with_timeline!(
                    "UPDATE order_views SET payment_due_by = $9, status = $2, version = $3, \
                     updated_at = $4 WHERE id = $1"
                ))
                .bind(payment_due_by),
            ),
            OrderEvent::OrderRejected { reason } => Some(
                base(with_timeline!(
                    "UPDATE order_views SET rejection_reason = $9, rejection = $10, status = $2, \
                     version = $3, updated_at = $4 WHERE id = $1"
                ))
                .bind(reason.code())
                .bind(Json(reason)),
            ),
            OrderEvent::OrderPaid {
                provider,
                payment_reference,
                amount,
                paid_at,
            } => Some(
                base(with_timeline!(
                    "UPDATE order_views SET payment = $9, status = $2, version = $3, \
                     updated_at = $4 WHERE id = $1"
                ))
                .bind(payment_document(
                    provider,
                    payment_reference,
                    amount,
                    paid_at,
                )),
            ),
            OrderEvent::OrderShipped {
                carrier,
                tracking_number,
                shipped_at,
            } => Some(
                base(with_timeline!(
                    "UPDATE order_views SET shipment = $9, status = $2, version = $3, \
                     updated_at = $4 WHERE id = $1"
                ))
                .bind(shipment_document(carrier, tracking_number, shipped_at)),
            ),
            OrderEvent::OrderDelivered { delivered_at } => Some(
                base(with_timeline!(
                    "UPDATE order_views SET shipment = COALESCE(shipment, '{}'::jsonb) || $9, \
                     status = $2, version = $3, updated_at = $4 WHERE id = $1"
                ))
                .bind(json!({ "delivered_at": delivered_at })),
            ),
            OrderEvent::OrderCancelled {
                reason,
                refund,
                by,
                refund_id,
                ..
            } => Some(
                base(with_timeline!(
                    "UPDATE order_views SET cancel_reason = $9, cancelled_by = $10, \
                     refund_minor = COALESCE($11, refund_minor), status = $2, version = $3, \
                     updated_at = $4 WHERE id = $1"
                ))
                .bind(reason)
                .bind(by.as_str())
                .bind(returned_on_cancellation(*refund, *refund_id)),
            ),
            OrderEvent::RefundRequested { .. }
            | OrderEvent::RefundFailed { .. }
            | OrderEvent::OrderRefunded { .. }
            | OrderEvent::ReturnRequested { .. }
            | OrderEvent::ReturnApproved { .. }
            | OrderEvent::ReturnRejected { .. }
            | OrderEvent::ReturnReceived { .. } => None,
            OrderEvent::OrderExpired { .. } => Some(base(with_timeline!(
                "UPDATE order_views SET status = $2, version = $3, updated_at = $4 WHERE id = $1"
            ))),
        };
        match update {
            Some(update) => {
                update.execute(&mut *tx).await?;
            }
            None => insert_order(tx, id, &order, event, version, &detail).await?,
        }
        Ok(())
    }
}

/// The status an order is in after `event`; `None` for refund and return events, after
/// which it depends on what the order's refunds add up to.
fn status_after(event: &OrderEvent) -> Option<OrderStatus> {
    Some(match event {
        OrderEvent::OrderPlaced { .. } => OrderStatus::Placed,
        OrderEvent::OrderConfirmed { .. } => OrderStatus::Confirmed,
        OrderEvent::OrderRejected { .. } => OrderStatus::Rejected,
        OrderEvent::OrderPaid { .. } => OrderStatus::Paid,
        OrderEvent::OrderShipped { .. } => OrderStatus::Shipped,
        OrderEvent::OrderDelivered { .. } => OrderStatus::Delivered,
        OrderEvent::OrderCancelled { .. } => OrderStatus::Cancelled,
        OrderEvent::OrderExpired { .. } => OrderStatus::Expired,
        OrderEvent::RefundRequested { .. }
        | OrderEvent::RefundFailed { .. }
        | OrderEvent::OrderRefunded { .. }
        | OrderEvent::ReturnRequested { .. }
        | OrderEvent::ReturnApproved { .. }
        | OrderEvent::ReturnRejected { .. }
        | OrderEvent::ReturnReceived { .. } => return None,
    })
}

/// The status the timeline records for a refund or return event of an order without a row
/// (whose `OrderPlaced` this projection never saw): refunded for a refund, delivered for a
/// return, else paid.
fn status_without_row(event: &OrderEvent) -> OrderStatus {
    match event {
        OrderEvent::OrderRefunded { .. } => OrderStatus::Refunded,
        OrderEvent::ReturnRequested { .. }
        | OrderEvent::ReturnApproved { .. }
        | OrderEvent::ReturnRejected { .. }
        | OrderEvent::ReturnReceived { .. } => OrderStatus::Delivered,
        _ => OrderStatus::Paid,
    }
}

/// The stored status's enum value (`paid` for a value this engine does not write).
fn parse_status(status: &str) -> OrderStatus {
    OrderStatus::from_name(status).unwrap_or(OrderStatus::Paid)
}

/// Folds a refund or return event into the order's refund and return columns and its
/// status; the status after it.
async fn apply_folded(
    tx: &mut PgConnection,
    id: Uuid,
    version: i64,
    order: &OrderEvent,
    event: &Envelope,
) -> Result<OrderStatus, ProjectionError> {
    type Row = (
        Json<Vec<RefundView>>,
        Option<i64>,
        Option<String>,
        Json<Vec<ReturnView>>,
        i64,
        String,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT refunds, refund_minor, refund_reason, returns, total_minor, status \
         FROM order_views WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((Json(list), refunded_minor, reason, Json(returns), total_minor, status)) = row else {
        return Ok(status_without_row(order));
    };
    let mut refunds = Refunds::from_row(list, refunded_minor, reason);
    let mut returns = Returns { list: returns };
    let status = if refunds.apply(order) {
        refunds.status(parse_status(&status), total_minor)
    } else {
        returns.apply(order);
        parse_status(&status)
    };
    sqlx::query(
        "UPDATE order_views SET refunds = $2, refund_minor = $3, refund_reason = $4, \
         returns = $5, status = $6, version = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(Json(&refunds.list))
    .bind(refunds.refunded_minor)
    .bind(&refunds.reason)
    .bind(Json(&returns.list))
    .bind(status.as_str())
    .bind(version)
    .bind(event.recorded_at)
    .execute(&mut *tx)
    .await?;
    Ok(status)
}

/// What an `OrderPlaced` puts on its `order_views` row: the projection inserts it, the fast
/// rebuild copies it.
pub(super) struct PlacedRow<'a> {
    pub customer_id: Option<Uuid>,
    pub guest_email: Option<&'a str>,
    pub cart_id: Uuid,
    pub customer_role: &'static str,
    pub currency: &'a str,
    /// Subtotal, discount, shipping, tax and total, in the columns' order.
    pub totals: [i64; 5],
    pub tax_rate_bps: i64,
    pub coupon_code: Option<&'a str>,
    pub shipping_address: &'a Address,
    pub lines: &'a [OrderLine],
    pub placed_at: DateTime<Utc>,
    pub store: &'a str,
}

impl<'a> PlacedRow<'a> {
    /// The row of `placed`; `None` for any other event.
    pub(super) fn of(placed: &'a OrderEvent) -> Option<Self> {
        let OrderEvent::OrderPlaced {
            cart_id,
            customer_id,
            customer_role,
            lines,
            coupon,
            shipping_address,
            tax_rate_bps,
            totals,
            placed_at,
            store,
            guest_email,
            ..
        } = placed
        else {
            return None;
        };
        Some(Self {
            customer_id: *customer_id,
            guest_email: guest_email.as_deref(),
            cart_id: *cart_id,
            customer_role: customer_role.as_str(),
            currency: totals.total.currency.as_str(),
            totals: [
                totals.subtotal.minor,
                totals.discount.minor,
                totals.shipping.minor,
                totals.tax.minor,
                totals.total.minor,
            ],
            tax_rate_bps: i64::from(*tax_rate_bps),
            coupon_code: coupon.as_ref().map(|coupon| coupon.code.as_str()),
            shipping_address,
            lines,
            placed_at: *placed_at,
            store,
        })
    }
}

/// Inserts the row of the order `placed` (or resets it, when the event is applied again).
async fn insert_order(
    tx: &mut PgConnection,
    id: Uuid,
    placed: &OrderEvent,
    event: &Envelope,
    version: i64,
    detail: &serde_json::Value,
) -> Result<(), ProjectionError> {
    let row = PlacedRow::of(placed)
        .ok_or_else(|| ProjectionError::decode(event, "not an OrderPlaced event"))?;
    let [subtotal, discount, shipping, tax, total] = row.totals;
    // The view and its first timeline row (binding $20 event type, $21/$22 actor, $23 detail).
    sqlx::query(concat!(
        "WITH timeline AS (",
        timeline_row!("$1, $17, 'placed', $20, $16, $21, $22, $23"),
        ") INSERT INTO order_views (id, customer_id, cart_id, customer_role, status, currency, \
         subtotal_minor, discount_minor, shipping_minor, tax_minor, total_minor, tax_rate_bps, \
         coupon_code, shipping_address, lines, placed_at, updated_at, version, store, \
         guest_email) \
         VALUES ($1, $2, $3, $4, 'placed', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                 $16, $17, $18, $19) \
         ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, store = EXCLUDED.store, \
         guest_email = EXCLUDED.guest_email, \
         cart_id = EXCLUDED.cart_id, customer_role = EXCLUDED.customer_role, \
         currency = EXCLUDED.currency, subtotal_minor = EXCLUDED.subtotal_minor, \
         discount_minor = EXCLUDED.discount_minor, shipping_minor = EXCLUDED.shipping_minor, \
         tax_minor = EXCLUDED.tax_minor, total_minor = EXCLUDED.total_minor, \
         tax_rate_bps = EXCLUDED.tax_rate_bps, coupon_code = EXCLUDED.coupon_code, \
         shipping_address = EXCLUDED.shipping_address, lines = EXCLUDED.lines, \
         placed_at = EXCLUDED.placed_at, payment = NULL, shipment = NULL, \
         rejection_reason = NULL, rejection = NULL, cancel_reason = NULL, \
         cancelled_by = NULL, refund_reason = NULL, refund_minor = NULL, payment_due_by = NULL, \
         refunds = '[]', returns = '[]'"
    ))
    .bind(id)
    .bind(row.customer_id)
    .bind(row.cart_id)
    .bind(row.customer_role)
    .bind(row.currency)
    .bind(subtotal)
    .bind(discount)
    .bind(shipping)
    .bind(tax)
    .bind(total)
    .bind(row.tax_rate_bps)
    .bind(row.coupon_code)
    .bind(Json(row.shipping_address))
    .bind(Json(row.lines))
    .bind(row.placed_at)
    .bind(event.recorded_at)
    .bind(version)
    .bind(row.store)
    .bind(row.guest_email)
    .bind(&event.event_type)
    .bind(event.metadata.get("actor_id"))
    .bind(event.metadata.get("actor_role"))
    .bind(detail)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An order row's `payment` document.
fn payment_document(
    provider: &str,
    reference: &str,
    amount: &Money,
    paid_at: &DateTime<Utc>,
) -> serde_json::Value {
    json!({
        "provider": provider,
        "reference": reference,
        "amount": amount,
        "paid_at": paid_at,
    })
}

/// An order row's `shipment` document, as shipping writes it (delivery adds `delivered_at`).
fn shipment_document(
    carrier: &str,
    tracking_number: &str,
    shipped_at: &DateTime<Utc>,
) -> serde_json::Value {
    json!({
        "carrier": carrier,
        "tracking_number": tracking_number,
        "shipped_at": shipped_at,
    })
}

/// The details a timeline entry keeps of an order event (stored as `payload`): the event's
/// own fields, or a summary for `OrderPlaced`, whose full content is on the order row. The
/// as-of view renders its timeline with the same function.
pub fn timeline_detail(order: &OrderEvent, payload: &serde_json::Value) -> serde_json::Value {
    match order {
        OrderEvent::OrderPlaced {
            cart_id,
            lines,
            coupon,
            totals,
            ..
        } => json!({
            "cart_id": cart_id,
            "line_count": lines.len(),
            "coupon_code": coupon.as_ref().map(|c| &c.code),
            "subtotal": totals.subtotal,
            "discount": totals.discount,
            "shipping": totals.shipping,
            "tax": totals.tax,
            "total": totals.total,
        }),
        _ => payload
            .as_object()
            .and_then(|tagged| tagged.values().next())
            .cloned()
            .unwrap_or_else(|| json!({})),
    }
}

/// Records `event` in the order's timeline: the status it led to, who, and its details (the
/// event's own fields; a summary for `OrderPlaced`, whose full content is on the order row).
async fn insert_timeline(
    tx: &mut PgConnection,
    id: Uuid,
    status: OrderStatus,
    order: &OrderEvent,
    event: &Envelope,
    version: i64,
) -> Result<(), sqlx::Error> {
    let detail = timeline_detail(order, &event.payload);
    sqlx::query(timeline_row!("$1, $2, $3, $4, $5, $6, $7, $8"))
        .bind(id)
        .bind(version)
        .bind(status.as_str())
        .bind(&event.event_type)
        .bind(event.recorded_at)
        .bind(event.metadata.get("actor_id"))
        .bind(event.metadata.get("actor_role"))
        .bind(detail)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
