//! Placing an order: pricing into the event, and every invariant `PlaceOrder` guards.

use super::*;
use crate::common::AddressError;
use crate::order::{OrderError, PricingError, MAX_LINES, MAX_LINE_NAME_LEN, MAX_TAX_RATE_BPS};

fn rejects(place: Place, error: OrderError) {
    framework()
        .given_no_previous_events()
        .when(place.command())
        .then_expect_error(error);
}

#[test]
fn places_order_with_priced_lines_and_totals() {
    framework()
        .given_no_previous_events()
        .when(Place::default().command())
        .then_expect_events(vec![placed()]);
}

#[test]
fn places_order_without_coupon_at_full_price() {
    let events = framework()
        .given_no_previous_events()
        .when(
            Place {
                coupon: None,
                ..Place::default()
            }
            .command(),
        )
        .inspect_result()
        .expect("order is placed");
    let order = replay(events);
    let totals = order.totals().expect("priced");
    assert_eq!(totals.discount, usd(0));
    assert_eq!(totals.tax, usd(760));
    assert_eq!(totals.total, usd(3800 + 500 + 760));
    assert_eq!(order.coupon(), None);
}

#[test]
fn normalises_names_skus_and_coupon_code_when_placing() {
    let mut place = Place::default();
    place.lines[0].name = "  T-shirt ".into();
    place.lines[0].sku = " TEE-M ".into();
    place.coupon = Some(AppliedCoupon {
        code: " save10 ".into(),
        discount: Discount::Percent(10),
    });
    place.address.city = " London ".into();
    framework()
        .given_no_previous_events()
        .when(place.command())
        .then_expect_events(vec![placed()]);
}

#[test]
fn rejects_placement_when_order_already_exists() {
    framework()
        .given(vec![placed()])
        .when(Place::default().command())
        .then_expect_error(OrderError::AlreadyExists);
}

#[test]
fn rejects_placement_without_lines() {
    let place = Place {
        lines: vec![],
        ..Place::default()
    };
    rejects(place, OrderError::NoLines);
}

#[test]
fn rejects_placement_with_too_many_lines() {
    let lines = (0..=MAX_LINES)
        .map(|i| line_input(&format!("SKU-{i}"), "Thing", 1, usd(100)))
        .collect();
    let place = Place {
        lines,
        ..Place::default()
    };
    rejects(place, OrderError::TooManyLines { max: MAX_LINES });
}

#[test]
fn rejects_placement_with_duplicate_sku() {
    let mut place = Place::default();
    place
        .lines
        .push(line_input("TEE-M", "T-shirt", 1, usd(1500)));
    rejects(
        place,
        OrderError::DuplicateSku {
            sku: "TEE-M".into(),
        },
    );
}

#[test]
fn rejects_placement_with_invalid_sku() {
    let mut place = Place::default();
    place.lines[1].sku = "MUG #2".into();
    rejects(
        place,
        OrderError::InvalidSku {
            sku: "MUG #2".into(),
        },
    );
}

#[test]
fn rejects_placement_with_blank_line_name() {
    let mut place = Place::default();
    place.lines[1].name = "   ".into();
    rejects(
        place,
        OrderError::InvalidLineName {
            sku: "MUG".into(),
            max: MAX_LINE_NAME_LEN,
        },
    );
}

#[test]
fn rejects_placement_with_overlong_line_name() {
    let mut place = Place::default();
    place.lines[1].name = "x".repeat(MAX_LINE_NAME_LEN + 1);
    rejects(
        place,
        OrderError::InvalidLineName {
            sku: "MUG".into(),
            max: MAX_LINE_NAME_LEN,
        },
    );
}

#[test]
fn rejects_placement_with_zero_quantity() {
    let mut place = Place::default();
    place.lines[0].quantity = 0;
    rejects(
        place,
        OrderError::InvalidQuantity {
            sku: "TEE-M".into(),
            quantity: 0,
            max: 99,
        },
    );
}

