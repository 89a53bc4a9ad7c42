//! Reading the order read model: one order, filtered lists (a customer's own or everyone's),
//! and an order's status timeline.

use chrono::{DateTime, Utc};
use commerce_aggregates::order::{OrderStatus, RejectionReason};
use commerce_aggregates::Address;
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{RefundView, ReturnView};
use crate::read_models::{json_column, MoneyView, Page, PageRequest, DEFAULT_PER_PAGE};

/// An order with its totals, lines, payment, shipment and outcome, as its customer (or the
/// back office) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    /// The order's id.
    pub id: Uuid,
    /// The buyer; `null` for a guest's order.
    pub customer_id: Option<Uuid>,
    /// A guest's email address, where the order's emails go (`null` for a customer's).
    pub guest_email: Option<String>,
    /// The cart it came from.
    pub cart_id: Uuid,
    /// The slug of the store it was placed in.
    #[cfg_attr(feature = "openapi", schema(example = "default"))]
    pub store: String,
    /// The buyer's role at checkout.
    pub customer_role: String,
    /// `placed`, `confirmed`, `paid`, `shipped`, `delivered`, `rejected`, `cancelled`,
    /// `refunded` or `expired`.
    #[cfg_attr(feature = "openapi", schema(example = "paid"))]
    pub status: String,
    /// Sum of the line totals before discount.
    pub subtotal: MoneyView,
    /// The coupon discount.
    pub discount: MoneyView,
    /// Shipping charged.
    pub shipping: MoneyView,
    /// Tax.
    pub tax: MoneyView,
    /// What the customer pays.
    pub total: MoneyView,
    /// Tax rate in basis points (2000 = 20 %).
    pub tax_rate_bps: i64,
    /// The coupon used.
    pub coupon_code: Option<String>,
    /// Where to ship.
    pub shipping_address: Address,
    /// The priced lines.
    pub lines: Vec<OrderLineView>,
    /// The payment, once paid.
    pub payment: Option<PaymentView>,
    /// The shipment, once shipped.
    pub shipment: Option<ShipmentView>,
    /// Why it was rejected.
    pub rejection: Option<RejectionView>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The role of whoever cancelled it.
    pub cancelled_by: Option<String>,
    /// Why it was refunded.
    pub refund_reason: Option<String>,
    /// Amount returned so far (by refunds, or by a cancellation after payment).
    pub refund: Option<MoneyView>,
    /// Every refund asked for or made, in order.
    pub refunds: Vec<RefundView>,
    /// Every return asked for, in order.
    pub returns: Vec<ReturnView>,
    /// Payment deadline, once confirmed.
    pub payment_due_by: Option<DateTime<Utc>>,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The order's version as of this view (compare with command responses).
    pub version: i64,
}

/// One priced line of an order, as `OrderPlaced` priced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLineView {
    /// The product.
    pub product_id: Uuid,
    /// The variant's SKU.
    pub sku: String,
    /// The product's name at checkout.
    pub name: String,
    /// Number of items.
    pub quantity: u32,
    /// Price per item.
    pub unit_price: MoneyView,
    /// `unit_price × quantity`.
    pub line_total: MoneyView,
    /// This line's share of the coupon discount.
    pub discount: MoneyView,
    /// Tax on the discounted line total.
    pub tax: MoneyView,
    /// `line_total − discount + tax`.
    pub total: MoneyView,
}

/// A payment taken for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentView {
    /// The payment provider (`test`…).
    pub provider: String,
    /// The provider's reference.
    pub reference: String,
    /// Amount paid.
    pub amount: MoneyView,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
}

/// An order's shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentView {
    /// The carrier.
    pub carrier: String,
    /// The carrier's tracking number.
    pub tracking_number: String,
    /// When it shipped.
    pub shipped_at: DateTime<Utc>,
    /// When it was delivered.
    #[serde(default)]
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Why an order could not be confirmed (orders an older checkout rejected).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectionView {
    /// Stable code: `out_of_stock`, `coupon_exhausted`, `coupon_expired`,
    /// `coupon_not_eligible`, `coupon_invalid`, `price_changed` or `product_unavailable`.
    #[cfg_attr(feature = "openapi", schema(example = "out_of_stock"))]
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The SKU concerned, for stock, price and availability reasons.
    pub sku: Option<String>,
    /// The coupon code concerned, for `coupon_invalid`.
    pub coupon_code: Option<String>,
}

