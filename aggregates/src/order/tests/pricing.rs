//! Worked examples of order pricing: discounts, allocation, shipping, tax rounding, errors.

use super::*;
use crate::money::MoneyError;
use crate::order::{allocate, price_order, LineAmount, PricingError, MAX_TAX_RATE_BPS};

fn amount(unit_price: i64, quantity: u32) -> LineAmount {
    LineAmount {
        unit_price: usd(unit_price),
        quantity,
    }
}

fn flat(rate: i64) -> ShippingPolicy {
    ShippingPolicy {
        flat_rate: usd(rate),
        free_above: None,
    }
}

fn discounts(lines: &[LineAmount], discount: Discount) -> Vec<i64> {
    let priced = price_order(lines, Some(&discount), &flat(0), 0).expect("prices");
    priced.lines.iter().map(|l| l.discount.minor).collect()
}

#[test]
fn prices_reference_order() {
    let priced = price_order(
        &[amount(1500, 2), amount(800, 1)],
        Some(&Discount::Percent(10)),
        &shipping(),
        2000,
    )
    .expect("prices");
    assert_eq!(
        priced.totals,
        OrderTotals {
            subtotal: usd(3800),
            discount: usd(380),
            shipping: usd(500),
            tax: usd(684),
            total: usd(4604),
        }
    );
    assert_eq!(priced.lines[0].total, usd(3000 - 300 + 540));
}

#[test]
fn charges_no_discount_without_coupon() {
    let priced = price_order(&[amount(999, 3)], None, &flat(0), 0).expect("prices");
    assert_eq!(priced.totals.discount, usd(0));
    assert_eq!(priced.totals.total, usd(2997));
}

#[test]
fn allocates_leftover_cents_to_largest_remainders() {
    // 10 % of 3 × 3.33 = 0.999 → 1.00; shares 33.3 each → 34 / 33 / 33 (tie → first line).
    assert_eq!(
        discounts(
            &[amount(333, 1), amount(333, 1), amount(334, 1)],
            Discount::Percent(10)
        ),
        vec![33, 33, 34]
    );
    assert_eq!(
        discounts(
            &[amount(100, 1), amount(100, 1), amount(100, 1)],
            Discount::Fixed(usd(100))
        ),
        vec![34, 33, 33]
    );
}

#[test]
fn allocates_fixed_discount_proportionally() {
    assert_eq!(
        discounts(
            &[amount(1000, 3), amount(1000, 1)],
            Discount::Fixed(usd(1000))
        ),
        vec![750, 250]
    );
}

#[test]
fn caps_fixed_discount_at_subtotal_and_zeroes_lines() {
    let priced = price_order(
        &[amount(500, 1), amount(250, 2)],
        Some(&Discount::Fixed(usd(5000))),
        &flat(300),
        2000,
    )
    .expect("prices");
    assert_eq!(priced.totals.discount, usd(1000));
    assert!(priced.lines.iter().all(|l| l.total == usd(0)));
    assert_eq!(priced.totals.total, usd(300));
}

#[test]
fn full_percent_discount_leaves_only_shipping() {
    let priced = price_order(
        &[amount(1234, 2)],
        Some(&Discount::Percent(100)),
        &flat(499),
        2000,
    )
    .expect("prices");
    assert_eq!(priced.totals.tax, usd(0));
    assert_eq!(priced.totals.total, usd(499));
}

#[test]
fn ships_free_when_discounted_subtotal_reaches_threshold() {
    let priced = price_order(&[amount(5000, 1)], None, &shipping(), 0).expect("prices");
    assert_eq!(priced.totals.shipping, usd(0));
}

#[test]
fn charges_shipping_just_below_threshold() {
    let priced = price_order(&[amount(4999, 1)], None, &shipping(), 0).expect("prices");
    assert_eq!(priced.totals.shipping, usd(500));
}

#[test]
fn compares_threshold_with_subtotal_after_discount() {
    let priced = price_order(
        &[amount(5200, 1)],
        Some(&Discount::Percent(10)),
        &shipping(),
        0,
    )
    .expect("prices");
    assert_eq!(priced.totals.shipping, usd(500));
    assert_eq!(priced.totals.total, usd(4680 + 500));
}

