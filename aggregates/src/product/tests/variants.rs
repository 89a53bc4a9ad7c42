//! `AddVariant` and `ChangeVariantPrice`.

use super::*;
use crate::product::ProductError;

fn large() -> NewVariant {
    new_variant("TEE-L", "L", usd(2199), 4)
}

fn change_price(sku: &str, price: Money) -> ProductCommand {
    ProductCommand::ChangeVariantPrice {
        sku: sku.to_string(),
        price,
    }
}

#[test]
fn adds_variant() {
    product()
        .given(active())
        .when(ProductCommand::AddVariant { variant: large() })
        .then_expect_events(vec![ProductEvent::VariantAdded { variant: large() }]);
}

#[test]
fn added_variant_is_reservable_without_low_stock_event() {
    let state = state_after(vec![
        created(),
        ProductEvent::VariantAdded { variant: large() },
    ]);
    assert_eq!(state.available("TEE-L"), Some(4));
    assert_eq!(state.variants().count(), 3);
}

#[test]
fn rejects_variant_with_used_sku() {
    product()
        .given(active())
        .when(ProductCommand::AddVariant {
            variant: new_variant(SMALL, "XS", usd(1999), 1),
        })
        .then_expect_error(ProductError::DuplicateSku { sku: SMALL.into() });
}

#[test]
fn rejects_variant_when_product_archived() {
    product()
        .given(archived())
        .when(ProductCommand::AddVariant { variant: large() })
        .then_expect_error(ProductError::Archived);
}

#[test]
fn rejects_variant_in_other_currency() {
    product()
        .given(active())
        .when(ProductCommand::AddVariant {
            variant: new_variant("TEE-L", "L", eur(2199), 4),
        })
        .then_expect_error(ProductError::CurrencyMismatch {
            expected: usd(0).currency,
            found: eur(0).currency,
        });
}

#[test]
fn rejects_variant_with_negative_price() {
    product()
        .given(active())
        .when(ProductCommand::AddVariant {
            variant: new_variant("TEE-L", "L", usd(-1), 4),
        })
        .then_expect_error(ProductError::InvalidPrice {
            sku: "TEE-L".into(),
            price: usd(-1),
        });
}

#[test]
fn rejects_variant_with_malformed_sku() {
    product()
        .given(active())
        .when(ProductCommand::AddVariant {
            variant: new_variant("TEE L", "L", usd(2199), 4),
        })
        .then_expect_error(ProductError::InvalidSku {
            sku: "TEE L".into(),
        });
}

#[test]
fn rejects_variant_when_product_missing() {
    product()
        .given_no_previous_events()
        .when(ProductCommand::AddVariant { variant: large() })
        .then_expect_error(ProductError::NotFound);
}

#[test]
fn changes_variant_price() {
    product()
        .given(active())
        .when(change_price(SMALL, usd(1499)))
        .then_expect_events(vec![ProductEvent::VariantPriceChanged {
            sku: SMALL.into(),
            old_price: usd(1999),
            new_price: usd(1499),
        }]);
}

#[test]
fn emits_nothing_when_price_unchanged() {
    product()
        .given(active())
        .when(change_price(SMALL, usd(1999)))
        .then_expect_events(vec![]);
}

#[test]
fn rejects_price_change_for_unknown_sku() {
    product()
        .given(active())
        .when(change_price("NOPE", usd(1499)))
        .then_expect_error(ProductError::UnknownSku { sku: "NOPE".into() });
}

#[test]
fn rejects_price_change_to_zero() {
    product()
        .given(active())
        .when(change_price(SMALL, usd(0)))
        .then_expect_error(ProductError::InvalidPrice {
            sku: SMALL.into(),
            price: usd(0),
        });
}

#[test]
fn rejects_price_change_in_other_currency() {
    product()
        .given(active())
        .when(change_price(SMALL, eur(1499)))
        .then_expect_error(ProductError::CurrencyMismatch {
            expected: usd(0).currency,
            found: eur(0).currency,
        });
}

#[test]
fn rejects_price_change_when_product_archived() {
    product()
        .given(archived())
        .when(change_price(SMALL, usd(1499)))
        .then_expect_error(ProductError::Archived);
}

#[test]
fn rejects_price_change_when_product_missing() {
    product()
        .given_no_previous_events()
        .when(change_price(SMALL, usd(1499)))
        .then_expect_error(ProductError::NotFound);
}
