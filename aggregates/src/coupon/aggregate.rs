//! The coupon aggregate: its state, read helpers, the eligibility check, and how events
//! change it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::CouponCommand;
use super::error::CouponError;
use super::event::CouponEvent;
use super::types::CouponTerms;
use crate::common::Role;
use crate::money::{Currency, Money};

/// A discount code with its terms and the orders that redeemed it.
///
/// `Default` is the state before `CouponCreated`: every command but `CreateCoupon` is then
/// refused with [`CouponError::NotFound`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    pub(super) code: Option<String>,
    pub(super) terms: Option<CouponTerms>,
    pub(super) active: bool,
    /// Active redemptions: order id → customer id.
    pub(super) redemptions: BTreeMap<Uuid, Uuid>,
    /// Orders whose redemption was released.
    pub(super) released: BTreeSet<Uuid>,
}

impl Coupon {
    /// The normalised code, once created.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// True once `CouponCreated` has been applied.
    pub fn exists(&self) -> bool {
        self.terms.is_some()
    }

    /// The current terms, once created.
    pub fn terms(&self) -> Option<&CouponTerms> {
        self.terms.as_ref()
    }

    /// True while the coupon can be redeemed (created and not deactivated).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Redemptions currently held (released ones excluded).
    pub fn redemption_count(&self) -> u32 {
        u32::try_from(self.redemptions.len()).unwrap_or(u32::MAX)
    }

    /// Redemptions currently held by one customer.
    pub fn redemptions_by(&self, customer_id: Uuid) -> u32 {
        let count = self
            .redemptions
            .values()
            .filter(|&&c| c == customer_id)
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// The customer who redeemed the coupon for this order, if the redemption is held.
    pub fn redemption(&self, order_id: Uuid) -> Option<Uuid> {
        self.redemptions.get(&order_id).copied()
    }

    /// True when the order's redemption was released.
    pub fn is_released(&self, order_id: Uuid) -> bool {
        self.released.contains(&order_id)
    }

    /// The currency the coupon is bound to, once created ([`CouponTerms::currency`]).
    pub fn currency(&self) -> Option<Currency> {
        self.terms.as_ref()?.currency()
    }

    /// Whether this customer may use the coupon on `subtotal` at `at`, without recording
    /// anything; returns the discount amount. `RedeemCoupon` runs exactly this check.
    ///
    /// Checks, in order: exists, active, started, not expired, role, subtotal currency and
    /// sign, minimum subtotal, total limit, per-customer limit.
    pub fn check_eligibility(
        &self,
        customer_id: Uuid,
        role: Role,
        subtotal: Money,
        at: DateTime<Utc>,
    ) -> Result<Money, CouponError> {
        let terms = self.terms.as_ref().ok_or(CouponError::NotFound)?;
        if !self.active {
            return Err(CouponError::Inactive);
        }
        if let Some(starts_at) = terms.starts_at {
            if at < starts_at {
                return Err(CouponError::NotYetValid { starts_at });
            }
        }
        if let Some(expired_at) = terms.expires_at {
            if at >= expired_at {
                return Err(CouponError::Expired { expired_at });
            }
        }
        if !terms.eligible_roles.is_empty() && !terms.eligible_roles.contains(&role) {
            return Err(CouponError::RoleNotEligible { role });
        }
        if let Some(expected) = self.currency() {
            if subtotal.currency != expected {
                return Err(CouponError::CurrencyMismatch {
                    expected,
                    found: subtotal.currency,
                });
            }
        }
        if subtotal.is_negative() {
            return Err(CouponError::InvalidSubtotal { subtotal });
        }
        if let Some(minimum) = terms.min_subtotal {
            if subtotal.minor < minimum.minor {
                return Err(CouponError::BelowMinimumSubtotal { minimum, subtotal });
            }
        }
        if let Some(max_redemptions) = terms.max_redemptions {
            if self.redemption_count() >= max_redemptions {
                return Err(CouponError::Exhausted { max_redemptions });
            }
        }
        if let Some(limit) = terms.max_per_customer {
            if self.redemptions_by(customer_id) >= limit {
                return Err(CouponError::CustomerLimitReached { limit });
            }
        }
        Ok(terms.discount.amount_for(&subtotal)?)
    }
}

crate::common::impl_aggregate! {
    Coupon: "coupon", CouponCommand => CouponEvent, CouponError,
    decide: |coupon, command| coupon.decide(command),
    apply: Coupon::evolve,
}

impl Coupon {
    /// How an event changes the coupon: the `apply` of its [`cqrs_es::Aggregate`] impl.
    fn evolve(&mut self, event: CouponEvent) {
        if let Some(terms) = event.terms() {
            self.terms = Some(terms);
        }
        match event {
            CouponEvent::CouponCreated { code, .. } => {
                self.code = Some(code);
                self.active = true;
            }
            CouponEvent::CouponUpdated { .. } => {}
            CouponEvent::CouponDeactivated {} => self.active = false,
            CouponEvent::CouponRedeemed {
                order_id,
                customer_id,
                ..
            } => {
                self.redemptions.insert(order_id, customer_id);
            }
            CouponEvent::RedemptionReleased { order_id, .. } => {
                self.redemptions.remove(&order_id);
                self.released.insert(order_id);
            }
        }
    }
}
