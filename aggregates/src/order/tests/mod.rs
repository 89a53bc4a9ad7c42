//! Tests of the order aggregate and its pricing, with the fixtures they share.
//!
//! The reference order: T-shirt 2 × 15.00 + mug 1 × 8.00 = 38.00, coupon SAVE10 (10 %) = 3.80
//! allocated 3.00 / 0.80, shipping 5.00 (free from 50.00), tax 20 % = 5.40 + 1.44 = 6.84,
//! total 34.20 + 5.00 + 6.84 = 46.04.

mod cancel_refund;
mod lifecycle;
mod payment;
mod place;
mod pricing;
mod pricing_invariants;
mod refunds;
mod returns;
mod state;
mod transitions;

use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use uuid::Uuid;

use crate::common::{Address, Discount, Role};
use crate::money::{Currency, Money};
use crate::order::{
    AppliedCoupon, Order, OrderCommand, OrderEvent, OrderLine, OrderLineInput, OrderStatus,
    OrderTotals, RefundScope, RejectionReason, ShippingPolicy,
};

/// The reference order's total, in cents.
const TOTAL: i64 = 4604;

fn framework() -> TestFramework<Order> {
    TestFramework::with(())
}

fn order_id() -> Uuid {
    Uuid::from_u128(0x0_4DE2)
}

fn cart_id() -> Uuid {
    Uuid::from_u128(0xCA27)
}

fn customer() -> Uuid {
    Uuid::from_u128(0xA11CE)
}

fn tee() -> Uuid {
    Uuid::from_u128(0x9_0001)
}

fn mug() -> Uuid {
    Uuid::from_u128(0x9_0002)
}

fn usd_currency() -> Currency {
    Currency::parse("USD").expect("valid currency")
}

fn usd(minor: i64) -> Money {
    Money::new(minor, usd_currency())
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").expect("valid currency"))
}

/// `minutes` after 2025-01-01T00:00:00Z.
fn t(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_735_689_600 + minutes * 60, 0).expect("valid timestamp")
}

fn address() -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "12 St James's Square".into(),
        line2: None,
        city: "London".into(),
        postal_code: "SW1Y 4JH".into(),
        country: "GB".into(),
    }
}

fn shipping() -> ShippingPolicy {
    ShippingPolicy {
        flat_rate: usd(500),
        free_above: Some(usd(5000)),
    }
}

fn line_input(sku: &str, name: &str, quantity: u32, unit_price: Money) -> OrderLineInput {
    let product_id = if sku == "MUG" { mug() } else { tee() };
    OrderLineInput {
        product_id,
        sku: sku.into(),
        name: name.into(),
        quantity,
        unit_price,
    }
}

fn save10() -> AppliedCoupon {
    AppliedCoupon {
        code: "SAVE10".into(),
        discount: Discount::Percent(10),
    }
}

/// The parts of a `PlaceOrder` that tests vary; `default()` is the reference order.
#[derive(Clone)]
struct Place {
    lines: Vec<OrderLineInput>,
    coupon: Option<AppliedCoupon>,
    address: Address,
    policy: ShippingPolicy,
    tax_rate_bps: u32,
}

impl Default for Place {
    fn default() -> Self {
        Place {
            lines: vec![
                line_input("TEE-M", "T-shirt", 2, usd(1500)),
                line_input("MUG", "Mug", 1, usd(800)),
            ],
            coupon: Some(save10()),
            address: address(),
            policy: shipping(),
            tax_rate_bps: 2000,
        }
    }
}

impl Place {
    fn command(self) -> OrderCommand {
        OrderCommand::PlaceOrder {
            order_id: order_id(),
            cart_id: cart_id(),
            customer_id: Some(customer()),
            guest_email: None,
            customer_role: Role::Customer,
            lines: self.lines,
            coupon: self.coupon,
            shipping_address: self.address,
            shipping_policy: self.policy,
            tax_rate_bps: self.tax_rate_bps,
            at: t(0),
            store: "outlet".into(),
        }
    }
}

fn priced_line(input: OrderLineInput, discount: i64, tax: i64) -> OrderLine {
    let line_total = input.unit_price.minor * i64::from(input.quantity);
    OrderLine {
        product_id: input.product_id,
        sku: input.sku,
        name: input.name,
        quantity: input.quantity,
        unit_price: input.unit_price,
        line_total: usd(line_total),
        discount: usd(discount),
        tax: usd(tax),
        total: usd(line_total - discount + tax),
    }
}

