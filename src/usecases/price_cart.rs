//! Price a cart as the order its checkout would place: the lines at their captured prices,
//! the coupon as it stands now (loaded from its stream, as the checkout does) judged by the
//! coupon's own eligibility rule, shipping and tax as the checkout's settings say — the
//! domain's [`price_cart`], which shares its pricing and eligibility code with the checkout.

use chrono::Utc;
use commerce_aggregates::cart::{price_cart as price, CartPricing, CouponOffer};
use commerce_aggregates::coupon::normalize_code;
use commerce_aggregates::order::{LineAmount, PricingError};
use commerce_aggregates::{Currency, Role};
use uuid::Uuid;

use super::checkout::shipping_policy;
use crate::config::PricingSettings;
use crate::store::{StoreError, Stores};

/// A cart's content as priced.
#[derive(Debug, Clone)]
pub struct PriceCart {
    /// The cart's owner (whose per-customer coupon limit counts).
    pub customer_id: Uuid,
    /// The owner's role (coupons may be for some roles only).
    pub role: Role,
    /// The cart's currency.
    pub currency: Currency,
    /// Its lines at their captured prices.
    pub lines: Vec<LineAmount>,
    /// Its coupon code, if any.
    pub coupon_code: Option<String>,
}

/// Why a cart could not be priced.
#[derive(Debug, thiserror::Error)]
pub enum PriceCartError {
    /// The amounts overflow (a cart the checkout would refuse too).
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// Loading the coupon failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The cart's pricing now.
#[tracing::instrument(skip_all, fields(customer_id = %input.customer_id), err(level = "debug"))]
pub async fn price_cart(
    stores: &Stores,
    settings: &PricingSettings,
    input: &PriceCart,
) -> Result<CartPricing, PriceCartError> {
    let coupon = match &input.coupon_code {
        // A code the cart took is well-formed; should one not be, it names no coupon.
        Some(code) => Some(match normalize_code(code) {
            Ok(code) => {
                stores
                    .coupons
                    .load(&code)
                    .await
                    .map_err(|error| error.into_store_error())?
                    .aggregate
            }
            Err(_) => Default::default(),
        }),
        None => None,
    };
    let offer = coupon.as_ref().map(|coupon| CouponOffer {
        coupon,
        customer_id: input.customer_id,
        role: input.role,
        at: Utc::now(),
    });
    Ok(price(
        &input.lines,
        input.currency,
        offer,
        &shipping_policy(settings, input.currency),
        settings.tax_rate_bps,
    )?)
}
