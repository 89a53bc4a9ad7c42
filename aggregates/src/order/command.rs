//! What a caller can ask an order to do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{Address, Discount, Role};
use crate::money::Money;
use crate::order::pricing::ShippingPolicy;
use crate::order::refund::RefundScope;
use crate::order::rejection::RejectionReason;
use crate::order::returns::ReturnLine;

/// One line of an order as the checkout resolved it (current price and product name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineInput {
    /// The product.
    pub product_id: Uuid,
    /// The variant's SKU; unique within the order.
    pub sku: String,
    /// The product's name, for invoices.
    pub name: String,
    /// Number of items, `1..=MAX_LINE_QUANTITY`.
    pub quantity: u32,
    /// Price per item, positive, in the order's currency.
    pub unit_price: Money,
}

/// The coupon applied to an order, with the discount it grants (resolved from the coupon).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppliedCoupon {
    /// The coupon's normalised code.
    pub code: String,
    /// Its discount.
    pub discount: Discount,
}

/// A command on an order.
// `PlaceOrder`/`OrderPlaced` carry the whole checkout; the values are built once and moved,
// so boxing them would only add noise to every constructor and match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderCommand {
    /// Creates the order from a checked-out cart and prices it.
    PlaceOrder {
        /// The new order's identity.
        order_id: Uuid,
        /// The cart it comes from.
        cart_id: Uuid,
        /// The buyer; `None` for a guest.
        customer_id: Option<Uuid>,
        /// The buyer's role at checkout (`customer` for a guest).
        customer_role: Role,
        /// A guest's email address (required for a guest, ignored for a customer).
        guest_email: Option<String>,
        /// The lines, at least one.
        lines: Vec<OrderLineInput>,
        /// The coupon, if any.
        coupon: Option<AppliedCoupon>,
        /// Where to ship.
        shipping_address: Address,
        /// How shipping is charged.
        shipping_policy: ShippingPolicy,
        /// Tax rate in basis points (2000 = 20 %).
        tax_rate_bps: u32,
        /// When the order was placed.
        at: DateTime<Utc>,
        /// The store of the cart it comes from.
        store: String,
    },
    /// Stock was reserved and the coupon redeemed: the order awaits payment.
    ConfirmOrder {
        /// After this instant the unpaid order may be expired.
        payment_due_by: DateTime<Utc>,
    },
    /// The order cannot be confirmed.
    RejectOrder {
        /// Why.
        reason: RejectionReason,
    },
    /// A payment for the full total succeeded.
    RecordPayment {
        /// The payment provider (`test`, `stripe`...).
        provider: String,
        /// The provider's reference for the payment; a repeat is ignored.
        payment_reference: String,
        /// Amount paid; must equal the order total.
        amount: Money,
        /// When the payment was taken.
        at: DateTime<Utc>,
    },
    /// The order was handed to a carrier.
    ShipOrder {
        /// The carrier's name.
        carrier: String,
        /// The carrier's tracking number.
        tracking_number: String,
        /// When it shipped.
        at: DateTime<Utc>,
    },
    /// The customer received the order.
    DeliverOrder {
        /// When it was delivered.
        at: DateTime<Utc>,
    },
    /// Cancels the order; a paid order's cancellation also asks for the refund of what is
    /// still paid (refund `refund_id`).
    CancelOrder {
        /// Why (required).
        reason: String,
        /// Who cancels: a customer role, or `Admin` (who may also cancel a shipped order).
        by: Role,
        /// The id of the refund a paid order's cancellation asks for.
        refund_id: Uuid,
        /// When.
        at: DateTime<Utc>,
    },
    /// Asks for a refund of a paid, shipped or delivered order: reserves its amount against
    /// what is still refundable. Repeating the same `refund_id` changes nothing.
    RequestRefund {
        /// The refund's id (chosen by the caller, so a retried request is recognised).
        refund_id: Uuid,
        /// What to refund.
        scope: RefundScope,
        /// Why (required).
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The payment provider returned a requested refund's money under `provider_reference`.
    CompleteRefund {
        /// The refund.
        refund_id: Uuid,
        /// The provider's refund reference.
        provider_reference: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The payment provider refused a requested refund.
    FailRefund {
        /// The refund.
        refund_id: Uuid,
        /// The provider's reason.
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The payment provider reports `refunded` returned on the order's payment in total;
    /// whatever exceeds the engine's own refunds was refunded at the provider directly.
    RecordProviderRefunds {
        /// The provider's cumulative refunded amount.
        refunded: Money,
        /// The provider's reference for the report (the charge).
        provider_reference: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The customer asks to return units of the delivered order, within `window_days` of
    /// its delivery. Repeating the same `return_id` changes nothing.
    RequestReturn {
        /// The return's id.
        return_id: Uuid,
        /// The units.
        lines: Vec<ReturnLine>,
        /// Why (required).
        reason: String,
        /// The return window, in days after delivery.
        window_days: u32,
        /// When.
        at: DateTime<Utc>,
    },
    /// An admin accepts a requested return.
    ApproveReturn {
        /// The return.
        return_id: Uuid,
        /// When.
        at: DateTime<Utc>,
    },
    /// An admin refuses a requested return.
    RejectReturn {
        /// The return.
        return_id: Uuid,
        /// Why (required).
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The units of an approved return arrived.
    ReceiveReturn {
        /// The return.
        return_id: Uuid,
        /// Whether they go back to stock.
        restock: bool,
        /// When.
        at: DateTime<Utc>,
    },
    /// Expires a confirmed order whose payment deadline has passed.
    ExpireOrder {
        /// Now; must be at or after the payment deadline.
        at: DateTime<Utc>,
    },
}
