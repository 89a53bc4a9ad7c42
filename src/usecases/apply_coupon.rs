//! Apply a coupon to a cart. Only an existing, active coupon is accepted; its other terms
//! (validity, role, minimum subtotal, limits) are decided at checkout, where the redemption
//! is committed.

use commerce_aggregates::cart::{CartCommand, CartError};
use commerce_aggregates::coupon::normalize_code;
use uuid::Uuid;

use super::add_item::RECENT;
use super::guest::CartHolder;
use crate::store::{CommandMetadata, ExecuteError, Stores};

/// Apply coupon `code` to cart `cart_id`.
#[derive(Debug, Clone)]
pub struct ApplyCoupon {
    /// The cart.
    pub cart_id: Uuid,
    /// Its owner.
    pub holder: CartHolder,
    /// The code, any case.
    pub code: String,
    /// The cart version the customer saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Why the coupon was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyCouponError {
    /// No such coupon, or deactivated.
    #[error("coupon {code} does not exist or is no longer active")]
    CouponInvalid {
        /// The normalised code.
        code: String,
    },
    /// The cart refused (a malformed code included), or the store failed.
    #[error(transparent)]
    Cart(ExecuteError<CartError>),
}

/// Applies the coupon; the cart's new version.
#[tracing::instrument(skip_all, fields(cart_id = %input.cart_id), err(level = "debug"))]
pub async fn apply_coupon(
    stores: &Stores,
    input: ApplyCoupon,
    metadata: &CommandMetadata,
) -> Result<usize, ApplyCouponError> {
    let code = normalize_code(&input.code).map_err(|_| {
        ApplyCouponError::Cart(ExecuteError::Domain(CartError::InvalidCouponCode {
            code: input.code.clone(),
        }))
    })?;
    // The cart is not loaded here: an inactive coupon is refused first, which says nothing
    // about the cart.
    let active = stores
        .coupons
        .read_recent(&code, RECENT, |coupon, _| coupon.is_active())
        .await
        .map_err(|error| ApplyCouponError::Cart(ExecuteError::Store(error.into_store_error())))?;
    if !active {
        return Err(ApplyCouponError::CouponInvalid { code });
    }
    let command = CartCommand::ApplyCoupon {
        shopper: input.holder.owner(),
        code,
    };
    super::execute_on_cart(
        stores,
        input.cart_id,
        command,
        metadata,
        input.expected_version,
    )
    .await
    .map_err(ApplyCouponError::Cart)
}
