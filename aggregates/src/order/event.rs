//! What happened to an order.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{Address, Role};
use crate::money::Money;
use crate::order::command::AppliedCoupon;
use crate::order::pricing::{OrderTotals, ShippingPolicy};
use crate::order::refund::RefundedLine;
use crate::order::rejection::RejectionReason;
use crate::order::returns::ReturnLine;

/// The version `OrderCancelled` is written in: `1.1` added `refund_id` when the refund of a
/// paid order's cancellation went through the payment provider.
pub const ORDER_CANCELLED_VERSION: &str = "1.1";

/// The version `OrderRefunded` is written in: `1.1` added `refund_id`, `provider_reference` and
/// `lines` when refunds became partial (a `1.0` event was a full refund of neither).
pub const ORDER_REFUNDED_VERSION: &str = "1.1";

/// The version `OrderPlaced` is written in: `1.1` added `store` (a `1.0` order is the default
/// store's); `1.2` added `guest_email` and made `customer_id` null for a guest's order (a
/// `1.1` order is a customer's).
pub const ORDER_PLACED_VERSION: &str = "1.2";

/// One priced line of a placed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderLine {
    /// The product.
    pub product_id: Uuid,
    /// The variant's SKU.
    pub sku: String,
    /// The product's name at checkout.
    pub name: String,
    /// Number of items.
    pub quantity: u32,
    /// Price per item.
    pub unit_price: Money,
    /// `unit_price × quantity`.
    pub line_total: Money,
    /// This line's share of the coupon discount.
    pub discount: Money,
    /// Tax on the discounted line total.
    pub tax: Money,
    /// `line_total − discount + tax`.
    pub total: Money,
}