impl From<RejectionReason> for RejectionView {
    fn from(reason: RejectionReason) -> Self {
        let (sku, coupon_code) = match &reason {
            RejectionReason::OutOfStock { sku }
            | RejectionReason::PriceChanged { sku }
            | RejectionReason::ProductUnavailable { sku } => (Some(sku.clone()), None),
            RejectionReason::CouponInvalid { code } => (None, Some(code.clone())),
            RejectionReason::CouponExhausted
            | RejectionReason::CouponExpired
            | RejectionReason::CouponNotEligible => (None, None),
        };
        Self {
            code: reason.code().to_string(),
            message: reason.to_string(),
            sku,
            coupon_code,
        }
    }
}

/// One step of an order's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    /// The event's position in the order's stream (its version).
    pub sequence: i64,
    /// The order's status after it.
    pub status: String,
    /// The event, e.g. `OrderPaid`.
    pub event_type: String,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who caused it.
    pub actor_id: Option<String>,
    /// Their role (`customer`, `admin`, `system`…).
    pub actor_role: Option<String>,
    /// The event's details (its fields; a summary of the totals for `OrderPlaced`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
}

/// Which orders to list. `Default` is page 1 of everyone's orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderQuery {
    /// Only this customer's orders; `None` lists everyone's (admins and auditors only).
    pub customer_id: Option<Uuid>,
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// Only orders placed in this store (slug).
    pub store: Option<String>,
    /// Placed at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Placed strictly before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Page number, from 1.
    pub page: u32,
    /// Items per page, `1..=100` (clamped).
    pub per_page: u32,
}

