//! Why the coupon aggregate refused a command or a coupon is not applicable.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::common::Role;
use crate::money::{Currency, Money, MoneyError};

/// A refused coupon command. Each variant has a stable [`code`](CouponError::code).
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
}
