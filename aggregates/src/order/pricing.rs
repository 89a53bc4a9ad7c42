//! Pure order pricing: subtotal, coupon discount allocated across lines, shipping, tax and
//! total, all in integer minor units so that every figure reconciles exactly.
//!
//! Rules, in order:
//! 1. `line_total = unit_price × quantity`; `subtotal = Σ line_total`.
//! 2. `discount = Discount::amount_for(subtotal)` (percent rounded half away from zero, fixed
//!    capped at the subtotal), then allocated across lines in proportion to their totals with
//!    the largest-remainder method (ties go to the earlier line), so the per-line discounts sum
//!    exactly to the discount and never exceed their line.
//! 3. `shipping = 0` when the discounted subtotal is at least `free_above`, else `flat_rate`.
//! 4. `tax` per line = round half away from zero of `(line_total − discount) × rate`. Shipping is
//!    **not** taxed. The order's tax is the sum of the line taxes (so it always reconciles).
//! 5. `total = (subtotal − discount) + shipping + tax = Σ line.total + shipping`.

use serde::{Deserialize, Serialize};

use crate::common::Discount;
use crate::error_kind::ErrorKind;
use crate::money::{Currency, Money, MoneyError};

/// Highest accepted tax rate in basis points (100 %).
pub const MAX_TAX_RATE_BPS: u32 = 10_000;
/// Basis points in one whole.
const BPS_PER_UNIT: i64 = 10_000;

/// How shipping is charged: a flat rate, waived from a discounted-subtotal threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ShippingPolicy {
    /// Charged when the order does not qualify for free shipping (zero or more).
    pub flat_rate: Money,
    /// Shipping is free when the discounted subtotal is at least this much.
    pub free_above: Option<Money>,
}

/// What pricing needs to know about one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAmount {
    /// Price per item, positive.
    pub unit_price: Money,
    /// Number of items, at least 1.
    pub quantity: u32,
}

/// The priced breakdown of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePricing {
    /// `unit_price × quantity`, before discount.
    pub line_total: Money,
    /// This line's share of the order discount.
    pub discount: Money,
    /// Tax on the discounted line total.
    pub tax: Money,
    /// `line_total − discount + tax`.
    pub total: Money,
}

/// The order's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderTotals {
    /// Σ line totals, before discount.
    pub subtotal: Money,
    /// The coupon discount (zero without a coupon).
    pub discount: Money,
    /// Shipping charged (untaxed).
    pub shipping: Money,
    /// Σ line taxes.
    pub tax: Money,
    /// What the customer pays: `subtotal − discount + shipping + tax`.
    pub total: Money,
}

/// The result of pricing an order: one breakdown per input line, in order, and the totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedOrder {
    /// Per-line breakdown, same order as the input.
    pub lines: Vec<LinePricing>,
    /// The order's totals.
    pub totals: OrderTotals,
}

/// Why an order could not be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// There are no lines.
    #[error("an order needs at least one line")]
    NoLines,
    /// A line's quantity is zero.
    #[error("line {index} has quantity zero")]
    ZeroQuantity {
        /// Position of the line (0-based).
        index: usize,
    },
    /// A line's unit price is zero or negative.
    #[error("line {index} has a non-positive unit price")]
    NonPositivePrice {
        /// Position of the line (0-based).
        index: usize,
    },
    /// An amount is not in the order's currency (the first line's).
    #[error("amount in {found} but the order is in {expected}")]
    CurrencyMismatch {
        /// The order's currency.
        expected: Currency,
        /// The offending amount's currency.
        found: Currency,
    },
    /// A percent discount outside 1..=100 or a fixed discount that is not positive.
    #[error("invalid discount")]
    InvalidDiscount,
    /// A negative flat rate or free-shipping threshold.
    #[error("invalid shipping policy: amounts must not be negative")]
    InvalidShippingPolicy,
    /// The tax rate is above [`MAX_TAX_RATE_BPS`].
    #[error("tax rate {bps} bps exceeds {max} bps")]
    TaxRateTooHigh {
        /// The rate given.
        bps: u32,
        /// The maximum.
        max: u32,
    },
    /// An allocation asked to share a negative amount, more than the weights, or over
    /// negative weights.
    #[error("cannot allocate {amount} over the given weights")]
    InvalidAllocation {
        /// The amount to share.
        amount: Money,
    },
    /// Arithmetic overflowed.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl PricingError {
    /// A stable snake_case code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            PricingError::NoLines => "empty_order",
            PricingError::ZeroQuantity { .. } => "invalid_quantity",
            PricingError::NonPositivePrice { .. } => "invalid_price",
            PricingError::CurrencyMismatch { .. } => "currency_mismatch",
            PricingError::InvalidDiscount => "invalid_discount",
            PricingError::InvalidShippingPolicy => "invalid_shipping_policy",
            PricingError::TaxRateTooHigh { .. } => "invalid_tax_rate",
            PricingError::InvalidAllocation { .. } => "invalid_allocation",
            PricingError::Money(MoneyError::CurrencyMismatch(..)) => "currency_mismatch",
            PricingError::Money(_) => "amount_overflow",
        }
    }

    /// What kind of refusal this is: always invalid input, since pricing reads nothing but
    /// the amounts, rates and policy it is given.
    pub fn kind(&self) -> ErrorKind {
        match self {
            PricingError::NoLines
            | PricingError::ZeroQuantity { .. }
            | PricingError::NonPositivePrice { .. }
            | PricingError::CurrencyMismatch { .. }
            | PricingError::InvalidDiscount
            | PricingError::InvalidShippingPolicy
            | PricingError::TaxRateTooHigh { .. }
            | PricingError::InvalidAllocation { .. }
            | PricingError::Money(_) => ErrorKind::Invalid,
        }
    }
}