impl Default for OrderQuery {
    fn default() -> Self {
        Self {
            customer_id: None,
            status: None,
            store: None,
            from: None,
            to: None,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl OrderQuery {
    pub(super) fn push_where<'a>(&'a self, sql: &mut QueryBuilder<'a, Postgres>) {
        sql.push(" FROM order_views WHERE TRUE");
        if let Some(customer_id) = self.customer_id {
            sql.push(" AND customer_id = ").push_bind(customer_id);
        }
        if let Some(status) = self.status {
            sql.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(store) = &self.store {
            sql.push(" AND store = ").push_bind(store.as_str());
        }
        if let Some(from) = self.from {
            sql.push(" AND placed_at >= ").push_bind(from);
        }
        if let Some(to) = self.to {
            sql.push(" AND placed_at < ").push_bind(to);
        }
    }
}

pub(super) const ORDER_COLUMNS: &str =
    "SELECT id, customer_id, cart_id, customer_role, status, currency, \
     subtotal_minor, discount_minor, shipping_minor, tax_minor, total_minor, tax_rate_bps, \
     coupon_code, shipping_address, lines, payment, shipment, rejection, \
     cancel_reason, cancelled_by, refund_reason, refund_minor, refunds, returns, \
     payment_due_by, placed_at, updated_at, version, store, guest_email";

#[derive(sqlx::FromRow)]
pub(super) struct OrderRow {
    id: Uuid,
    customer_id: Option<Uuid>,
    cart_id: Uuid,
    customer_role: String,
    status: String,
    currency: String,
    subtotal_minor: i64,
    discount_minor: i64,
    shipping_minor: i64,
    tax_minor: i64,
    total_minor: i64,
    tax_rate_bps: i64,
    coupon_code: Option<String>,
    shipping_address: serde_json::Value,
    lines: serde_json::Value,
    payment: Option<serde_json::Value>,
    shipment: Option<serde_json::Value>,
    rejection: Option<serde_json::Value>,
    cancel_reason: Option<String>,
    cancelled_by: Option<String>,
    refund_reason: Option<String>,
    refund_minor: Option<i64>,
    refunds: serde_json::Value,
    returns: serde_json::Value,
    payment_due_by: Option<DateTime<Utc>>,
    placed_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    store: String,
    guest_email: Option<String>,
}

impl TryFrom<OrderRow> for OrderView {
    type Error = sqlx::Error;

    fn try_from(row: OrderRow) -> Result<Self, sqlx::Error> {
        let money = |amount: i64| MoneyView::new(amount, row.currency.clone());
        let rejection = row
            .rejection
            .map(|value| json_column::<RejectionReason>("rejection", value))
            .transpose()?
            .map(RejectionView::from);
        Ok(OrderView {
            subtotal: money(row.subtotal_minor),
            discount: money(row.discount_minor),
            shipping: money(row.shipping_minor),
            tax: money(row.tax_minor),
            total: money(row.total_minor),
            refund: row.refund_minor.map(money),
            refunds: json_column("refunds", row.refunds)?,
            returns: json_column("returns", row.returns)?,
            id: row.id,
            customer_id: row.customer_id,
            guest_email: row.guest_email,
            cart_id: row.cart_id,
            store: row.store,
            customer_role: row.customer_role,
            status: row.status,
            tax_rate_bps: row.tax_rate_bps,
            coupon_code: row.coupon_code,
            shipping_address: json_column("shipping_address", row.shipping_address)?,
            lines: json_column("lines", row.lines)?,
            payment: row
                .payment
                .map(|value| json_column("payment", value))
                .transpose()?,
            shipment: row
                .shipment
                .map(|value| json_column("shipment", value))
                .transpose()?,
            rejection,
            cancel_reason: row.cancel_reason,
            cancelled_by: row.cancelled_by,
            refund_reason: row.refund_reason,
            payment_due_by: row.payment_due_by,
            placed_at: row.placed_at,
            updated_at: row.updated_at,
            version: row.version,
        })
    }
}

/// The order `id` (the caller checks that the reader may see it).
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<OrderView>, sqlx::Error> {
    let mut sql = QueryBuilder::new(ORDER_COLUMNS);
    sql.push(" FROM order_views WHERE id = ").push_bind(id);
    let row: Option<OrderRow> = sql.build_query_as().fetch_optional(pool).await?;
    row.map(OrderView::try_from).transpose()
}

/// Up to `limit` confirmed orders whose payment deadline has passed, the earliest deadline
/// first: the expiry sweep's candidates (the aggregate decides whether each expires).
pub async fn payment_overdue(pool: &PgPool, limit: i64) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM order_views
          WHERE status = 'confirmed' AND payment_due_by <= now()
          ORDER BY payment_due_by LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Up to `limit` orders still placed `for_seconds` after they were placed, the oldest first:
/// the orders a checkout left unsettled.
pub async fn left_placed(
    pool: &PgPool,
    for_seconds: f64,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM order_views
          WHERE status = 'placed' AND placed_at <= now() - make_interval(secs => $1)
          ORDER BY placed_at LIMIT $2",
    )
    .bind(for_seconds)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// One page of the orders matching `query`, most recently placed first, and how many match.
pub async fn list(pool: &PgPool, query: &OrderQuery) -> Result<Page<OrderView>, sqlx::Error> {
    super::search(pool, query, &super::OrderSearch::default()).await
}

/// A return with the order it belongs to, as the back office lists returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderReturn {
    /// The order.
    pub order_id: Uuid,
    /// Its customer (`null` for a guest's order).
    pub customer_id: Option<Uuid>,
    /// The return.
    #[serde(flatten)]
    pub r#return: ReturnView,
}

/// Page `page` of every order's returns, newest request first; only those in `status` when
/// given (`requested`, `approved`, `rejected`, `received`).
pub async fn returns(
    pool: &PgPool,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<OrderReturn>, sqlx::Error> {
    const RETURNS: &str = "FROM order_views o, jsonb_array_elements(o.returns) AS r(value) \
         WHERE jsonb_array_length(o.returns) > 0 AND ($1::text IS NULL OR r.value->>'status' = $1)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) {RETURNS}"))
        .bind(status)
        .fetch_one(pool)
        .await?;
    let rows: Vec<(Uuid, Option<Uuid>, serde_json::Value)> = sqlx::query_as(&format!(
        "SELECT o.id, o.customer_id, r.value {RETURNS} \
         ORDER BY r.value->>'requested_at' DESC, o.id LIMIT $2 OFFSET $3"
    ))
    .bind(status)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let items = rows
        .into_iter()
        .map(|(order_id, customer_id, value)| {
            Ok(OrderReturn {
                order_id,
                customer_id,
                r#return: json_column("returns", value)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(page.into_page(items, total))
}

/// The status timeline of order `id`, oldest first (empty for an unknown order).
pub async fn timeline(pool: &PgPool, id: Uuid) -> Result<Vec<TimelineEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT sequence, status, event_type, at, actor_id, actor_role, detail \
         FROM order_timeline WHERE order_id = $1 ORDER BY sequence",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}
