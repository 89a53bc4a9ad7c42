//! The order aggregate: its state, its read helpers and how events change it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::{Address, Role};
use crate::money::Money;
use crate::order::command::{AppliedCoupon, OrderCommand};
use crate::order::decide::decide;
use crate::order::error::OrderError;
use crate::order::event::{OrderEvent, OrderLine};
use crate::order::pricing::{OrderTotals, ShippingPolicy};
use crate::order::refund::{self, Refund};
use crate::order::rejection::RejectionReason;
use crate::order::returns::{self, Return};
use crate::order::status::OrderStatus;

/// The payment recorded on an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The payment provider.
    pub provider: String,
    /// The provider's reference.
    pub reference: String,
    /// Amount paid.
    pub amount: Money,
    /// When.
    pub paid_at: DateTime<Utc>,
}

/// The shipment of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// The carrier.
    pub carrier: String,
    /// The tracking number.
    pub tracking_number: String,
    /// When it shipped.
    pub shipped_at: DateTime<Utc>,
}

/// An order. `Default` is the not-yet-placed order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    state: Option<OrderState>,
}

/// The state of a placed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OrderState {
    pub(crate) order_id: Uuid,
    pub(crate) store: String,
    pub(crate) cart_id: Uuid,
    pub(crate) customer_id: Option<Uuid>,
    pub(crate) customer_role: Role,
    #[serde(default)]
    pub(crate) guest_email: Option<String>,
    pub(crate) lines: Vec<OrderLine>,
    pub(crate) coupon: Option<AppliedCoupon>,
    pub(crate) shipping_address: Address,
    pub(crate) shipping_policy: ShippingPolicy,
    pub(crate) tax_rate_bps: u32,
    pub(crate) totals: OrderTotals,
    pub(crate) placed_at: DateTime<Utc>,
    pub(crate) status: OrderStatus,
    pub(crate) payment_due_by: Option<DateTime<Utc>>,
    pub(crate) payment: Option<Payment>,
    pub(crate) shipment: Option<Shipment>,
    pub(crate) rejection: Option<RejectionReason>,
    #[serde(default)]
    pub(crate) refunds: Vec<Refund>,
    #[serde(default)]
    pub(crate) delivered_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub(crate) returns: Vec<Return>,
}

impl Order {
    /// The order's identity, once placed.
    pub fn order_id(&self) -> Option<Uuid> {
        self.state.as_ref().map(|s| s.order_id)
    }

    /// The cart the order came from.
    pub fn cart_id(&self) -> Option<Uuid> {
        self.state.as_ref().map(|s| s.cart_id)
    }

    /// The store the order was placed in.
    pub fn store(&self) -> Option<&str> {
        self.state.as_ref().map(|s| s.store.as_str())
    }

    /// The buyer, `None` for a guest's order.
    pub fn customer_id(&self) -> Option<Uuid> {
        self.state.as_ref().and_then(|s| s.customer_id)
    }

    /// A guest's email address, for a guest's order.
    pub fn guest_email(&self) -> Option<&str> {
        self.state.as_ref().and_then(|s| s.guest_email.as_deref())
    }

    /// The buyer's role when the order was placed.
    pub fn customer_role(&self) -> Option<Role> {
        self.state.as_ref().map(|s| s.customer_role)
    }

    /// The order's status, once placed.
    pub fn status(&self) -> Option<OrderStatus> {
        self.state.as_ref().map(|s| s.status)
    }

    /// The order's totals, once placed.
    pub fn totals(&self) -> Option<&OrderTotals> {
        self.state.as_ref().map(|s| &s.totals)
    }

    /// The priced lines (empty before placement).
    pub fn lines(&self) -> &[OrderLine] {
        self.state.as_ref().map_or(&[], |s| s.lines.as_slice())
    }

    /// The applied coupon, if any.
    pub fn coupon(&self) -> Option<&AppliedCoupon> {
        self.state.as_ref().and_then(|s| s.coupon.as_ref())
    }

    /// The shipping address.
    pub fn shipping_address(&self) -> Option<&Address> {
        self.state.as_ref().map(|s| &s.shipping_address)
    }

    /// When the order was placed.
    pub fn placed_at(&self) -> Option<DateTime<Utc>> {
        self.state.as_ref().map(|s| s.placed_at)
    }

