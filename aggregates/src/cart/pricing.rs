//! What a cart would cost if it were checked out now, by the code the checkout runs: the
//! order's pricing ([`price_order`], which `PlaceOrder` prices with) with the coupon's
//! discount when [`Coupon::check_eligibility`] (which its redemption at checkout decides by)
//! lets the coupon apply, and otherwise why it does not.
//!
//! A coupon that does not apply is priced as no coupon: that is the order the customer gets
//! once they remove it (the checkout refuses the cart while it holds the coupon).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::common::{Discount, Role};
use crate::coupon::{Coupon, CouponError};
use crate::money::{Currency, Money};
use crate::order::{price_order, LineAmount, OrderTotals, PricingError, ShippingPolicy};

/// The cart's coupon and who would redeem it when.
#[derive(Debug, Clone, Copy)]
pub struct CouponOffer<'a> {
    /// The coupon as it stands (the default state when no such coupon exists).
    pub coupon: &'a Coupon,
    /// The cart's owner.
    pub customer_id: Uuid,
    /// The owner's role.
    pub role: Role,
    /// When the checkout would redeem it (now).
    pub at: DateTime<Utc>,
}

/// Why a cart's coupon would not be redeemed at checkout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CouponRefusal {
    /// No coupon has this code.
    #[error("no coupon has this code")]
    Unknown,
    /// The coupon was deactivated.
    #[error("the coupon is no longer active")]
    Inactive,
    /// Its validity has not started.
    #[error("the coupon is valid from {starts_at}")]
    NotYetValid {
        /// When it starts.
        starts_at: DateTime<Utc>,
    },
    /// Its validity has ended.
    #[error("the coupon expired at {expired_at}")]
    Expired {
        /// When it ended.
        expired_at: DateTime<Utc>,
    },
    /// The owner's role may not use it.
    #[error("the coupon is not for the {} role", role.as_str())]
    RoleNotEligible {
        /// The owner's role.
        role: Role,
    },
    /// It is bound to another currency than the cart's.
    #[error("the coupon is for carts in {expected}")]
    CurrencyMismatch {
        /// The coupon's currency.
        expected: Currency,
    },
    /// The subtotal is below its minimum.
    #[error("the subtotal is below the coupon's minimum of {minimum}")]
    BelowMinimumSubtotal {
        /// The minimum subtotal (minor units).
        minimum: Money,
    },
    /// It has no redemptions left.
    #[error("the coupon has no redemptions left")]
    Exhausted,
    /// The owner has used it as often as allowed.
    #[error("the coupon was used {limit} times by this customer already")]
    CustomerLimitReached {
        /// Redemptions allowed per customer.
        limit: u32,
    },
    /// Anything else the coupon refuses (an amount out of range).
    #[error("the coupon cannot be applied to this cart")]
    Invalid,
}

impl CouponRefusal {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            CouponRefusal::Unknown => "unknown",
            CouponRefusal::Inactive => "inactive",
            CouponRefusal::NotYetValid { .. } => "not_yet_valid",
            CouponRefusal::Expired { .. } => "expired",
            CouponRefusal::RoleNotEligible { .. } => "role_not_eligible",
            CouponRefusal::CurrencyMismatch { .. } => "currency_mismatch",
            CouponRefusal::BelowMinimumSubtotal { .. } => "below_min_subtotal",
            CouponRefusal::Exhausted => "exhausted",
            CouponRefusal::CustomerLimitReached { .. } => "customer_limit_reached",
            CouponRefusal::Invalid => "invalid",
        }
    }
}

impl From<CouponError> for CouponRefusal {
    fn from(error: CouponError) -> Self {
        match error {
            CouponError::NotFound => CouponRefusal::Unknown,
            CouponError::Inactive => CouponRefusal::Inactive,
            CouponError::NotYetValid { starts_at } => CouponRefusal::NotYetValid { starts_at },
            CouponError::Expired { expired_at } => CouponRefusal::Expired { expired_at },
            CouponError::RoleNotEligible { role } => CouponRefusal::RoleNotEligible { role },
            CouponError::CurrencyMismatch { expected, .. } => {
                CouponRefusal::CurrencyMismatch { expected }
            }
            CouponError::BelowMinimumSubtotal { minimum, .. } => {
                CouponRefusal::BelowMinimumSubtotal { minimum }
            }
            CouponError::Exhausted { .. } => CouponRefusal::Exhausted,
            CouponError::CustomerLimitReached { limit } => {
                CouponRefusal::CustomerLimitReached { limit }
            }
            _ => CouponRefusal::Invalid,
        }
    }
}

/// A cart priced as the order it would place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartPricing {
    /// The order's totals: zero for a cart without lines (nothing to ship).
    pub totals: OrderTotals,
    /// Whether the cart's coupon applies (`None` without a coupon).
    pub coupon: Option<Result<(), CouponRefusal>>,
}

/// Prices a cart's lines in `currency` (see the module documentation).
pub fn price_cart(
    lines: &[LineAmount],
    currency: Currency,
    coupon: Option<CouponOffer<'_>>,
    shipping: &ShippingPolicy,
    tax_rate_bps: u32,
) -> Result<CartPricing, PricingError> {
    let mut line_totals = Vec::with_capacity(lines.len());
    for line in lines {
        line_totals.push(line.unit_price.checked_mul(i64::from(line.quantity))?);
    }
    let subtotal = Money::sum(currency, &line_totals)?;
    let verdict = coupon.map(|offer| {
        offer
            .coupon
            .check_eligibility(offer.customer_id, offer.role, subtotal, offer.at)
            .map(|_| ())
            .map_err(CouponRefusal::from)
    });
    let discount: Option<Discount> = match (&verdict, coupon) {
        (Some(Ok(())), Some(offer)) => offer.coupon.terms().map(|terms| terms.discount),
        _ => None,
    };
    let totals = if lines.is_empty() {
        let zero = Money::zero(currency);
        OrderTotals {
            subtotal: zero,
            discount: zero,
            shipping: zero,
            tax: zero,
            total: zero,
        }
    } else {
        price_order(lines, discount.as_ref(), shipping, tax_rate_bps)?.totals
    };
    Ok(CartPricing {
        totals,
        coupon: verdict,
    })
}
