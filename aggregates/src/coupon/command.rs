//! Commands accepted by the coupon aggregate.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::common::{Discount, Role};
use crate::money::Money;

use super::types::CouponTerms;

/// What can be asked of a coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CouponCommand {
    /// Creates an active coupon.
    CreateCoupon {
        /// The code customers type; normalised to upper case (it is the aggregate id).
        code: String,
        /// Percent (1..=100) or fixed (> 0) discount.
        discount: Discount,
        /// Smallest subtotal it applies to.
        min_subtotal: Option<Money>,
        /// Start of validity (inclusive).
        starts_at: Option<DateTime<Utc>>,
        /// End of validity (exclusive); must be after `starts_at`.
        expires_at: Option<DateTime<Utc>>,
        /// Roles allowed to redeem; empty = everyone.
        eligible_roles: Vec<Role>,
        /// Total redemption limit (≥ 1).
        max_redemptions: Option<u32>,
        /// Per-customer redemption limit (≥ 1).
        max_per_customer: Option<u32>,
    },
    /// Changes some terms. `None` keeps a field; `Some(None)` clears an optional one.
    UpdateCoupon {
        /// New discount.
        discount: Option<Discount>,
        /// New minimum subtotal, or `Some(None)` to remove it.
        min_subtotal: Option<Option<Money>>,
        /// New start, or `Some(None)` to remove it.
        starts_at: Option<Option<DateTime<Utc>>>,
        /// New expiry, or `Some(None)` to remove it.
        expires_at: Option<Option<DateTime<Utc>>>,
        /// New eligible roles (empty = everyone).
        eligible_roles: Option<Vec<Role>>,
        /// New total limit (not below the current redemption count), or `Some(None)`.
        max_redemptions: Option<Option<u32>>,
        /// New per-customer limit, or `Some(None)`.
        max_per_customer: Option<Option<u32>>,
    },
    /// Stops the coupon from being redeemed or updated, for good.
    DeactivateCoupon,
    /// Uses the coupon for an order. Idempotent per order.
    RedeemCoupon {
        /// The order it is used for.
        order_id: Uuid,
        /// Who places the order.
        customer_id: Uuid,
        /// The customer's role, for role-restricted coupons.
        customer_role: Role,
        /// The order subtotal the discount is computed on.
        subtotal: Money,
        /// When the order is placed.
        at: DateTime<Utc>,
    },
    /// Gives an order's redemption back (order cancelled, rejected...). Idempotent.
    ReleaseRedemption {
        /// The order.
        order_id: Uuid,
        /// Why; required.
        reason: String,
    },
}

impl CouponCommand {
    /// `CreateCoupon` with `code` and `terms`.
    pub fn create(code: String, terms: CouponTerms) -> Self {
        CouponCommand::CreateCoupon {
            code,
            discount: terms.discount,
            min_subtotal: terms.min_subtotal,
            starts_at: terms.starts_at,
            expires_at: terms.expires_at,
            eligible_roles: terms.eligible_roles,
            max_redemptions: terms.max_redemptions,
            max_per_customer: terms.max_per_customer,
        }
    }
}
