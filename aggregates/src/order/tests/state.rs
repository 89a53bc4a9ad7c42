//! The order's read helpers, serialised forms and codes.

use std::collections::HashSet;

use cqrs_es::DomainEvent;

use super::*;
use crate::order::{OrderError, Payment, PricingError, Shipment};

#[test]
fn exposes_customer_totals_and_lines_once_placed() {
    let order = replay(history(OrderStatus::Placed));
    assert_eq!(order.order_id(), Some(order_id()));
    assert_eq!(order.cart_id(), Some(cart_id()));
    assert_eq!(order.customer_id(), Some(customer()));
    assert_eq!(order.status(), Some(OrderStatus::Placed));
    assert_eq!(order.totals().map(|t| t.total), Some(usd(TOTAL)));
    assert_eq!(order.lines().len(), 2);
    assert_eq!(order.coupon(), Some(&save10()));
    assert_eq!(order.shipping_address(), Some(&address()));
    assert_eq!(order.placed_at(), Some(t(0)));
}

#[test]
fn exposes_nothing_before_placement() {
    let order = Order::default();
    assert_eq!(order.status(), None);
    assert_eq!(order.totals(), None);
    assert!(order.lines().is_empty());
}

#[test]
fn keeps_payment_shipment_and_deadline() {
    let order = replay(history(OrderStatus::Shipped));
    assert_eq!(order.payment_due_by(), Some(t(30)));
    assert_eq!(
        order.payment(),
        Some(&Payment {
            provider: "test".into(),
            reference: "pay_1".into(),
            amount: usd(TOTAL),
            paid_at: t(5),
        })
    );
    assert_eq!(
        order.shipment(),
        Some(&Shipment {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            shipped_at: t(60),
        })
    );
}

#[test]
fn keeps_rejection_reason() {
    let order = replay(history(OrderStatus::Rejected));
    assert_eq!(order.rejection(), Some(&RejectionReason::CouponExhausted));
}

#[test]
fn snapshot_round_trips_through_json() {
    let order = replay(history(OrderStatus::Delivered));
    let json = serde_json::to_string(&order).expect("serialises");
    let back: Order = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back, order);
}

#[test]
fn events_round_trip_and_name_their_type() {
    for status in OrderStatus::ALL {
        for event in history(status) {
            let json = serde_json::to_value(&event).expect("serialises");
            assert!(json.get(event.event_type()).is_some(), "{json}");
            let version = match event {
                OrderEvent::OrderRefunded { .. } => crate::order::ORDER_REFUNDED_VERSION,
                OrderEvent::OrderCancelled { .. } => crate::order::ORDER_CANCELLED_VERSION,
                OrderEvent::OrderPlaced { .. } => crate::order::ORDER_PLACED_VERSION,
                _ => "1.0",
            };
            assert_eq!(event.event_version(), version);
            let back: OrderEvent = serde_json::from_value(json).expect("deserialises");
            assert_eq!(back, event);
        }
    }
}

#[test]
fn status_serialises_in_snake_case() {
    let json = serde_json::to_value(OrderStatus::Cancelled).expect("serialises");
    assert_eq!(json, serde_json::json!("cancelled"));
    assert_eq!(OrderStatus::Confirmed.to_string(), "confirmed");
}

#[test]
fn rejection_reasons_have_stable_codes() {
    let codes: Vec<&str> = [
        RejectionReason::OutOfStock { sku: "A".into() },
        RejectionReason::CouponExhausted,
        RejectionReason::CouponExpired,
        RejectionReason::CouponNotEligible,
        RejectionReason::CouponInvalid { code: "X".into() },
        RejectionReason::PriceChanged { sku: "A".into() },
        RejectionReason::ProductUnavailable { sku: "A".into() },
    ]
    .iter()
    .map(RejectionReason::code)
    .collect();
    assert_eq!(
        codes,
        [
            "out_of_stock",
            "coupon_exhausted",
            "coupon_expired",
            "coupon_not_eligible",
            "coupon_invalid",
            "price_changed",
            "product_unavailable"
        ]
    );
}

#[test]
fn error_codes_are_snake_case_and_distinct_per_reason() {
    let errors = [
        OrderError::NotFound,
        OrderError::AlreadyExists,
        OrderError::NoLines,
        OrderError::TooManyLines { max: 50 },
        OrderError::InvalidSku { sku: "?".into() },
        OrderError::DuplicateSku { sku: "A".into() },
        OrderError::InvalidLineName {
            sku: "A".into(),
            max: 200,
        },
        OrderError::InvalidCouponCode { code: "X".into() },
        OrderError::MissingField { field: "reason" },
        OrderError::FieldTooLong {
            field: "reason",
            max: 500,
        },
        OrderError::AmountMismatch {
            expected: usd(1),
            received: usd(2),
        },
        OrderError::RoleNotPermitted {
            role: Role::Auditor,
        },
        OrderError::NotYetDue {
            payment_due_by: t(1),
            at: t(0),
        },
        OrderError::Pricing(PricingError::InvalidDiscount),
    ];
    let codes: HashSet<&str> = errors.iter().map(OrderError::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert!(codes
        .iter()
        .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
}
