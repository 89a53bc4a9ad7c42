//! The response shapes of the order routes: an order with its totals, lines, payment,
//! shipment and outcome, its status timeline, and a page of orders; converted from the order
//! read model (whose JSON columns are decoded into typed values here).

use chrono::{DateTime, Utc};
use commerce_aggregates::order::RejectionReason;
use commerce_projections::read_models::orders;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{decode, page_of, AddressView, MoneyDto};
use super::wait::Versioned;
use crate::http::error::ApiError;

/// An order with its totals, lines, payment, shipment and outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    /// The order's id.
    pub id: Uuid,
    /// The buyer.
    pub customer_id: Uuid,
    /// The cart it came from.
    pub cart_id: Uuid,
    /// The buyer's role at checkout.
    pub customer_role: String,
    /// `placed`, `confirmed`, `paid`, `shipped`, `delivered`, `rejected`, `cancelled`,
    /// `refunded` or `expired`.
    #[schema(example = "paid")]
    pub status: String,
    /// Sum of the line totals before discount.
    pub subtotal: MoneyDto,
    /// The coupon discount.
    pub discount: MoneyDto,
    /// Shipping charged.
    pub shipping: MoneyDto,
    /// Tax.
    pub tax: MoneyDto,
    /// What the customer pays.
    pub total: MoneyDto,
    /// Tax rate in basis points (2000 = 20 %).
    pub tax_rate_bps: i64,
    /// The coupon used.
    pub coupon_code: Option<String>,
    /// Where to ship.
    pub shipping_address: AddressView,
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
    /// Amount refunded.
    pub refund: Option<MoneyDto>,
    /// Payment deadline, once confirmed.
    pub payment_due_by: Option<DateTime<Utc>>,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The order's version as of this view (compare with command responses).
    pub version: i64,
}

/// An order with its status timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderDetail {
    /// The order.
    #[serde(flatten)]
    pub order: OrderView,
    /// Every event of the order up to `version`, oldest first, with the status it led to.
    pub timeline: Vec<TimelineEntryView>,
}

/// One priced line of an order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    pub unit_price: MoneyDto,
    /// `unit_price × quantity`.
    pub line_total: MoneyDto,
    /// This line's share of the coupon discount.
    pub discount: MoneyDto,
    /// Tax on the discounted line total.
    pub tax: MoneyDto,
    /// `line_total − discount + tax`.
    pub total: MoneyDto,
}

/// A payment taken for an order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentView {
    /// The payment provider (`test`…).
    pub provider: String,
    /// The provider's reference.
    pub reference: String,
    /// Amount paid.
    pub amount: MoneyDto,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
}

/// An order's shipment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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

/// Why an order could not be confirmed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectionView {
    /// Stable code: `out_of_stock`, `coupon_exhausted`, `coupon_expired`,
    /// `coupon_not_eligible`, `coupon_invalid`, `price_changed` or `product_unavailable`.
    #[schema(example = "out_of_stock")]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntryView {
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
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

page_of!(
    /// A page of orders, most recently placed first.
    OrderPage,
    OrderView
);

impl Versioned for orders::OrderView {
    fn version(&self) -> i64 {
        self.version
    }
}

impl TryFrom<orders::OrderView> for OrderView {
    type Error = ApiError;

    fn try_from(order: orders::OrderView) -> Result<Self, ApiError> {
        let rejection = match order.rejection {
            Some(value) => Some(decode::<RejectionReason>("order rejection", value)?.into()),
            None => None,
        };
        Ok(Self {
            shipping_address: decode("order address", order.shipping_address)?,
            lines: decode("order lines", order.lines)?,
            payment: order
                .payment
                .map(|value| decode("order payment", value))
                .transpose()?,
            shipment: order
                .shipment
                .map(|value| decode("order shipment", value))
                .transpose()?,
            rejection,
            id: order.id,
            customer_id: order.customer_id,
            cart_id: order.cart_id,
            customer_role: order.customer_role,
            status: order.status,
            subtotal: order.subtotal.into(),
            discount: order.discount.into(),
            shipping: order.shipping.into(),
            tax: order.tax.into(),
            total: order.total.into(),
            tax_rate_bps: order.tax_rate_bps,
            coupon_code: order.coupon_code,
            cancel_reason: order.cancel_reason,
            cancelled_by: order.cancelled_by,
            refund_reason: order.refund_reason,
            refund: order.refund.map(Into::into),
            payment_due_by: order.payment_due_by,
            placed_at: order.placed_at,
            updated_at: order.updated_at,
            version: order.version,
        })
    }
}

impl From<orders::TimelineEntry> for TimelineEntryView {
    fn from(entry: orders::TimelineEntry) -> Self {
        Self {
            sequence: entry.sequence,
            status: entry.status,
            event_type: entry.event_type,
            at: entry.at,
            actor_id: entry.actor_id,
            actor_role: entry.actor_role,
            detail: entry.detail,
        }
    }
}
