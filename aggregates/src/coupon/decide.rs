//! Command handling for the coupon aggregate: validates a command against the current state
//! and decides which events it produces.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::aggregate::Coupon;
use super::command::CouponCommand;
use super::error::CouponError;
use super::event::CouponEvent;
use super::types::CouponTerms;
use super::validate::{self, normalize_code};
use crate::common::Role;
use crate::money::Money;

type Decision = Result<Vec<CouponEvent>, CouponError>;

/// The coupon's events that never change whether it may be redeemed when it has no
/// redemption limits (see [`Coupon::redemptions_limited`]).
pub const REDEMPTION_EVENTS: &[&str] = &["CouponRedeemed", "RedemptionReleased"];

impl Coupon {
    /// `RedeemCoupon` decided on the current state, without changing it: idempotent per
    /// order, refused for a released order's redemption, otherwise the eligibility rules.
    ///
    /// When the coupon has no redemption limits, the decision for an order the coupon has not
    /// seen depends on its terms only: [`REDEMPTION_EVENTS`] of other orders do not change
    /// it, so a caller may commit its event after redemptions appended meanwhile.
    pub fn redeem(
        &self,
        order_id: Uuid,
        customer_id: Uuid,
        customer_role: Role,
        subtotal: Money,
        at: DateTime<Utc>,
    ) -> Decision {
        if self.redemptions.contains_key(&order_id) {
            return Ok(vec![]);
        }
        if self.released.contains(&order_id) {
            return Err(CouponError::RedemptionClosed { order_id });
        }
        let discount_amount = self.check_eligibility(customer_id, customer_role, subtotal, at)?;
        Ok(vec![CouponEvent::CouponRedeemed {
            order_id,
            customer_id,
            discount_amount,
        }])
    }

    /// True when redeeming the coupon depends on how often it was redeemed (a total or a
    /// per-customer limit), so that concurrent redemptions must be decided one after another.
    pub fn redemptions_limited(&self) -> bool {
        self.terms
            .as_ref()
            .is_some_and(|t| t.max_redemptions.is_some() || t.max_per_customer.is_some())
    }

    /// The events `command` produces in the current state, or why it is refused.
    pub(super) fn decide(&self, command: CouponCommand) -> Decision {
        if let CouponCommand::CreateCoupon {
            code,
            discount,
            min_subtotal,
            starts_at,
            expires_at,
            eligible_roles,
            max_redemptions,
            max_per_customer,
        } = command
        {
            if self.exists() {
                return Err(CouponError::AlreadyExists);
            }
            let code = normalize_code(&code)?;
            let terms = validate::terms(CouponTerms {
                discount,
                min_subtotal,
                starts_at,
                expires_at,
                eligible_roles,
                max_redemptions,
                max_per_customer,
            })?;
            return Ok(vec![CouponEvent::created(code, terms)]);
        }
        let current = self.terms.as_ref().ok_or(CouponError::NotFound)?;
        match command {
            CouponCommand::CreateCoupon { .. } => Err(CouponError::AlreadyExists),
            CouponCommand::UpdateCoupon {
                discount,
                min_subtotal,
                starts_at,
                expires_at,
                eligible_roles,
                max_redemptions,
                max_per_customer,
            } => {
                let nothing = discount.is_none()
                    && min_subtotal.is_none()
                    && starts_at.is_none()
                    && expires_at.is_none()
                    && eligible_roles.is_none()
                    && max_redemptions.is_none()
                    && max_per_customer.is_none();
                if nothing {
                    return Err(CouponError::NothingToUpdate);
                }
                if !self.active {
                    return Err(CouponError::Inactive);
                }
                let current = current.clone();
                let terms = validate::terms(CouponTerms {
                    discount: discount.unwrap_or(current.discount),
                    min_subtotal: min_subtotal.unwrap_or(current.min_subtotal),
                    starts_at: starts_at.unwrap_or(current.starts_at),
                    expires_at: expires_at.unwrap_or(current.expires_at),
                    eligible_roles: eligible_roles
                        .unwrap_or_else(|| current.eligible_roles.clone()),
                    max_redemptions: max_redemptions.unwrap_or(current.max_redemptions),
                    max_per_customer: max_per_customer.unwrap_or(current.max_per_customer),
                })?;
                if let Some(requested) = terms.max_redemptions {
                    let redeemed = self.redemption_count();
                    if requested < redeemed {
                        return Err(CouponError::MaxRedemptionsBelowCount {
                            requested,
                            redeemed,
                        });
                    }
                }
                if terms == current {
                    return Ok(vec![]);
                }
                Ok(vec![CouponEvent::updated(terms)])
            }
            CouponCommand::DeactivateCoupon => {
                if self.active {
                    Ok(vec![CouponEvent::CouponDeactivated {}])
                } else {
                    Err(CouponError::AlreadyInactive)
                }
            }
            CouponCommand::RedeemCoupon {
                order_id,
                customer_id,
                customer_role,
                subtotal,
                at,
            } => self.redeem(order_id, customer_id, customer_role, subtotal, at),
            CouponCommand::ReleaseRedemption { order_id, reason } => {
                let reason = validate::reason(&reason)?;
                Ok(match self.redemptions.get(&order_id) {
                    Some(&customer_id) => vec![CouponEvent::RedemptionReleased {
                        order_id,
                        customer_id,
                        reason,
                    }],
                    None => vec![],
                })
            }
        }
    }
}