/// The reference order, placed.
fn placed() -> OrderEvent {
    OrderEvent::OrderPlaced {
        order_id: order_id(),
        cart_id: cart_id(),
        customer_id: Some(customer()),
        guest_email: None,
        customer_role: Role::Customer,
        lines: vec![
            priced_line(line_input("TEE-M", "T-shirt", 2, usd(1500)), 300, 540),
            priced_line(line_input("MUG", "Mug", 1, usd(800)), 80, 144),
        ],
        coupon: Some(save10()),
        shipping_address: address(),
        shipping_policy: shipping(),
        tax_rate_bps: 2000,
        totals: OrderTotals {
            subtotal: usd(3800),
            discount: usd(380),
            shipping: usd(500),
            tax: usd(684),
            total: usd(TOTAL),
        },
        placed_at: t(0),
        store: "outlet".into(),
    }
}

fn confirmed() -> OrderEvent {
    OrderEvent::OrderConfirmed {
        payment_due_by: t(30),
    }
}

fn paid() -> OrderEvent {
    OrderEvent::OrderPaid {
        provider: "test".into(),
        payment_reference: "pay_1".into(),
        amount: usd(TOTAL),
        paid_at: t(5),
    }
}

fn shipped() -> OrderEvent {
    OrderEvent::OrderShipped {
        carrier: "UPS".into(),
        tracking_number: "1Z999".into(),
        shipped_at: t(60),
    }
}

fn delivered() -> OrderEvent {
    OrderEvent::OrderDelivered {
        delivered_at: t(2000),
    }
}

/// A history that leaves the reference order in `status`.
fn history(status: OrderStatus) -> Vec<OrderEvent> {
    let mut events = vec![placed()];
    let tail: Vec<OrderEvent> = match status {
        OrderStatus::Placed => vec![],
        OrderStatus::Confirmed => vec![confirmed()],
        OrderStatus::Paid => vec![confirmed(), paid()],
        OrderStatus::Shipped => vec![confirmed(), paid(), shipped()],
        OrderStatus::Delivered => vec![confirmed(), paid(), shipped(), delivered()],
        OrderStatus::Rejected => vec![OrderEvent::OrderRejected {
            reason: RejectionReason::CouponExhausted,
        }],
        OrderStatus::Cancelled => vec![OrderEvent::OrderCancelled {
            reason: "changed my mind".into(),
            refund: None,
            by: Role::Customer,
            cancelled_at: t(1),
            refund_id: None,
        }],
        OrderStatus::Refunded => vec![
            confirmed(),
            paid(),
            OrderEvent::OrderRefunded {
                amount: usd(TOTAL),
                reason: "damaged".into(),
                refunded_at: t(90),
                refund_id: None,
                provider_reference: None,
                lines: vec![],
            },
        ],
        OrderStatus::Expired => vec![confirmed(), OrderEvent::OrderExpired { expired_at: t(31) }],
    };
    events.extend(tail);
    events
}

/// Rebuilds an order from events, as the event store would.
fn replay(events: Vec<OrderEvent>) -> Order {
    let mut order = Order::default();
    for event in events {
        order.apply(event);
    }
    order
}

fn pay(reference: &str, amount: Money) -> OrderCommand {
    OrderCommand::RecordPayment {
        provider: "test".into(),
        payment_reference: reference.into(),
        amount,
        at: t(5),
    }
}

/// The id of the refund a cancellation of a paid order asks for.
const CANCEL_REFUND_ID: Uuid = Uuid::from_u128(0xca9ce1);

fn cancel(by: Role) -> OrderCommand {
    OrderCommand::CancelOrder {
        reason: "changed my mind".into(),
        by,
        refund_id: CANCEL_REFUND_ID,
        at: t(10),
    }
}

fn ship() -> OrderCommand {
    OrderCommand::ShipOrder {
        carrier: "UPS".into(),
        tracking_number: "1Z999".into(),
        at: t(60),
    }
}

/// The id of the refund [`refund`] asks for.
const REFUND_ID: Uuid = Uuid::from_u128(0x5eed);

/// A refund of whatever is still refundable.
fn refund() -> OrderCommand {
    OrderCommand::RequestRefund {
        refund_id: REFUND_ID,
        scope: RefundScope::Remaining,
        reason: "damaged".into(),
        at: t(90),
    }
}

/// The provider returned the money of refund [`REFUND_ID`].
fn refund_completed(amount: Money) -> OrderEvent {
    OrderEvent::OrderRefunded {
        amount,
        reason: "damaged".into(),
        refunded_at: t(91),
        refund_id: Some(REFUND_ID),
        provider_reference: Some("re_1".into()),
        lines: vec![],
    }
}
