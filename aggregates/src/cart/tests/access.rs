//! Ownership and existence: who may command a cart, and commands on a missing cart.

use super::*;
use crate::cart::CartError;

#[test]
fn rejects_every_command_from_a_customer_who_is_not_the_owner() {
    for command in every_command(stranger()) {
        framework()
            .given(ready_cart())
            .when(command)
            .then_expect_error(CartError::NotOwner);
    }
}

#[test]
fn rejects_checkout_from_non_owner_without_revealing_the_order() {
    let mut given = ready_cart();
    given.push(CartEvent::CartCheckedOut {
        order_id: order_id(),
        lines: vec![],
        coupon_code: None,
        shipping_address: address(),
    });
    framework()
        .given(given)
        .when(CartCommand::CheckOut {
            shopper: stranger().into(),
            order_id: order_id(),
        })
        .then_expect_error(CartError::NotOwner);
}

#[test]
fn rejects_every_command_when_cart_not_created() {
    for command in every_command(owner()) {
        framework()
            .given_no_previous_events()
            .when(command)
            .then_expect_error(CartError::NotFound);
    }
}

#[test]
fn rejects_item_added_by_non_owner() {
    framework()
        .given(vec![created()])
        .when(CartCommand::AddItem {
            shopper: stranger().into(),
            product_id: product(),
            sku: "TEE-M".into(),
            quantity: 1,
            unit_price: usd(1500),
            store: STORE.into(),
        })
        .then_expect_error(CartError::NotOwner);
}
