//! The cart's read helpers, its serialised forms and its error codes.

use std::collections::HashSet;

use cqrs_es::DomainEvent;

use super::*;
use crate::cart::{CartError, CartStatus};
use crate::money::MoneyError;

#[test]
fn computes_subtotal_from_captured_prices() {
    let mut events = ready_cart();
    events.push(item_added("MUG", 3, 799));
    let cart = replay(events);
    assert_eq!(cart.subtotal(), Ok(usd(2 * 1500 + 3 * 799)));
    assert_eq!(cart.customer_id(), Some(owner()));
    assert_eq!(cart.cart_id(), Some(cart_id()));
    assert_eq!(cart.currency(), Some(usd_currency()));
    assert_eq!(cart.shipping_address(), Some(&address()));
}

#[test]
fn subtotal_of_a_new_cart_is_zero() {
    assert_eq!(replay(vec![created()]).subtotal(), Ok(usd(0)));
}

#[test]
fn subtotal_is_not_found_before_creation() {
    let cart = Cart::default();
    assert_eq!(cart.subtotal(), Err(CartError::NotFound));
    assert_eq!(cart.status(), None);
    assert!(cart.lines().is_empty());
}

#[test]
fn exposes_status_and_order_id_after_checkout() {
    let mut events = ready_cart();
    assert_eq!(replay(events.clone()).status(), Some(CartStatus::Open));
    events.push(CartEvent::CartCheckedOut {
        order_id: order_id(),
        lines: vec![],
        coupon_code: None,
        shipping_address: address(),
    });
    let cart = replay(events);
    assert_eq!(
        cart.status(),
        Some(CartStatus::CheckedOut {
            order_id: order_id()
        })
    );
    assert_eq!(cart.order_id(), Some(order_id()));
}

#[test]
fn exposes_applied_coupon_code() {
    let mut events = ready_cart();
    events.push(CartEvent::CouponApplied {
        code: "SAVE10".into(),
    });
    assert_eq!(replay(events).coupon_code(), Some("SAVE10"));
}

#[test]
fn snapshot_round_trips_through_json() {
    let mut events = ready_cart();
    events.push(CartEvent::CouponApplied {
        code: "SAVE10".into(),
    });
    let cart = replay(events);
    let json = serde_json::to_string(&cart).expect("serialises");
    let back: Cart = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back, cart);
}

#[test]
fn events_are_externally_tagged_with_their_type_and_version() {
    let event = CartEvent::ItemQuantityChanged {
        sku: "TEE-M".into(),
        quantity: 4,
    };
    let json = serde_json::to_value(&event).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({"ItemQuantityChanged": {"sku": "TEE-M", "quantity": 4}})
    );
    assert_eq!(event.event_type(), "ItemQuantityChanged");
    assert_eq!(event.event_version(), "1.0");
    assert_eq!(CartEvent::CartAbandoned {}.event_type(), "CartAbandoned");
    let back: CartEvent = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back, event);
}

#[test]
fn error_codes_are_snake_case_and_distinct_per_reason() {
    let errors = [
        CartError::NotFound,
        CartError::AlreadyExists,
        CartError::NotOwner,
        CartError::CartClosed,
        CartError::AlreadyCheckedOut {
            order_id: order_id(),
        },
        CartError::InvalidQuantity {
            quantity: 0,
            max: 99,
        },
        CartError::TooManyLines { max: 50 },
        CartError::InvalidSku { sku: "x y".into() },
        CartError::NonPositivePrice,
        CartError::ItemNotInCart { sku: "A".into() },
        CartError::InvalidCouponCode { code: "x".into() },
        CartError::NoCouponApplied,
        CartError::EmptyCart,
        CartError::MissingShippingAddress,
        CartError::Money(MoneyError::Overflow),
    ];
    let codes: HashSet<&str> = errors.iter().map(CartError::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert!(codes
        .iter()
        .all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
    assert_eq!(
        CartError::AlreadyCheckedOut {
            order_id: order_id()
        }
        .to_string(),
        format!("cart already checked out as order {}", order_id())
    );
}
