//! Why an order could not be confirmed.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The reason an order was rejected at confirmation; each has a stable `code()` that the
/// checkout answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// Not enough stock of `sku`.
    OutOfStock {
        /// The SKU that ran out.
        sku: String,
    },
    /// The coupon has no redemptions left.
    CouponExhausted,
    /// The coupon has expired (or has not started).
    CouponExpired,
    /// The customer may not use the coupon (role, per-customer limit, minimum subtotal).
    CouponNotEligible,
    /// The coupon does not exist or is deactivated.
    CouponInvalid {
        /// The code that was refused.
        code: String,
    },
    /// The price of `sku` changed since it was put in the cart.
    PriceChanged {
        /// The SKU whose price changed.
        sku: String,
    },
    /// The product of `sku` is not for sale (draft, archived or unknown).
    ProductUnavailable {
        /// The SKU that cannot be sold.
        sku: String,
    },
}

impl RejectionReason {
    /// A stable snake_case code (`out_of_stock`, `coupon_exhausted`...).
    pub fn code(&self) -> &'static str {
        match self {
            RejectionReason::OutOfStock { .. } => "out_of_stock",
            RejectionReason::CouponExhausted => "coupon_exhausted",
            RejectionReason::CouponExpired => "coupon_expired",
            RejectionReason::CouponNotEligible => "coupon_not_eligible",
            RejectionReason::CouponInvalid { .. } => "coupon_invalid",
            RejectionReason::PriceChanged { .. } => "price_changed",
            RejectionReason::ProductUnavailable { .. } => "product_unavailable",
        }
    }
}

impl fmt::Display for RejectionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectionReason::OutOfStock { sku } => write!(f, "{sku} is out of stock"),
            RejectionReason::CouponExhausted => f.write_str("coupon has no redemptions left"),
            RejectionReason::CouponExpired => f.write_str("coupon is not valid at this time"),
            RejectionReason::CouponNotEligible => f.write_str("coupon does not apply"),
            RejectionReason::CouponInvalid { code } => write!(f, "coupon {code} is invalid"),
            RejectionReason::PriceChanged { sku } => write!(f, "price of {sku} changed"),
            RejectionReason::ProductUnavailable { sku } => write!(f, "{sku} is unavailable"),
        }
    }
}
