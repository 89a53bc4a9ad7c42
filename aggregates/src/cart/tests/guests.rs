//! Guest carts: the token hash as the owner, claiming (adopting) and merging.

use super::*;
use crate::cart::{CartError, CartLine, CartStatus, MAX_LINES, MAX_LINE_QUANTITY};

fn guest() -> CartOwner {
    CartOwner::Guest {
        token_hash: "ab".repeat(32),
    }
}

fn other_guest() -> CartOwner {
    CartOwner::Guest {
        token_hash: "cd".repeat(32),
    }
}

fn guest_created() -> CartEvent {
    CartEvent::CartCreated {
        cart_id: cart_id(),
        owner: guest(),
        currency: usd_currency(),
        store: STORE.into(),
    }
}

fn guest_hash() -> String {
    "ab".repeat(32)
}

fn line(sku: &str, quantity: u32, price: i64) -> CartLine {
    CartLine {
        product_id: product(),
        sku: sku.into(),
        quantity,
        unit_price: usd(price),
    }
}

#[test]
fn a_guest_with_the_token_commands_the_cart() {
    framework()
        .given(vec![guest_created()])
        .when(CartCommand::AddItem {
            shopper: guest(),
            product_id: product(),
            sku: "TEE-M".into(),
            quantity: 2,
            unit_price: usd(1500),
            store: STORE.into(),
        })
        .then_expect_events(vec![item_added("TEE-M", 2, 1500)]);
}

#[test]
fn another_token_or_a_customer_is_not_the_guest() {
    for caller in [other_guest(), owner().into()] {
        for command in every_command(caller) {
            framework()
                .given(vec![guest_created(), item_added("TEE-M", 2, 1500)])
                .when(command)
                .then_expect_error(CartError::NotOwner);
        }
    }
}

#[test]
fn a_customers_cart_never_accepts_a_token() {
    for command in every_command(guest()) {
        framework()
            .given(ready_cart())
            .when(command)
            .then_expect_error(CartError::NotOwner);
    }
    framework()
        .given(ready_cart())
        .when(CartCommand::ClaimCart {
            customer_id: stranger(),
            token_hash: guest_hash(),
        })
        .then_expect_error(CartError::NotOwner);
}

#[test]
fn a_claimed_cart_is_the_customers_and_the_token_no_longer_opens_it() {
    framework()
        .given(vec![guest_created()])
        .when(CartCommand::ClaimCart {
            customer_id: owner(),
            token_hash: guest_hash(),
        })
        .then_expect_events(vec![CartEvent::CartClaimed {
            customer_id: owner(),
        }]);
    let cart = replay(vec![
        guest_created(),
        CartEvent::CartClaimed {
            customer_id: owner(),
        },
    ]);
    assert_eq!(cart.customer_id(), Some(owner()));
    framework()
        .given(vec![
            guest_created(),
            CartEvent::CartClaimed {
                customer_id: owner(),
            },
        ])
        .when(CartCommand::RemoveCoupon { shopper: guest() })
        .then_expect_error(CartError::NotOwner);
}

#[test]
fn a_claim_with_the_wrong_token_is_refused() {
    framework()
        .given(vec![guest_created()])
        .when(CartCommand::ClaimCart {
            customer_id: owner(),
            token_hash: "cd".repeat(32),
        })
        .then_expect_error(CartError::NotOwner);
}

#[test]
fn a_merged_guest_cart_is_closed() {
    let into = Uuid::from_u128(0xCA28);
    let merged = CartEvent::CartMergedInto {
        cart_id: into,
        customer_id: owner(),
    };
    framework()
        .given(vec![guest_created()])
        .when(CartCommand::MergeInto {
            customer_id: owner(),
            token_hash: guest_hash(),
            into_cart_id: into,
        })
        .then_expect_events(vec![merged.clone()]);
    let cart = replay(vec![guest_created(), merged.clone()]);
    assert_eq!(
        cart.status(),
        Some(CartStatus::MergedInto { cart_id: into })
    );
    framework()
        .given(vec![guest_created(), merged])
        .when(CartCommand::ClaimCart {
            customer_id: owner(),
            token_hash: guest_hash(),
        })
        .then_expect_error(CartError::CartClosed);
}

#[test]
fn merged_quantities_are_summed_and_capped_and_new_lines_added() {
    let from = Uuid::from_u128(0xCA28);
    framework()
        .given(vec![created(), item_added("TEE-M", 90, 1500)])
        .when(CartCommand::MergeItems {
            shopper: owner().into(),
            from_cart_id: from,
            lines: vec![line("TEE-M", 20, 1400), line("MUG", 3, 800)],
            coupon_code: Some("save10".into()),
        })
        .then_expect_events(vec![
            CartEvent::ItemsMerged {
                from_cart_id: from,
                lines: vec![line("TEE-M", MAX_LINE_QUANTITY, 1500), line("MUG", 3, 800)],
            },
            CartEvent::CouponApplied {
                code: "SAVE10".into(),
            },
        ]);
}

#[test]
fn a_merge_keeps_the_customers_coupon_and_the_line_limit() {
    let from = Uuid::from_u128(0xCA28);
    let mut given = vec![
        created(),
        CartEvent::CouponApplied {
            code: "MINE".into(),
        },
    ];
    for n in 0..MAX_LINES {
        given.push(item_added(&format!("SKU-{n}"), 1, 100));
    }
    framework()
        .given(given)
        .when(CartCommand::MergeItems {
            shopper: owner().into(),
            from_cart_id: from,
            lines: vec![line("SKU-0", 2, 100), line("NEW", 1, 100)],
            coupon_code: Some("save10".into()),
        })
        .then_expect_events(vec![CartEvent::ItemsMerged {
            from_cart_id: from,
            lines: vec![line("SKU-0", 3, 100)],
        }]);
}

#[test]
fn only_a_guest_owner_has_a_token_hash() {
    assert_eq!(guest().guest_token_hash(), Some(guest_hash().as_str()));
    assert_eq!(guest().customer_id(), None);
    let customer = CartOwner::from(Uuid::from_u128(7));
    assert_eq!(customer.guest_token_hash(), None);
}
