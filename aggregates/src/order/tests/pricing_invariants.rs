//! Reconciliation invariants of pricing, checked over thousands of deterministically
//! generated orders (a fixed-seed generator; no randomness between runs).

use super::*;
use crate::order::{allocate, price_order, LineAmount, PricedOrder};

/// A small deterministic generator (64-bit LCG, Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// Uniform-ish in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn minor(&mut self, low: u64, high: u64) -> i64 {
        i64::try_from(self.between(low, high)).expect("small value")
    }
}

struct Case {
    lines: Vec<LineAmount>,
    discount: Option<Discount>,
    policy: ShippingPolicy,
    tax_rate_bps: u32,
}

fn generate(rng: &mut Lcg) -> Case {
    let count = rng.between(1, 12);
    let lines = (0..count)
        .map(|_| LineAmount {
            // Mostly small prices, sometimes large ones.
            unit_price: usd(if rng.between(0, 9) == 0 {
                rng.minor(1, 5_000_000)
            } else {
                rng.minor(1, 20_000)
            }),
            quantity: u32::try_from(rng.between(1, 99)).expect("small value"),
        })
        .collect();
    let discount = match rng.between(0, 3) {
        0 => None,
        1 | 2 => Some(Discount::Percent(
            u8::try_from(rng.between(1, 100)).expect("small value"),
        )),
        _ => Some(Discount::Fixed(usd(rng.minor(1, 500_000)))),
    };
    let policy = ShippingPolicy {
        flat_rate: usd(rng.minor(0, 2_000)),
        free_above: (rng.between(0, 1) == 0).then(|| usd(rng.minor(0, 300_000))),
    };
    let tax_rate_bps = u32::try_from(rng.between(0, 10_000)).expect("small value");
    Case {
        lines,
        discount,
        policy,
        tax_rate_bps,
    }
}

fn check(case: &Case, priced: &PricedOrder) {
    let totals = &priced.totals;
    let minor_sum =
        |f: fn(&crate::order::LinePricing) -> i64| -> i64 { priced.lines.iter().map(f).sum() };
    assert_eq!(priced.lines.len(), case.lines.len());
    // Σ line totals + shipping == total, to the minor unit.
    assert_eq!(
        minor_sum(|l| l.total.minor) + totals.shipping.minor,
        totals.total.minor
    );
    // The allocations sum exactly to the discount.
    assert_eq!(minor_sum(|l| l.discount.minor), totals.discount.minor);
    assert_eq!(minor_sum(|l| l.line_total.minor), totals.subtotal.minor);
    assert_eq!(minor_sum(|l| l.tax.minor), totals.tax.minor);
    assert_eq!(
        totals.subtotal.minor - totals.discount.minor + totals.shipping.minor + totals.tax.minor,
        totals.total.minor
    );
    assert!(totals.discount.minor <= totals.subtotal.minor);
    for (input, line) in case.lines.iter().zip(&priced.lines) {
        assert_eq!(
            line.line_total.minor,
            input.unit_price.minor * i64::from(input.quantity)
        );
        assert!((0..=line.line_total.minor).contains(&line.discount.minor));
        // Each share is within one minor unit of its exact proportional share.
        let exact_times_subtotal =
            i128::from(totals.discount.minor) * i128::from(line.line_total.minor);
        let share_times_subtotal =
            i128::from(line.discount.minor) * i128::from(totals.subtotal.minor);
        assert!(
            (share_times_subtotal - exact_times_subtotal).abs() < i128::from(totals.subtotal.minor)
        );
        // Tax is the rounded rate of the discounted line, never negative.
        let taxable = line.line_total.minor - line.discount.minor;
        let tax_times_unit = i128::from(line.tax.minor) * 10_000;
        let exact = i128::from(taxable) * i128::from(case.tax_rate_bps);
        assert!(2 * (tax_times_unit - exact).abs() <= 10_000);
        assert_eq!(line.total.minor, taxable + line.tax.minor);
    }
    let discounted = totals.subtotal.minor - totals.discount.minor;
    let free = case
        .policy
        .free_above
        .is_some_and(|threshold| discounted >= threshold.minor);
    let expected_shipping = if free { 0 } else { case.policy.flat_rate.minor };
    assert_eq!(totals.shipping.minor, expected_shipping);
}

#[test]
fn lines_plus_shipping_reconcile_with_total_over_generated_orders() {
    let mut rng = Lcg(0x5EED_0DE2);
    for _ in 0..5_000 {
        let case = generate(&mut rng);
        let priced = price_order(
            &case.lines,
            case.discount.as_ref(),
            &case.policy,
            case.tax_rate_bps,
        )
        .expect("generated orders are valid");
        check(&case, &priced);
    }
}

#[test]
fn allocations_sum_to_amount_over_generated_weights() {
    let mut rng = Lcg(0xA110C);
    for _ in 0..5_000 {
        let count = usize::try_from(rng.between(1, 20)).expect("small value");
        let weights: Vec<Money> = (0..count)
            .map(|_| {
                usd(if rng.between(0, 4) == 0 {
                    0
                } else {
                    rng.minor(1, 1_000_000)
                })
            })
            .collect();
        let total: i64 = weights.iter().map(|w| w.minor).sum();
        let amount = if total == 0 {
            0
        } else {
            rng.minor(0, total.unsigned_abs())
        };
        let shares = allocate(usd(amount), &weights).expect("valid allocation");
        assert_eq!(shares.iter().map(|s| s.minor).sum::<i64>(), amount);
        for (share, weight) in shares.iter().zip(&weights) {
            assert!((0..=weight.minor).contains(&share.minor));
            if weight.minor == 0 {
                assert_eq!(share.minor, 0);
            }
        }
    }
}

#[test]
fn pricing_is_deterministic() {
    let mut first = Lcg(7);
    let mut second = Lcg(7);
    for _ in 0..200 {
        let (a, b) = (generate(&mut first), generate(&mut second));
        let priced_a = price_order(&a.lines, a.discount.as_ref(), &a.policy, a.tax_rate_bps);
        let priced_b = price_order(&b.lines, b.discount.as_ref(), &b.policy, b.tax_rate_bps);
        assert_eq!(priced_a, priced_b);
    }
}