fn same_currency(expected: Currency, amount: &Money) -> Result<(), PricingError> {
    if amount.currency == expected {
        Ok(())
    } else {
        Err(PricingError::CurrencyMismatch {
            expected,
            found: amount.currency,
        })
    }
}

/// Checks the coupon discount against the order's currency.
fn check_discount(discount: &Discount, currency: Currency) -> Result<(), PricingError> {
    match discount {
        Discount::Percent(percent) if (1..=100).contains(percent) => Ok(()),
        Discount::Percent(_) => Err(PricingError::InvalidDiscount),
        Discount::Fixed(amount) => {
            same_currency(currency, amount)?;
            if amount.minor > 0 {
                Ok(())
            } else {
                Err(PricingError::InvalidDiscount)
            }
        }
    }
}

/// Checks the shipping policy against the order's currency.
fn check_shipping(policy: &ShippingPolicy, currency: Currency) -> Result<(), PricingError> {
    same_currency(currency, &policy.flat_rate)?;
    if policy.flat_rate.is_negative() {
        return Err(PricingError::InvalidShippingPolicy);
    }
    if let Some(threshold) = &policy.free_above {
        same_currency(currency, threshold)?;
        if threshold.is_negative() {
            return Err(PricingError::InvalidShippingPolicy);
        }
    }
    Ok(())
}

/// Shares `amount` across `weights` in proportion to them with the largest-remainder method.
///
/// The shares sum exactly to `amount`; each share is `⌊amount × w / Σw⌋` or one more, and never
/// exceeds its weight. Leftover units go to the largest remainders, ties to the earlier weight.
/// `amount` must be between zero and `Σ weights`, weights non-negative and in its currency.
pub fn allocate(amount: Money, weights: &[Money]) -> Result<Vec<Money>, PricingError> {
    let total_weight = check_weights(amount, weights)?;
    if i128::from(amount.minor) > total_weight {
        return Err(PricingError::InvalidAllocation { amount });
    }
    largest_remainder(amount, weights, total_weight)
}

/// Shares `amount` across `weights` like [`allocate`], without the bound: a share may exceed
/// its weight (shipping spread over cheaper lines). The weights must not all be zero unless
/// `amount` is.
pub fn spread(amount: Money, weights: &[Money]) -> Result<Vec<Money>, PricingError> {
    let total_weight = check_weights(amount, weights)?;
    if total_weight == 0 && amount.minor != 0 {
        return Err(PricingError::InvalidAllocation { amount });
    }
    largest_remainder(amount, weights, total_weight)
}

/// Σ `weights` once each is checked to be non-negative and in `amount`'s currency, and
/// `amount` non-negative.
fn check_weights(amount: Money, weights: &[Money]) -> Result<i128, PricingError> {
    let mut total_weight: i128 = 0;
    for weight in weights {
        same_currency(amount.currency, weight)?;
        if weight.is_negative() {
            return Err(PricingError::InvalidAllocation { amount });
        }
        total_weight += i128::from(weight.minor);
    }
    if amount.is_negative() {
        return Err(PricingError::InvalidAllocation { amount });
    }
    Ok(total_weight)
}

