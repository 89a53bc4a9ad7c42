//! Why the coupon aggregate refused a command or a coupon is not applicable.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::common::Role;
use crate::error_kind::ErrorKind;
use crate::money::{Currency, Money, MoneyError};

/// A refused coupon command. Each variant has a stable [`code`](CouponError::code) and a
/// [`kind`](CouponError::kind).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CouponError {
    /// The coupon does not exist (yet).
    #[error("coupon not found")]
    NotFound,
    /// `CreateCoupon` for a code that already exists.
    #[error("coupon already exists")]
    AlreadyExists,
    /// The code is not 3..=32 characters of `[A-Z0-9_-]` (after upper-casing).
    #[error("invalid coupon code '{code}'")]
    InvalidCode {
        /// The code as given.
        code: String,
    },
    /// A percentage outside 1..=100.
    #[error("percent discount must be between 1 and 100, got {percent}")]
    InvalidPercent {
        /// The refused percentage.
        percent: u8,
    },
    /// A fixed discount that is zero or negative.
    #[error("fixed discount must be positive, got {amount}")]
    InvalidFixedAmount {
        /// The refused amount.
        amount: Money,
    },
    /// A negative minimum subtotal.
    #[error("minimum subtotal must not be negative, got {amount}")]
    InvalidMinSubtotal {
        /// The refused amount.
        amount: Money,
    },
    /// Amounts in different currencies (terms, or the subtotal against the terms).
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch {
        /// The coupon's currency.
        expected: Currency,
        /// The currency given.
        found: Currency,
    },
    /// `expires_at` is not after `starts_at`.
    #[error("coupon must expire after it starts ({starts_at} .. {expires_at})")]
    InvalidValidityWindow {
        /// The start.
        starts_at: DateTime<Utc>,
        /// The refused expiry.
        expires_at: DateTime<Utc>,
    },
    /// A redemption limit of zero.
    #[error("{field} must be at least 1")]
    InvalidLimit {
        /// `max_redemptions` or `max_per_customer`.
        field: &'static str,
    },
    /// `UpdateCoupon` with no field at all.
    #[error("nothing to update")]
    NothingToUpdate,
    /// `UpdateCoupon` lowering the total limit below the redemptions already made.
    #[error("max redemptions {requested} is below the {redeemed} redemptions already made")]
    MaxRedemptionsBelowCount {
        /// The refused limit.
        requested: u32,
        /// Redemptions currently held.
        redeemed: u32,
    },
    /// `DeactivateCoupon` on an inactive coupon.
    #[error("coupon is already inactive")]
    AlreadyInactive,
    /// The coupon was deactivated.
    #[error("coupon is inactive")]
    Inactive,
    /// The coupon's validity has not started yet.
    #[error("coupon is not valid before {starts_at}")]
    NotYetValid {
        /// When it starts.
        starts_at: DateTime<Utc>,
    },
    /// The coupon has expired.
    #[error("coupon expired at {expired_at}")]
    Expired {
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// The customer's role may not use this coupon.
    #[error("coupon is not available to role '{}'", .role.as_str())]
    RoleNotEligible {
        /// The customer's role.
        role: Role,
    },
    /// A negative subtotal.
    #[error("subtotal must not be negative, got {subtotal}")]
    InvalidSubtotal {
        /// The refused subtotal.
        subtotal: Money,
    },
    /// The subtotal is below the coupon's minimum.
    #[error("coupon needs a subtotal of at least {minimum}, got {subtotal}")]
    BelowMinimumSubtotal {
        /// The coupon's minimum.
        minimum: Money,
        /// The order's subtotal.
        subtotal: Money,
    },
    /// Every redemption allowed has been used.
    #[error("coupon has been redeemed the maximum {max_redemptions} times")]
    Exhausted {
        /// The total limit.
        max_redemptions: u32,
    },
    /// This customer used all the redemptions allowed per customer.
    #[error("customer has used this coupon the maximum {limit} times")]
    CustomerLimitReached {
        /// The per-customer limit.
        limit: u32,
    },
    /// The order's redemption was released; the order cannot redeem again.
    #[error("redemption for order {order_id} was released")]
    RedemptionClosed {
        /// The order.
        order_id: Uuid,
    },
    /// A reason is required and was empty.
    #[error("a reason is required")]
    ReasonRequired,
    /// The reason is longer than [`MAX_REASON_LEN`](super::MAX_REASON_LEN).
    #[error("reason is longer than {max} characters")]
    ReasonTooLong {
        /// The limit.
        max: usize,
    },
    /// Money arithmetic failed (overflow).
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl CouponError {
    /// A stable snake_case code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            CouponError::NotFound => "not_found",
            CouponError::AlreadyExists => "already_exists",
            CouponError::InvalidCode { .. } => "invalid_code",
            CouponError::InvalidPercent { .. } => "invalid_percent",
            CouponError::InvalidFixedAmount { .. } => "invalid_fixed_amount",
            CouponError::InvalidMinSubtotal { .. } => "invalid_min_subtotal",
            CouponError::CurrencyMismatch { .. } => "currency_mismatch",
            CouponError::InvalidValidityWindow { .. } => "invalid_validity_window",
            CouponError::InvalidLimit { .. } => "invalid_limit",
            CouponError::NothingToUpdate => "nothing_to_update",
            CouponError::MaxRedemptionsBelowCount { .. } => "max_redemptions_below_count",
            CouponError::AlreadyInactive => "already_inactive",
            CouponError::Inactive => "coupon_inactive",
            CouponError::NotYetValid { .. } => "coupon_not_started",
            CouponError::Expired { .. } => "coupon_expired",
            CouponError::RoleNotEligible { .. } => "coupon_not_eligible",
            CouponError::InvalidSubtotal { .. } => "invalid_subtotal",
            CouponError::BelowMinimumSubtotal { .. } => "coupon_min_subtotal",
            CouponError::Exhausted { .. } => "coupon_exhausted",
            CouponError::CustomerLimitReached { .. } => "coupon_customer_limit",
            CouponError::RedemptionClosed { .. } => "redemption_closed",
            CouponError::ReasonRequired => "reason_required",
            CouponError::ReasonTooLong { .. } => "reason_too_long",
            CouponError::Money(_) => "invalid_amount",
        }
    }

    /// What kind of refusal this is: a missing coupon, a refusal by the coupon's current
    /// state or terms (inactive, outside its validity, not for this role or subtotal, used
    /// up), or invalid input.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CouponError::NotFound => ErrorKind::NotFound,
            CouponError::AlreadyExists
            | CouponError::MaxRedemptionsBelowCount { .. }
            | CouponError::AlreadyInactive
            | CouponError::Inactive
            | CouponError::NotYetValid { .. }
            | CouponError::Expired { .. }
            | CouponError::RoleNotEligible { .. }
            | CouponError::BelowMinimumSubtotal { .. }
            | CouponError::Exhausted { .. }
            | CouponError::CustomerLimitReached { .. }
            | CouponError::RedemptionClosed { .. } => ErrorKind::Conflict,
            CouponError::InvalidCode { .. }
            | CouponError::InvalidPercent { .. }
            | CouponError::InvalidFixedAmount { .. }
            | CouponError::InvalidMinSubtotal { .. }
            | CouponError::CurrencyMismatch { .. }
            | CouponError::InvalidValidityWindow { .. }
            | CouponError::InvalidLimit { .. }
            | CouponError::NothingToUpdate
            | CouponError::InvalidSubtotal { .. }
            | CouponError::ReasonRequired
            | CouponError::ReasonTooLong { .. }
            | CouponError::Money(_) => ErrorKind::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_kind::spec::assert_kinds_follow_codes;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("valid currency"))
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).expect("valid instant")
    }

    /// One value of every variant.
    fn every_variant() -> Vec<CouponError> {
        let eur = Currency::parse("EUR").expect("valid currency");
        vec![
            CouponError::NotFound,
            CouponError::AlreadyExists,
            CouponError::InvalidCode { code: "X".into() },
            CouponError::InvalidPercent { percent: 0 },
            CouponError::InvalidFixedAmount { amount: usd(0) },
            CouponError::InvalidMinSubtotal { amount: usd(-1) },
            CouponError::CurrencyMismatch {
                expected: usd(0).currency,
                found: eur,
            },
            CouponError::InvalidValidityWindow {
                starts_at: at(10),
                expires_at: at(5),
            },
            CouponError::InvalidLimit {
                field: "max_redemptions",
            },
            CouponError::NothingToUpdate,
            CouponError::MaxRedemptionsBelowCount {
                requested: 1,
                redeemed: 2,
            },
            CouponError::AlreadyInactive,
            CouponError::Inactive,
            CouponError::NotYetValid { starts_at: at(10) },
            CouponError::Expired { expired_at: at(5) },
            CouponError::RoleNotEligible {
                role: Role::Customer,
            },
            CouponError::InvalidSubtotal { subtotal: usd(-1) },
            CouponError::BelowMinimumSubtotal {
                minimum: usd(5000),
                subtotal: usd(100),
            },
            CouponError::Exhausted {
                max_redemptions: 100,
            },
            CouponError::CustomerLimitReached { limit: 1 },
            CouponError::RedemptionClosed {
                order_id: Uuid::from_u128(1),
            },
            CouponError::ReasonRequired,
            CouponError::ReasonTooLong { max: 500 },
            CouponError::Money(MoneyError::Overflow),
        ]
    }

    #[test]
    fn a_missing_coupon_is_not_found() {
        assert_eq!(CouponError::NotFound.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn refusals_by_the_coupons_state_or_terms_are_conflicts() {
        assert_eq!(CouponError::Inactive.kind(), ErrorKind::Conflict);
        assert_eq!(
            CouponError::Expired { expired_at: at(5) }.kind(),
            ErrorKind::Conflict
        );
        let limit = CouponError::Exhausted {
            max_redemptions: 100,
        };
        assert_eq!(limit.kind(), ErrorKind::Conflict);
        let role = CouponError::RoleNotEligible {
            role: Role::Customer,
        };
        assert_eq!(role.kind(), ErrorKind::Conflict);
    }

    #[test]
    fn malformed_input_is_invalid() {
        assert_eq!(
            CouponError::InvalidCode { code: "X".into() }.kind(),
            ErrorKind::Invalid
        );
        assert_eq!(
            CouponError::InvalidPercent { percent: 0 }.kind(),
            ErrorKind::Invalid
        );
        assert_eq!(
            CouponError::Money(MoneyError::Overflow).kind(),
            ErrorKind::Invalid
        );
    }

    #[test]
    fn every_error_keeps_its_status_kind() {
        assert_kinds_follow_codes(&every_variant(), CouponError::kind, CouponError::code);
    }
}
