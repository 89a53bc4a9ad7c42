//! Adding, re-adding, changing and removing cart lines.

use super::*;
use crate::cart::{CartError, MAX_LINES, MAX_LINE_QUANTITY};
use crate::money::MoneyError;

#[test]
fn creates_cart_for_customer() {
    framework()
        .given_no_previous_events()
        .when(CartCommand::CreateCart {
            cart_id: cart_id(),
            owner: owner().into(),
            currency: usd_currency(),
            store: STORE.into(),
        })
        .then_expect_events(vec![created()]);
}

#[test]
fn rejects_create_when_cart_already_exists() {
    framework()
        .given(vec![created()])
        .when(CartCommand::CreateCart {
            cart_id: cart_id(),
            owner: owner().into(),
            currency: usd_currency(),
            store: STORE.into(),
        })
        .then_expect_error(CartError::AlreadyExists);
}

#[test]
fn adds_new_item_to_open_cart() {
    framework()
        .given(vec![created()])
        .when(add("TEE-M", 2, usd(1500)))
        .then_expect_events(vec![item_added("TEE-M", 2, 1500)]);
}

#[test]
fn trims_sku_when_adding_item() {
    framework()
        .given(vec![created()])
        .when(add("  TEE-M ", 2, usd(1500)))
        .then_expect_events(vec![item_added("TEE-M", 2, 1500)]);
}

#[test]
fn increases_quantity_when_same_sku_added_again() {
    framework()
        .given(vec![created(), item_added("TEE-M", 2, 1500)])
        .when(add("TEE-M", 3, usd(1500)))
        .then_expect_events(vec![CartEvent::ItemQuantityChanged {
            sku: "TEE-M".into(),
            quantity: 5,
        }]);
}

#[test]
fn keeps_first_captured_price_when_sku_added_again_at_new_price() {
    let events = framework()
        .given(vec![created(), item_added("TEE-M", 2, 1500)])
        .when(add("TEE-M", 1, usd(1700)))
        .inspect_result()
        .expect("re-adding succeeds");
    let mut history = vec![created(), item_added("TEE-M", 2, 1500)];
    history.extend(events);
    let cart = replay(history);
    assert_eq!(cart.lines().len(), 1);
    assert_eq!(cart.lines()[0].unit_price, usd(1500));
    assert_eq!(cart.lines()[0].quantity, 3);
}

#[test]
fn rejects_add_when_quantity_zero() {
    framework()
        .given(vec![created()])
        .when(add("TEE-M", 0, usd(1500)))
        .then_expect_error(CartError::InvalidQuantity {
            quantity: 0,
            max: MAX_LINE_QUANTITY,
        });
}

#[test]
fn rejects_add_when_quantity_above_maximum() {
    framework()
        .given(vec![created()])
        .when(add("TEE-M", MAX_LINE_QUANTITY + 1, usd(1500)))
        .then_expect_error(CartError::InvalidQuantity {
            quantity: MAX_LINE_QUANTITY + 1,
            max: MAX_LINE_QUANTITY,
        });
}

#[test]
fn rejects_add_when_combined_quantity_exceeds_maximum() {
    framework()
        .given(vec![created(), item_added("TEE-M", 90, 1500)])
        .when(add("TEE-M", 10, usd(1500)))
        .then_expect_error(CartError::LineQuantityExceeded {
            sku: "TEE-M".into(),
            quantity: 100,
            max: MAX_LINE_QUANTITY,
        });
}

#[test]
fn rejects_add_when_cart_already_has_maximum_lines() {
    let mut given = vec![created()];
    given.extend((0..MAX_LINES).map(|i| item_added(&format!("SKU-{i}"), 1, 100)));
    framework()
        .given(given)
        .when(add("ONE-MORE", 1, usd(100)))
        .then_expect_error(CartError::TooManyLines { max: MAX_LINES });
}

#[test]
fn accepts_more_of_existing_sku_when_cart_has_maximum_lines() {
    let mut given = vec![created()];
    given.extend((0..MAX_LINES).map(|i| item_added(&format!("SKU-{i}"), 1, 100)));
    framework()
        .given(given)
        .when(add("SKU-0", 1, usd(100)))
        .then_expect_events(vec![CartEvent::ItemQuantityChanged {
            sku: "SKU-0".into(),
            quantity: 2,
        }]);
}

#[test]
fn rejects_add_when_price_is_zero() {
    framework()
        .given(vec![created()])
        .when(add("TEE-M", 1, usd(0)))
        .then_expect_error(CartError::NonPositivePrice);
}

#[test]
fn rejects_add_when_price_is_negative() {
    framework()
        .given(vec![created()])
        .when(add("TEE-M", 1, usd(-100)))
        .then_expect_error(CartError::NonPositivePrice);
}

#[test]
fn rejects_add_when_price_in_other_currency() {
    framework()
        .given(vec![created()])
        .when(add("TEE-M", 1, eur(1500)))
        .then_expect_error(CartError::CurrencyMismatch {
            expected: usd_currency(),
            found: eur(0).currency,
        });
}

#[test]
fn rejects_add_when_sku_has_invalid_characters() {
    framework()
        .given(vec![created()])
        .when(add("TEE M/1", 1, usd(1500)))
        .then_expect_error(CartError::InvalidSku {
            sku: "TEE M/1".into(),
        });
}