    /// The payment deadline, once confirmed.
    pub fn payment_due_by(&self) -> Option<DateTime<Utc>> {
        self.state.as_ref().and_then(|s| s.payment_due_by)
    }

    /// The recorded payment, once paid.
    pub fn payment(&self) -> Option<&Payment> {
        self.state.as_ref().and_then(|s| s.payment.as_ref())
    }

    /// The shipment, once shipped.
    pub fn shipment(&self) -> Option<&Shipment> {
        self.state.as_ref().and_then(|s| s.shipment.as_ref())
    }

    /// Every refund asked for or made, in order.
    pub fn refunds(&self) -> &[Refund] {
        self.state.as_ref().map_or(&[], |s| s.refunds.as_slice())
    }

    /// What is paid and neither refunded nor reserved by a pending refund (zero before
    /// payment).
    pub fn refundable(&self) -> Option<Money> {
        self.state.as_ref().map(OrderState::refundable)
    }

    /// Σ completed refunds.
    pub fn refunded(&self) -> Option<Money> {
        self.state.as_ref().map(OrderState::refunded)
    }

    /// Every return asked for, in order.
    pub fn returns(&self) -> &[Return] {
        self.state.as_ref().map_or(&[], |s| s.returns.as_slice())
    }

    /// Why the order was rejected, if it was.
    pub fn rejection(&self) -> Option<&RejectionReason> {
        self.state.as_ref().and_then(|s| s.rejection.as_ref())
    }
}

crate::common::impl_aggregate! {
    Order: "order", OrderCommand => OrderEvent, OrderError,
    decide: |order, command| decide(order.state.as_ref(), command),
    apply: Order::evolve,
}

impl Order {
    /// How an event changes the order: the `apply` of its [`cqrs_es::Aggregate`] impl.
    fn evolve(&mut self, event: OrderEvent) {
        if let OrderEvent::OrderPlaced {
            order_id,
            cart_id,
            customer_id,
            customer_role,
            guest_email,
            lines,
            coupon,
            shipping_address,
            shipping_policy,
            tax_rate_bps,
            totals,
            placed_at,
            store,
        } = event
        {
            self.state = Some(OrderState {
                store,
                order_id,
                cart_id,
                customer_id,
                customer_role,
                guest_email,
                lines,
                coupon,
                shipping_address,
                shipping_policy,
                tax_rate_bps,
                totals,
                placed_at,
                status: OrderStatus::Placed,
                payment_due_by: None,
                payment: None,
                shipment: None,
                rejection: None,
                refunds: Vec::new(),
                delivered_at: None,
                returns: Vec::new(),
            });
            return;
        }
        let Some(state) = self.state.as_mut() else {
            return;
        };
        match event {
            OrderEvent::OrderPlaced { .. } => {}
            OrderEvent::OrderConfirmed { payment_due_by } => {
                state.status = OrderStatus::Confirmed;
                state.payment_due_by = Some(payment_due_by);
            }
            OrderEvent::OrderRejected { reason } => {
                state.status = OrderStatus::Rejected;
                state.rejection = Some(reason);
            }
            OrderEvent::OrderPaid {
                provider,
                payment_reference,
                amount,
                paid_at,
            } => {
                state.status = OrderStatus::Paid;
                state.payment = Some(Payment {
                    provider,
                    reference: payment_reference,
                    amount,
                    paid_at,
                });
            }
            OrderEvent::OrderShipped {
                carrier,
                tracking_number,
                shipped_at,
            } => {
                state.status = OrderStatus::Shipped;
                state.shipment = Some(Shipment {
                    carrier,
                    tracking_number,
                    shipped_at,
                });
            }
            OrderEvent::OrderDelivered { delivered_at } => {
                state.status = OrderStatus::Delivered;
                state.delivered_at = Some(delivered_at);
            }
            event @ (OrderEvent::ReturnRequested { .. }
            | OrderEvent::ReturnApproved { .. }
            | OrderEvent::ReturnRejected { .. }
            | OrderEvent::ReturnReceived { .. }) => returns::apply(state, event),
            OrderEvent::OrderCancelled { .. } => state.status = OrderStatus::Cancelled,
            event @ (OrderEvent::RefundRequested { .. }
            | OrderEvent::RefundFailed { .. }
            | OrderEvent::OrderRefunded { .. }) => refund::apply(state, event),
            OrderEvent::OrderExpired { .. } => state.status = OrderStatus::Expired,
        }
    }
}
