//! The terms of a coupon: what it gives, to whom, when, and how often.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::common::{Discount, Role};
use crate::money::{Currency, Money};

/// A coupon's validated terms, as set by `CreateCoupon` and changed by `UpdateCoupon`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponTerms {
    /// 1..=100 percent of the subtotal, or a positive fixed amount.
    pub discount: Discount,
    /// Smallest subtotal the coupon applies to (inclusive); none = any.
    pub min_subtotal: Option<Money>,
    /// First instant the coupon is valid (inclusive); none = already valid.
    pub starts_at: Option<DateTime<Utc>>,
    /// First instant the coupon is no longer valid (exclusive end); none = never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Roles allowed to redeem it, without duplicates; empty = everyone.
    pub eligible_roles: Vec<Role>,
    /// Most redemptions in total (released ones do not count); none = unlimited.
    pub max_redemptions: Option<u32>,
    /// Most redemptions per customer; none = unlimited.
    pub max_per_customer: Option<u32>,
}

impl CouponTerms {
    /// The currency the terms bind the coupon to: the fixed discount's, else the minimum
    /// subtotal's (validation makes them agree when both are set); a plain percentage
    /// coupon works in any currency.
    pub fn currency(&self) -> Option<Currency> {
        match self.discount {
            Discount::Fixed(amount) => Some(amount.currency),
            Discount::Percent(_) => self.min_subtotal.map(|m| m.currency),
        }
    }
}
