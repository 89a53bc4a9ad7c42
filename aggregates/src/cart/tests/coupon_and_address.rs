//! Applying and removing coupon codes; setting the shipping address.

use super::*;
use crate::cart::CartError;
use crate::common::AddressError;

fn apply(code: &str) -> CartCommand {
    CartCommand::ApplyCoupon {
        shopper: owner().into(),
        code: code.into(),
    }
}

fn coupon_applied(code: &str) -> CartEvent {
    CartEvent::CouponApplied { code: code.into() }
}

fn set_address(address: Address) -> CartCommand {
    CartCommand::SetShippingAddress {
        shopper: owner().into(),
        address,
    }
}

#[test]
fn applies_coupon_code_normalised_to_upper_case() {
    framework()
        .given(vec![created()])
        .when(apply("  save-10_x "))
        .then_expect_events(vec![coupon_applied("SAVE-10_X")]);
}

#[test]
fn replaces_previously_applied_coupon() {
    framework()
        .given(vec![created(), coupon_applied("SAVE10")])
        .when(apply("WELCOME"))
        .then_expect_events(vec![coupon_applied("WELCOME")]);
}

#[test]
fn records_nothing_when_same_coupon_applied_again() {
    framework()
        .given(vec![created(), coupon_applied("SAVE10")])
        .when(apply("save10"))
        .then_expect_events(vec![]);
}

#[test]
fn rejects_coupon_code_shorter_than_three_characters() {
    framework()
        .given(vec![created()])
        .when(apply("AB"))
        .then_expect_error(CartError::InvalidCouponCode { code: "AB".into() });
}

#[test]
fn rejects_coupon_code_longer_than_thirty_two_characters() {
    let code = "A".repeat(33);
    framework()
        .given(vec![created()])
        .when(apply(&code))
        .then_expect_error(CartError::InvalidCouponCode { code });
}

#[test]
fn rejects_coupon_code_with_invalid_characters() {
    framework()
        .given(vec![created()])
        .when(apply("SAVE 10%"))
        .then_expect_error(CartError::InvalidCouponCode {
            code: "SAVE 10%".into(),
        });
}

#[test]
fn removes_applied_coupon() {
    framework()
        .given(vec![created(), coupon_applied("SAVE10")])
        .when(CartCommand::RemoveCoupon {
            shopper: owner().into(),
        })
        .then_expect_events(vec![CartEvent::CouponRemoved {
            code: "SAVE10".into(),
        }]);
}

#[test]
fn rejects_coupon_removal_when_none_applied() {
    framework()
        .given(vec![created()])
        .when(CartCommand::RemoveCoupon {
            shopper: owner().into(),
        })
        .then_expect_error(CartError::NoCouponApplied);
}

#[test]
fn rejects_coupon_removal_when_coupon_already_removed() {
    framework()
        .given(vec![
            created(),
            coupon_applied("SAVE10"),
            CartEvent::CouponRemoved {
                code: "SAVE10".into(),
            },
        ])
        .when(CartCommand::RemoveCoupon {
            shopper: owner().into(),
        })
        .then_expect_error(CartError::NoCouponApplied);
}

#[test]
fn sets_shipping_address() {
    framework()
        .given(vec![created()])
        .when(set_address(address()))
        .then_expect_events(vec![address_set()]);
}

#[test]
fn trims_shipping_address_fields() {
    let mut untidy = address();
    untidy.name = "  Ada Lovelace ".into();
    untidy.city = "London  ".into();
    untidy.line2 = Some("   ".into());
    untidy.country = " GB ".into();
    framework()
        .given(vec![created()])
        .when(set_address(untidy))
        .then_expect_events(vec![address_set()]);
}

#[test]
fn replaces_shipping_address() {
    let mut moved = address();
    moved.line1 = "1 Infinite Loop".into();
    framework()
        .given(vec![created(), address_set()])
        .when(set_address(moved.clone()))
        .then_expect_events(vec![CartEvent::ShippingAddressSet { address: moved }]);
}

#[test]
fn records_nothing_when_same_address_set_again() {
    framework()
        .given(vec![created(), address_set()])
        .when(set_address(address()))
        .then_expect_events(vec![]);
}

#[test]
fn rejects_shipping_address_without_city() {
    let mut incomplete = address();
    incomplete.city = " ".into();
    framework()
        .given(vec![created()])
        .when(set_address(incomplete))
        .then_expect_error(CartError::InvalidAddress(AddressError::MissingField(
            "city",
        )));
}

#[test]
fn rejects_shipping_address_with_invalid_country() {
    let mut wrong = address();
    wrong.country = "GBR".into();
    framework()
        .given(vec![created()])
        .when(set_address(wrong))
        .then_expect_error(CartError::InvalidAddress(AddressError::InvalidCountry));
}
