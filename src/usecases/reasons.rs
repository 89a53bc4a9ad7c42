//! Why an order cannot be secured, as the reason a checkout is refused or an order rejected.

use commerce_aggregates::coupon::CouponError;
use commerce_aggregates::order::{OrderLine, RejectionReason};
use commerce_aggregates::product::{Product, ProductError};

/// `PriceChanged` for the first of the order's `lines` of `product` whose captured unit price
/// is no longer its variant's price: a price that changed since the item was added is the
/// reason given before any stock refusal.
pub(crate) fn price_change<'a>(
    product: &Product,
    lines: impl IntoIterator<Item = &'a OrderLine>,
) -> Option<RejectionReason> {
    lines
        .into_iter()
        .find(|line| {
            product
                .variant(&line.sku)
                .is_some_and(|variant| variant.price != line.unit_price)
        })
        .map(|line| RejectionReason::PriceChanged {
            sku: line.sku.clone(),
        })
}

/// Why a product would not reserve an order's lines (`first_sku` names the product when the
/// refusal names no SKU).
pub(crate) fn reservation_reason(error: ProductError, first_sku: String) -> RejectionReason {
    match error {
        ProductError::InsufficientStock { sku, .. } => RejectionReason::OutOfStock { sku },
        ProductError::UnknownSku { sku } => RejectionReason::ProductUnavailable { sku },
        _ => RejectionReason::ProductUnavailable { sku: first_sku },
    }
}

/// Why coupon `code` could not be redeemed for an order.
pub(crate) fn redemption_reason(error: CouponError, code: String) -> RejectionReason {
    match error {
        CouponError::Exhausted { .. } => RejectionReason::CouponExhausted,
        CouponError::Expired { .. } | CouponError::NotYetValid { .. } => {
            RejectionReason::CouponExpired
        }
        CouponError::RoleNotEligible { .. }
        | CouponError::BelowMinimumSubtotal { .. }
        | CouponError::CustomerLimitReached { .. } => RejectionReason::CouponNotEligible,
        _ => RejectionReason::CouponInvalid { code },
    }
}