/// An event in an order's history.
// `PlaceOrder`/`OrderPlaced` carry the whole checkout; the values are built once and moved,
// so boxing them would only add noise to every constructor and match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum OrderEvent {
    /// The order was placed and priced.
    OrderPlaced {
        /// The order's identity.
        order_id: Uuid,
        /// The cart it came from.
        cart_id: Uuid,
        /// The buyer; `null` for a guest (since `1.2`).
        customer_id: Option<Uuid>,
        /// The buyer's role at checkout (`customer` for a guest).
        customer_role: Role,
        /// A guest's email address, where the order's emails go (since `1.2`).
        guest_email: Option<String>,
        /// The priced lines.
        lines: Vec<OrderLine>,
        /// The coupon, if any.
        coupon: Option<AppliedCoupon>,
        /// Where to ship.
        shipping_address: Address,
        /// How shipping was charged.
        shipping_policy: ShippingPolicy,
        /// Tax rate in basis points.
        tax_rate_bps: u32,
        /// The totals.
        totals: OrderTotals,
        /// When it was placed.
        placed_at: DateTime<Utc>,
        /// The store of the cart it came from (since `1.1`).
        store: String,
    },
    /// Stock reserved, coupon redeemed; awaiting payment.
    OrderConfirmed {
        /// Payment deadline.
        payment_due_by: DateTime<Utc>,
    },
    /// The order could not be confirmed.
    OrderRejected {
        /// Why.
        reason: RejectionReason,
    },
    /// The order was paid in full.
    OrderPaid {
        /// The payment provider.
        provider: String,
        /// The provider's payment reference.
        payment_reference: String,
        /// Amount paid (the order total).
        amount: Money,
        /// When.
        paid_at: DateTime<Utc>,
    },
    /// The order was handed to a carrier.
    OrderShipped {
        /// The carrier.
        carrier: String,
        /// The tracking number.
        tracking_number: String,
        /// When.
        shipped_at: DateTime<Utc>,
    },
    /// The order was delivered.
    OrderDelivered {
        /// When.
        delivered_at: DateTime<Utc>,
    },
    /// The order was cancelled.
    OrderCancelled {
        /// Why.
        reason: String,
        /// The amount to refund: what was paid and not refunded yet, when the order had been
        /// paid.
        refund: Option<Money>,
        /// The role of whoever cancelled.
        by: Role,
        /// When.
        cancelled_at: DateTime<Utc>,
        /// The refund (requested with the cancellation) that returns `refund` through the
        /// payment provider; none for a cancellation recorded before cancellations refunded
        /// through it, whose refund was counted with it.
        refund_id: Option<Uuid>,
    },
    /// A refund was asked for: its amount is reserved against what was paid until the
    /// payment provider returns the money (`OrderRefunded`) or refuses (`RefundFailed`).
    RefundRequested {
        /// The refund's id.
        refund_id: Uuid,
        /// The amount (for lines: the sum of their shares).
        amount: Money,
        /// The units of lines it returns (empty for a refund by amount).
        lines: Vec<RefundedLine>,
        /// Why.
        reason: String,
        /// When.
        requested_at: DateTime<Utc>,
    },
    /// The payment provider refused a requested refund; its reservation is released.
    RefundFailed {
        /// The refund's id.
        refund_id: Uuid,
        /// The provider's reason.
        reason: String,
        /// When.
        failed_at: DateTime<Utc>,
    },
    /// Money was returned to the customer: a requested refund completed, or a refund made at
    /// the provider directly. The order is `refunded` once its refunds add up to the payment.
    OrderRefunded {
        /// Amount returned.
        amount: Money,
        /// Why.
        reason: String,
        /// When.
        refunded_at: DateTime<Utc>,
        /// The refund it completes (none for a refund made at the provider directly).
        refund_id: Option<Uuid>,
        /// The provider's refund reference.
        provider_reference: Option<String>,
        /// The units of lines it returns (empty for a refund by amount).
        lines: Vec<RefundedLine>,
    },
    /// The customer asked to return units of the delivered order.
    ReturnRequested {
        /// The return's id.
        return_id: Uuid,
        /// The units.
        lines: Vec<ReturnLine>,
        /// Why.
        reason: String,
        /// When.
        requested_at: DateTime<Utc>,
    },
    /// An admin accepted the return: the customer sends the units.
    ReturnApproved {
        /// The return.
        return_id: Uuid,
        /// When.
        approved_at: DateTime<Utc>,
    },
    /// An admin refused the return.
    ReturnRejected {
        /// The return.
        return_id: Uuid,
        /// Why.
        reason: String,
        /// When.
        rejected_at: DateTime<Utc>,
    },
    /// The returned units arrived; with `restock` they went back to stock. Their share of
    /// the total is refunded by the refund whose id is the return's.
    ReturnReceived {
        /// The return.
        return_id: Uuid,
        /// Whether the units went back to stock.
        restock: bool,
        /// When.
        received_at: DateTime<Utc>,
    },
    /// The unpaid order passed its payment deadline.
    OrderExpired {
        /// When it was expired.
        expired_at: DateTime<Utc>,
    },
}

impl DomainEvent for OrderEvent {
    fn event_type(&self) -> String {
        match self {
            OrderEvent::OrderPlaced { .. } => "OrderPlaced",
            OrderEvent::OrderConfirmed { .. } => "OrderConfirmed",
            OrderEvent::OrderRejected { .. } => "OrderRejected",
            OrderEvent::OrderPaid { .. } => "OrderPaid",
            OrderEvent::OrderShipped { .. } => "OrderShipped",
            OrderEvent::OrderDelivered { .. } => "OrderDelivered",
            OrderEvent::OrderCancelled { .. } => "OrderCancelled",
            OrderEvent::RefundRequested { .. } => "RefundRequested",
            OrderEvent::RefundFailed { .. } => "RefundFailed",
            OrderEvent::OrderRefunded { .. } => "OrderRefunded",
            OrderEvent::ReturnRequested { .. } => "ReturnRequested",
            OrderEvent::ReturnApproved { .. } => "ReturnApproved",
            OrderEvent::ReturnRejected { .. } => "ReturnRejected",
            OrderEvent::ReturnReceived { .. } => "ReturnReceived",
            OrderEvent::OrderExpired { .. } => "OrderExpired",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        match self {
            OrderEvent::OrderRefunded { .. } => ORDER_REFUNDED_VERSION,
            OrderEvent::OrderCancelled { .. } => ORDER_CANCELLED_VERSION,
            OrderEvent::OrderPlaced { .. } => ORDER_PLACED_VERSION,
            _ => "1.0",
        }
        .to_string()
    }
}
