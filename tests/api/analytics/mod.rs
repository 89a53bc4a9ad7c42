//! Analytics read model (projection `analytics`) and the back-office analytics routes:
//! figures built from controlled event histories (days, refunds, currencies, idempotency),
//! the whole engine through HTTP (sales, top products, coupons, carts, replay equal to live),
//! and access and parameter rules.

mod engine;
mod funnel;
mod params;
mod sales;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use commerce_aggregates::order::{
    AppliedCoupon, OrderEvent, OrderLine, OrderTotals, ShippingPolicy,
};
use commerce_aggregates::{Currency, Discount, Money, Role};
use commerce_projections::read_models::analytics::{AnalyticsProjection, DateRange};
use uuid::Uuid;

use crate::fixtures::address;
use crate::read_models::Harness;

/// A harness feeding the analytics projection alone.
pub async fn harness() -> Harness {
    Harness::new(vec![Arc::new(AnalyticsProjection)]).await
}

/// `minor` units of `currency`.
pub fn money(minor: i64, currency: &str) -> Money {
    Money::new(minor, Currency::parse(currency).expect("valid currency"))
}

/// The UTC instant `day` (2026-11-`day`) at `hh:mm`.
pub fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .single()
        .expect("valid instant")
}

/// 2026-11-`day`.
pub fn day(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, day).expect("valid day")
}

/// The days 2026-11-`from`..=2026-11-`to`.
pub fn range(from: u32, to: u32) -> DateRange {
    DateRange::new(day(from), day(to)).expect("valid range")
}

/// A line of `quantity` × `unit` of `sku` with `discount` off (no tax).
pub struct Line<'a> {
    /// The product.
    pub product: Uuid,
    /// The SKU.
    pub sku: &'a str,
    /// Units.
    pub quantity: u32,
    /// Price per unit, minor units.
    pub unit: i64,
    /// The line's discount share, minor units.
    pub discount: i64,
}

/// Places `order` in `currency` with `lines`, `shipping` and the coupon `coupon`, recorded at
/// the harness's `now`, in store `eu` for euros and `default` otherwise; returns its total.
pub async fn place(
    h: &mut Harness,
    order: Uuid,
    currency: &str,
    lines: &[Line<'_>],
    shipping: i64,
    coupon: Option<&str>,
) -> i64 {
    let lines: Vec<OrderLine> = lines
        .iter()
        .map(|line| {
            let total = line.unit * i64::from(line.quantity);
            OrderLine {
                product_id: line.product,
                sku: line.sku.into(),
                name: format!("Product {}", line.sku),
                quantity: line.quantity,
                unit_price: money(line.unit, currency),
                line_total: money(total, currency),
                discount: money(line.discount, currency),
                tax: money(0, currency),
                total: money(total - line.discount, currency),
            }
        })
        .collect();
    let subtotal: i64 = lines.iter().map(|l| l.line_total.minor).sum();
    let discount: i64 = lines.iter().map(|l| l.discount.minor).sum();
    let total = subtotal - discount + shipping;
    h.apply(
        order,
        OrderEvent::OrderPlaced {
            order_id: order,
            cart_id: Uuid::new_v4(),
            customer_id: Some(Uuid::new_v4()),
            guest_email: None,
            customer_role: Role::Customer,
            lines,
            coupon: coupon.map(|code| AppliedCoupon {
                code: code.into(),
                discount: Discount::Percent(10),
            }),
            shipping_address: address(),
            shipping_policy: ShippingPolicy {
                flat_rate: money(shipping, currency),
                free_above: None,
            },
            tax_rate_bps: 0,
            totals: OrderTotals {
                subtotal: money(subtotal, currency),
                discount: money(discount, currency),
                shipping: money(shipping, currency),
                tax: money(0, currency),
                total: money(total, currency),
            },
            placed_at: h.now,
            store: if currency == "EUR" { "eu" } else { "default" }.into(),
        },
    )
    .await;
    total
}

/// Pays `order` its `total` at the harness's `now`.
pub async fn pay(h: &mut Harness, order: Uuid, total: Money) {
    h.apply(
        order,
        OrderEvent::OrderPaid {
            provider: "test".into(),
            payment_reference: format!("pay-{order}"),
            amount: total,
            paid_at: h.now,
        },
    )
    .await;
}