#[test]
fn rejects_add_when_sku_is_empty() {
    framework()
        .given(vec![created()])
        .when(add("   ", 1, usd(1500)))
        .then_expect_error(CartError::InvalidSku { sku: "   ".into() });
}

#[test]
fn rejects_add_when_sku_already_in_cart_for_another_product() {
    framework()
        .given(vec![created(), item_added("TEE-M", 1, 1500)])
        .when(CartCommand::AddItem {
            shopper: owner().into(),
            product_id: other_product(),
            sku: "TEE-M".into(),
            quantity: 1,
            unit_price: usd(1500),
            store: STORE.into(),
        })
        .then_expect_error(CartError::SkuBelongsToAnotherProduct {
            sku: "TEE-M".into(),
            existing_product_id: product(),
        });
}

#[test]
fn rejects_add_when_subtotal_would_overflow() {
    framework()
        .given(vec![created(), item_added("BIG", 1, i64::MAX - 10)])
        .when(add("SMALL", 1, usd(11)))
        .then_expect_error(CartError::Money(MoneyError::Overflow));
}

#[test]
fn changes_quantity_of_line_in_cart() {
    framework()
        .given(vec![created(), item_added("TEE-M", 2, 1500)])
        .when(CartCommand::ChangeItemQuantity {
            shopper: owner().into(),
            sku: "TEE-M".into(),
            quantity: 7,
        })
        .then_expect_events(vec![CartEvent::ItemQuantityChanged {
            sku: "TEE-M".into(),
            quantity: 7,
        }]);
}

#[test]
fn records_nothing_when_quantity_changed_to_same_value() {
    framework()
        .given(vec![created(), item_added("TEE-M", 2, 1500)])
        .when(CartCommand::ChangeItemQuantity {
            shopper: owner().into(),
            sku: "TEE-M".into(),
            quantity: 2,
        })
        .then_expect_events(vec![]);
}

#[test]
fn rejects_quantity_change_when_sku_not_in_cart() {
    framework()
        .given(vec![created(), item_added("TEE-M", 2, 1500)])
        .when(CartCommand::ChangeItemQuantity {
            shopper: owner().into(),
            sku: "MUG".into(),
            quantity: 1,
        })
        .then_expect_error(CartError::ItemNotInCart { sku: "MUG".into() });
}

#[test]
fn rejects_quantity_change_to_zero() {
    framework()
        .given(vec![created(), item_added("TEE-M", 2, 1500)])
        .when(CartCommand::ChangeItemQuantity {
            shopper: owner().into(),
            sku: "TEE-M".into(),
            quantity: 0,
        })
        .then_expect_error(CartError::InvalidQuantity {
            quantity: 0,
            max: MAX_LINE_QUANTITY,
        });
}

#[test]
fn rejects_quantity_change_above_maximum() {
    framework()
        .given(vec![created(), item_added("TEE-M", 2, 1500)])
        .when(CartCommand::ChangeItemQuantity {
            shopper: owner().into(),
            sku: "TEE-M".into(),
            quantity: 100,
        })
        .then_expect_error(CartError::InvalidQuantity {
            quantity: 100,
            max: MAX_LINE_QUANTITY,
        });
}

#[test]
fn rejects_quantity_change_when_subtotal_would_overflow() {
    framework()
        .given(vec![created(), item_added("BIG", 1, i64::MAX / 2)])
        .when(CartCommand::ChangeItemQuantity {
            shopper: owner().into(),
            sku: "BIG".into(),
            quantity: 3,
        })
        .then_expect_error(CartError::Money(MoneyError::Overflow));
}

#[test]
fn removes_item_from_cart() {
    framework()
        .given(vec![created(), item_added("TEE-M", 2, 1500)])
        .when(CartCommand::RemoveItem {
            shopper: owner().into(),
            sku: "TEE-M".into(),
        })
        .then_expect_events(vec![CartEvent::ItemRemoved {
            sku: "TEE-M".into(),
        }]);
}

#[test]
fn rejects_removal_when_sku_not_in_cart() {
    framework()
        .given(vec![created(), item_added("TEE-M", 2, 1500)])
        .when(CartCommand::RemoveItem {
            shopper: owner().into(),
            sku: "MUG".into(),
        })
        .then_expect_error(CartError::ItemNotInCart { sku: "MUG".into() });
}

#[test]
fn adds_fresh_line_when_removed_sku_added_again() {
    framework()
        .given(vec![
            created(),
            item_added("TEE-M", 2, 1500),
            CartEvent::ItemRemoved {
                sku: "TEE-M".into(),
            },
        ])
        .when(add("TEE-M", 1, usd(1700)))
        .then_expect_events(vec![item_added("TEE-M", 1, 1700)]);
}

#[test]
fn refuses_a_product_of_another_store() {
    framework()
        .given(vec![created()])
        .when(CartCommand::AddItem {
            shopper: owner().into(),
            product_id: product(),
            sku: "TEE-M".into(),
            quantity: 1,
            unit_price: usd(1500),
            store: "elsewhere".into(),
        })
        .then_expect_error(CartError::ProductNotInStore {
            product_id: product(),
            cart_store: STORE.into(),
        });
}