#[test]
fn does_not_tax_shipping() {
    let priced = price_order(&[amount(1000, 1)], None, &flat(500), 2000).expect("prices");
    assert_eq!(priced.totals.tax, usd(200));
    assert_eq!(priced.totals.total, usd(1700));
}

#[test]
fn rounds_each_line_tax_half_away_from_zero() {
    // 5 % of 0.10 = 0.005 → 0.01 per line; 5 % of 0.09 = 0.0045 → 0.00.
    let priced = price_order(&[amount(10, 1), amount(9, 1)], None, &flat(0), 500).expect("prices");
    let taxes: Vec<i64> = priced.lines.iter().map(|l| l.tax.minor).collect();
    assert_eq!(taxes, vec![1, 0]);
    assert_eq!(priced.totals.tax, usd(1));
}

#[test]
fn taxes_the_discounted_line_total() {
    let priced = price_order(
        &[amount(1000, 1)],
        Some(&Discount::Fixed(usd(250))),
        &flat(0),
        2000,
    )
    .expect("prices");
    assert_eq!(priced.lines[0].tax, usd(150));
}

#[test]
fn allocation_rejects_amount_larger_than_weights() {
    assert_eq!(
        allocate(usd(11), &[usd(5), usd(5)]),
        Err(PricingError::InvalidAllocation { amount: usd(11) })
    );
}

#[test]
fn allocation_of_zero_is_all_zero() {
    assert_eq!(
        allocate(usd(0), &[usd(5), usd(0)]),
        Ok(vec![usd(0), usd(0)])
    );
}

#[test]
fn rejects_pricing_without_lines() {
    assert_eq!(
        price_order(&[], None, &flat(0), 0),
        Err(PricingError::NoLines)
    );
}

#[test]
fn rejects_pricing_with_zero_quantity() {
    assert_eq!(
        price_order(&[amount(100, 1), amount(100, 0)], None, &flat(0), 0),
        Err(PricingError::ZeroQuantity { index: 1 })
    );
}

#[test]
fn rejects_pricing_with_negative_price() {
    assert_eq!(
        price_order(&[amount(-100, 1)], None, &flat(0), 0),
        Err(PricingError::NonPositivePrice { index: 0 })
    );
}

#[test]
fn rejects_percent_discount_above_hundred() {
    assert_eq!(
        price_order(
            &[amount(100, 1)],
            Some(&Discount::Percent(101)),
            &flat(0),
            0
        ),
        Err(PricingError::InvalidDiscount)
    );
}

#[test]
fn rejects_non_positive_fixed_discount() {
    assert_eq!(
        price_order(
            &[amount(100, 1)],
            Some(&Discount::Fixed(usd(0))),
            &flat(0),
            0
        ),
        Err(PricingError::InvalidDiscount)
    );
}

#[test]
fn rejects_fixed_discount_in_another_currency() {
    assert_eq!(
        price_order(
            &[amount(100, 1)],
            Some(&Discount::Fixed(eur(10))),
            &flat(0),
            0
        ),
        Err(PricingError::CurrencyMismatch {
            expected: usd_currency(),
            found: eur(0).currency,
        })
    );
}

#[test]
fn rejects_negative_flat_rate() {
    assert_eq!(
        price_order(&[amount(100, 1)], None, &flat(-1), 0),
        Err(PricingError::InvalidShippingPolicy)
    );
}

#[test]
fn rejects_free_shipping_threshold_in_another_currency() {
    let policy = ShippingPolicy {
        flat_rate: usd(500),
        free_above: Some(eur(5000)),
    };
    assert_eq!(
        price_order(&[amount(100, 1)], None, &policy, 0),
        Err(PricingError::CurrencyMismatch {
            expected: usd_currency(),
            found: eur(0).currency,
        })
    );
}

#[test]
fn rejects_tax_rate_above_maximum() {
    assert_eq!(
        price_order(&[amount(100, 1)], None, &flat(0), MAX_TAX_RATE_BPS + 1),
        Err(PricingError::TaxRateTooHigh {
            bps: MAX_TAX_RATE_BPS + 1,
            max: MAX_TAX_RATE_BPS,
        })
    );
}

#[test]
fn reports_overflow_instead_of_wrapping() {
    assert_eq!(
        price_order(&[amount(i64::MAX, 2)], None, &flat(0), 0),
        Err(PricingError::Money(MoneyError::Overflow))
    );
}