#[test]
fn rejects_placement_with_quantity_above_line_maximum() {
    let mut place = Place::default();
    place.lines[0].quantity = 100;
    rejects(
        place,
        OrderError::InvalidQuantity {
            sku: "TEE-M".into(),
            quantity: 100,
            max: 99,
        },
    );
}

#[test]
fn rejects_placement_with_non_positive_price() {
    let mut place = Place::default();
    place.lines[1].unit_price = usd(0);
    rejects(
        place,
        OrderError::Pricing(PricingError::NonPositivePrice { index: 1 }),
    );
}

#[test]
fn rejects_placement_with_lines_in_two_currencies() {
    let mut place = Place::default();
    place.lines[1].unit_price = eur(800);
    rejects(
        place,
        OrderError::Pricing(PricingError::CurrencyMismatch {
            expected: usd_currency(),
            found: eur(0).currency,
        }),
    );
}

#[test]
fn rejects_placement_with_shipping_in_another_currency() {
    let place = Place {
        policy: ShippingPolicy {
            flat_rate: eur(500),
            free_above: None,
        },
        ..Place::default()
    };
    rejects(
        place,
        OrderError::Pricing(PricingError::CurrencyMismatch {
            expected: usd_currency(),
            found: eur(0).currency,
        }),
    );
}

#[test]
fn rejects_placement_with_invalid_coupon_code() {
    let place = Place {
        coupon: Some(AppliedCoupon {
            code: "X".into(),
            discount: Discount::Percent(10),
        }),
        ..Place::default()
    };
    rejects(place, OrderError::InvalidCouponCode { code: "X".into() });
}

#[test]
fn rejects_placement_with_out_of_range_percent_discount() {
    let place = Place {
        coupon: Some(AppliedCoupon {
            code: "SAVE0".into(),
            discount: Discount::Percent(0),
        }),
        ..Place::default()
    };
    rejects(place, OrderError::Pricing(PricingError::InvalidDiscount));
}

#[test]
fn rejects_placement_with_invalid_shipping_address() {
    let mut place = Place::default();
    place.address.country = "gb".into();
    rejects(
        place,
        OrderError::InvalidAddress(AddressError::InvalidCountry),
    );
}

#[test]
fn rejects_placement_with_tax_rate_above_maximum() {
    let place = Place {
        tax_rate_bps: MAX_TAX_RATE_BPS + 1,
        ..Place::default()
    };
    rejects(
        place,
        OrderError::Pricing(PricingError::TaxRateTooHigh {
            bps: MAX_TAX_RATE_BPS + 1,
            max: MAX_TAX_RATE_BPS,
        }),
    );
}

#[test]
fn rejects_placement_when_totals_would_overflow() {
    let mut place = Place::default();
    place.lines[0].unit_price = usd(i64::MAX / 2);
    rejects(
        place,
        OrderError::Pricing(PricingError::Money(crate::money::MoneyError::Overflow)),
    );
}

/// `PlaceOrder` of the reference order by a guest giving `email`.
fn guest_command(email: Option<&str>) -> OrderCommand {
    let mut command = Place::default().command();
    if let OrderCommand::PlaceOrder {
        customer_id,
        guest_email,
        ..
    } = &mut command
    {
        *customer_id = None;
        *guest_email = email.map(str::to_owned);
    }
    command
}

#[test]
fn a_guest_order_records_the_guest_email_and_no_customer() {
    let mut expected = placed();
    if let OrderEvent::OrderPlaced {
        customer_id,
        guest_email,
        ..
    } = &mut expected
    {
        *customer_id = None;
        *guest_email = Some("guest@example.com".into());
    }
    framework()
        .given_no_previous_events()
        .when(guest_command(Some(" guest@example.com ")))
        .then_expect_events(vec![expected]);
}

#[test]
fn a_guest_order_needs_a_valid_email() {
    for email in [None, Some(""), Some("not-an-address")] {
        framework()
            .given_no_previous_events()
            .when(guest_command(email))
            .then_expect_error(OrderError::InvalidGuestEmail);
    }
}