fn largest_remainder(
    amount: Money,
    weights: &[Money],
    total_weight: i128,
) -> Result<Vec<Money>, PricingError> {
    let currency = amount.currency;
    let share_out = i128::from(amount.minor);
    if share_out == 0 {
        return Ok(vec![Money::zero(currency); weights.len()]);
    }
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (index, weight) in weights.iter().enumerate() {
        let scaled = share_out * i128::from(weight.minor);
        shares.push(scaled / total_weight);
        remainders.push((scaled % total_weight, index));
    }
    let leftover = share_out - shares.iter().sum::<i128>();
    // Largest remainder first; equal remainders keep input order.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, index) in remainders
        .iter()
        .take(usize::try_from(leftover).unwrap_or(0))
    {
        shares[index] += 1;
    }
    shares
        .into_iter()
        .map(|share| {
            let minor = i64::try_from(share).map_err(|_| MoneyError::Overflow)?;
            Ok(Money::new(minor, currency))
        })
        .collect()
}

/// Prices an order; see the module documentation for the rules.
///
/// The order's currency is the first line's; every amount must be in it.
pub fn price_order(
    lines: &[LineAmount],
    discount: Option<&Discount>,
    shipping: &ShippingPolicy,
    tax_rate_bps: u32,
) -> Result<PricedOrder, PricingError> {
    let first = lines.first().ok_or(PricingError::NoLines)?;
    let currency = first.unit_price.currency;
    let mut line_totals = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        same_currency(currency, &line.unit_price)?;
        if line.quantity == 0 {
            return Err(PricingError::ZeroQuantity { index });
        }
        if line.unit_price.minor <= 0 {
            return Err(PricingError::NonPositivePrice { index });
        }
        line_totals.push(line.unit_price.checked_mul(i64::from(line.quantity))?);
    }
    if let Some(discount) = discount {
        check_discount(discount, currency)?;
    }
    check_shipping(shipping, currency)?;
    if tax_rate_bps > MAX_TAX_RATE_BPS {
        return Err(PricingError::TaxRateTooHigh {
            bps: tax_rate_bps,
            max: MAX_TAX_RATE_BPS,
        });
    }

    let subtotal = Money::sum(currency, &line_totals)?;
    let order_discount = match discount {
        Some(discount) => discount.amount_for(&subtotal)?,
        None => Money::zero(currency),
    };
    let allocations = allocate(order_discount, &line_totals)?;
    let mut priced = Vec::with_capacity(lines.len());
    for (line_total, line_discount) in line_totals.iter().zip(allocations) {
        let discounted = line_total.checked_sub(&line_discount)?;
        let tax = discounted.checked_mul_ratio_round(i64::from(tax_rate_bps), BPS_PER_UNIT)?;
        priced.push(LinePricing {
            line_total: *line_total,
            discount: line_discount,
            tax,
            total: discounted.checked_add(&tax)?,
        });
    }
    let discounted_subtotal = subtotal.checked_sub(&order_discount)?;
    let free = shipping
        .free_above
        .is_some_and(|threshold| discounted_subtotal.minor >= threshold.minor);
    let shipping_charge = if free {
        Money::zero(currency)
    } else {
        shipping.flat_rate
    };
    let tax = Money::sum(currency, priced.iter().map(|line| &line.tax))?;
    let total = discounted_subtotal
        .checked_add(&shipping_charge)?
        .checked_add(&tax)?;
    Ok(PricedOrder {
        lines: priced,
        totals: OrderTotals {
            subtotal,
            discount: order_discount,
            shipping: shipping_charge,
            tax,
            total,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_kind::spec::assert_kinds_follow_codes;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("valid currency"))
    }

    /// One value of every variant, and of both codes a money error can have.
    fn every_variant() -> Vec<PricingError> {
        let eur = Currency::parse("EUR").expect("valid currency");
        vec![
            PricingError::NoLines,
            PricingError::ZeroQuantity { index: 0 },
            PricingError::NonPositivePrice { index: 0 },
            PricingError::CurrencyMismatch {
                expected: usd(0).currency,
                found: eur,
            },
            PricingError::InvalidDiscount,
            PricingError::InvalidShippingPolicy,
            PricingError::TaxRateTooHigh {
                bps: 20_000,
                max: MAX_TAX_RATE_BPS,
            },
            PricingError::InvalidAllocation { amount: usd(-1) },
            PricingError::Money(MoneyError::CurrencyMismatch(usd(0).currency, eur)),
            PricingError::Money(MoneyError::Overflow),
        ]
    }

    #[test]
    fn pricing_errors_are_invalid_input() {
        assert_eq!(PricingError::NoLines.kind(), ErrorKind::Invalid);
        assert_eq!(PricingError::InvalidDiscount.kind(), ErrorKind::Invalid);
        assert_eq!(
            PricingError::Money(MoneyError::Overflow).kind(),
            ErrorKind::Invalid
        );
    }

    #[test]
    fn every_error_keeps_its_status_kind() {
        assert_kinds_follow_codes(&every_variant(), PricingError::kind, PricingError::code);
    }
}
