//! Checking out and abandoning a cart, and the closed cart that follows.

use super::*;
use crate::cart::{CartError, CartLine};

fn check_out() -> CartCommand {
    CartCommand::CheckOut {
        shopper: owner().into(),
        order_id: order_id(),
    }
}

fn checked_out() -> CartEvent {
    CartEvent::CartCheckedOut {
        order_id: order_id(),
        lines: vec![CartLine {
            product_id: product(),
            sku: "TEE-M".into(),
            quantity: 2,
            unit_price: usd(1500),
        }],
        coupon_code: None,
        shipping_address: address(),
    }
}

#[test]
fn checks_out_cart_with_lines_and_address() {
    framework()
        .given(ready_cart())
        .when(check_out())
        .then_expect_events(vec![checked_out()]);
}

#[test]
fn carries_lines_in_insertion_order_and_coupon_into_checkout() {
    let mut given = ready_cart();
    given.push(item_added("MUG", 1, 800));
    given.push(CartEvent::CouponApplied {
        code: "SAVE10".into(),
    });
    let expected_lines = vec![
        CartLine {
            product_id: product(),
            sku: "TEE-M".into(),
            quantity: 2,
            unit_price: usd(1500),
        },
        CartLine {
            product_id: product(),
            sku: "MUG".into(),
            quantity: 1,
            unit_price: usd(800),
        },
    ];
    framework()
        .given(given)
        .when(check_out())
        .then_expect_events(vec![CartEvent::CartCheckedOut {
            order_id: order_id(),
            lines: expected_lines,
            coupon_code: Some("SAVE10".into()),
            shipping_address: address(),
        }]);
}

#[test]
fn rejects_checkout_when_cart_empty() {
    framework()
        .given(vec![created(), address_set()])
        .when(check_out())
        .then_expect_error(CartError::EmptyCart);
}

#[test]
fn rejects_checkout_when_all_items_removed() {
    framework()
        .given(vec![
            created(),
            item_added("TEE-M", 1, 1500),
            CartEvent::ItemRemoved {
                sku: "TEE-M".into(),
            },
            address_set(),
        ])
        .when(check_out())
        .then_expect_error(CartError::EmptyCart);
}

#[test]
fn rejects_checkout_when_shipping_address_missing() {
    framework()
        .given(vec![created(), item_added("TEE-M", 1, 1500)])
        .when(check_out())
        .then_expect_error(CartError::MissingShippingAddress);
}

#[test]
fn rejects_second_checkout_naming_the_existing_order() {
    let mut given = ready_cart();
    given.push(checked_out());
    framework()
        .given(given)
        .when(CartCommand::CheckOut {
            shopper: owner().into(),
            order_id: Uuid::from_u128(0xDEAD),
        })
        .then_expect_error(CartError::AlreadyCheckedOut {
            order_id: order_id(),
        });
}

#[test]
fn rejects_adding_items_after_checkout() {
    let mut given = ready_cart();
    given.push(checked_out());
    framework()
        .given(given)
        .when(add("MUG", 1, usd(800)))
        .then_expect_error(CartError::CartClosed);
}

#[test]
fn rejects_every_other_command_after_checkout() {
    let mut given = ready_cart();
    given.push(checked_out());
    for command in every_command(owner()) {
        let expected = match command {
            CartCommand::CheckOut { .. } => CartError::AlreadyCheckedOut {
                order_id: order_id(),
            },
            _ => CartError::CartClosed,
        };
        framework()
            .given(given.clone())
            .when(command)
            .then_expect_error(expected);
    }
}

#[test]
fn abandons_open_cart() {
    framework()
        .given(ready_cart())
        .when(CartCommand::AbandonCart {
            shopper: owner().into(),
        })
        .then_expect_events(vec![CartEvent::CartAbandoned {}]);
}

#[test]
fn rejects_checkout_when_cart_abandoned() {
    let mut given = ready_cart();
    given.push(CartEvent::CartAbandoned {});
    framework()
        .given(given)
        .when(check_out())
        .then_expect_error(CartError::CartClosed);
}

#[test]
fn rejects_every_command_after_abandon() {
    let mut given = ready_cart();
    given.push(CartEvent::CartAbandoned {});
    for command in every_command(owner()) {
        framework()
            .given(given.clone())
            .when(command)
            .then_expect_error(CartError::CartClosed);
    }
}
