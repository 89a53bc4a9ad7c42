//! The coupon's part of a checkout: a limited coupon is decided on its stream under its turn;
//! an unlimited one on its terms alone, without its turn, and appended after whatever
//! redemptions other checkouts commit meanwhile.

use chrono::{DateTime, Utc};
use commerce_aggregates::cart::CartError;
use commerce_aggregates::coupon::{Coupon, CouponError, CouponEvent};
use commerce_aggregates::order::AppliedCoupon;
use commerce_aggregates::Money;
use uuid::Uuid;

use crate::store::{ExecuteError, StoreError, Stores, Stream};
use crate::usecases::add_item::RECENT;
use crate::usecases::Caller;

/// The coupon's part of a checkout.
pub(super) enum CouponPart {
    /// A coupon with redemption limits: decided on its stream, committed at its version (its
    /// checkouts follow each other).
    Limited(Stream<Coupon>),
    /// A coupon without limits: its redemption was decided on its terms as read at `version`,
    /// and is committed after whatever redemptions other checkouts append meanwhile (see
    /// `Coupon::redeem`).
    Unlimited {
        code: String,
        version: usize,
        /// Its discount, `None` when it does not exist or is deactivated.
        applied: Option<AppliedCoupon>,
        redemption: Result<Vec<CouponEvent>, CouponError>,
        unchecked: bool,
    },
}

impl CouponPart {
    pub(super) fn code(&self) -> &str {
        match self {
            CouponPart::Limited(stream) => stream.id(),
            CouponPart::Unlimited { code, .. } => code,
        }
    }

    pub(super) fn is_unchecked(&self) -> bool {
        match self {
            CouponPart::Limited(stream) => stream.is_unchecked(),
            CouponPart::Unlimited { unchecked, .. } => *unchecked,
        }
    }

    /// Its discount, `None` when it does not exist or is deactivated.
    pub(super) fn applied(&self) -> Option<AppliedCoupon> {
        match self {
            CouponPart::Limited(stream) => {
                let coupon = stream.state();
                coupon
                    .terms()
                    .filter(|_| coupon.is_active())
                    .map(|terms| AppliedCoupon {
                        code: stream.id().to_owned(),
                        discount: terms.discount,
                    })
            }
            CouponPart::Unlimited { applied, .. } => applied.clone(),
        }
    }
}

/// What an unlimited coupon's redemption is decided on.
pub(super) struct Redeeming {
    pub(super) order_id: Uuid,
    pub(super) customer: Caller,
    /// The cart's subtotal (the order's: the same lines at the same prices).
    pub(super) subtotal: Result<Money, CartError>,
    pub(super) at: DateTime<Utc>,
}

/// The coupon `code` decided without its turn when it has no redemption limits (with `kept`
/// as this process last knew it within [`RECENT`], else as stored); `Err(code)` when it has
/// limits (or does not exist), to be decided on its stream instead.
pub(super) async fn unlimited_coupon(
    stores: &Stores,
    code: &str,
    redeeming: &Redeeming,
    kept: bool,
) -> Result<Result<CouponPart, String>, StoreError> {
    let decide = |coupon: &Coupon, version: usize| {
        if !coupon.exists() || coupon.redemptions_limited() {
            return Err(code.to_owned());
        }
        let applied = coupon
            .terms()
            .filter(|_| coupon.is_active())
            .map(|terms| AppliedCoupon {
                code: code.to_owned(),
                discount: terms.discount,
            });
        let redemption = match &redeeming.subtotal {
            Ok(subtotal) => coupon.redeem(
                redeeming.order_id,
                redeeming.customer.id,
                redeeming.customer.role,
                *subtotal,
                redeeming.at,
            ),
            // The cart refuses its checkout first (see `decide`).
            Err(_) => Ok(Vec::new()),
        };
        Ok(CouponPart::Unlimited {
            code: code.to_owned(),
            version,
            applied,
            redemption,
            unchecked: kept,
        })
    };
    let read = if kept {
        stores.coupons.read_recent(code, RECENT, decide).await
    } else {
        stores
            .coupons
            .load(code)
            .await
            .map(|loaded| decide(&loaded.aggregate, loaded.version))
    };
    read.map_err(ExecuteError::into_store_error)
}
