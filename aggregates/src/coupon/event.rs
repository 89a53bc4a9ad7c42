//! Events recorded by the coupon aggregate.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::types::CouponTerms;
use crate::common::{Discount, Role};
use crate::money::Money;

/// What happened to a coupon. Serialised externally tagged: `{"CouponRedeemed": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum CouponEvent {
    /// The coupon was created, active.
    CouponCreated {
        /// Normalised upper-case code.
        code: String,
        /// The discount.
        discount: Discount,
        /// Smallest subtotal it applies to.
        min_subtotal: Option<Money>,
        /// Start of validity (inclusive).
        starts_at: Option<DateTime<Utc>>,
        /// End of validity (exclusive).
        expires_at: Option<DateTime<Utc>>,
        /// Roles allowed to redeem; empty = everyone.
        eligible_roles: Vec<Role>,
        /// Total redemption limit.
        max_redemptions: Option<u32>,
        /// Per-customer redemption limit.
        max_per_customer: Option<u32>,
    },
    /// The terms changed; carries the complete new terms.
    CouponUpdated {
        /// The discount.
        discount: Discount,
        /// Smallest subtotal it applies to.
        min_subtotal: Option<Money>,
        /// Start of validity (inclusive).
        starts_at: Option<DateTime<Utc>>,
        /// End of validity (exclusive).
        expires_at: Option<DateTime<Utc>>,
        /// Roles allowed to redeem; empty = everyone.
        eligible_roles: Vec<Role>,
        /// Total redemption limit.
        max_redemptions: Option<u32>,
        /// Per-customer redemption limit.
        max_per_customer: Option<u32>,
    },
    /// The coupon was deactivated for good.
    CouponDeactivated {},
    /// The coupon was used for an order.
    CouponRedeemed {
        /// The order.
        order_id: Uuid,
        /// The customer.
        customer_id: Uuid,
        /// The discount granted on the order's subtotal.
        discount_amount: Money,
    },
    /// An order's redemption was given back; its slot is free again.
    RedemptionReleased {
        /// The order.
        order_id: Uuid,
        /// The customer who had redeemed it.
        customer_id: Uuid,
        /// Why.
        reason: String,
    },
}

impl CouponEvent {
    /// The complete terms `CouponCreated` and `CouponUpdated` carry; `None` for the other
    /// events. The aggregate and the read models take the terms from here.
    pub fn terms(&self) -> Option<CouponTerms> {
        match self {
            CouponEvent::CouponCreated {
                discount,
                min_subtotal,
                starts_at,
                expires_at,
                eligible_roles,
                max_redemptions,
                max_per_customer,
                ..
            }
            | CouponEvent::CouponUpdated {
                discount,
                min_subtotal,
                starts_at,
                expires_at,
                eligible_roles,
                max_redemptions,
                max_per_customer,
            } => Some(CouponTerms {
                discount: *discount,
                min_subtotal: *min_subtotal,
                starts_at: *starts_at,
                expires_at: *expires_at,
                eligible_roles: eligible_roles.clone(),
                max_redemptions: *max_redemptions,
                max_per_customer: *max_per_customer,
            }),
            CouponEvent::CouponDeactivated {}
            | CouponEvent::CouponRedeemed { .. }
            | CouponEvent::RedemptionReleased { .. } => None,
        }
    }

    /// `CouponCreated` with `code` and `terms`: the inverse of [`CouponEvent::terms`].
    pub fn created(code: String, terms: CouponTerms) -> Self {
        CouponEvent::CouponCreated {
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

    /// `CouponUpdated` to `terms`: the inverse of [`CouponEvent::terms`].
    pub fn updated(terms: CouponTerms) -> Self {
        CouponEvent::CouponUpdated {
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

impl DomainEvent for CouponEvent {
    fn event_type(&self) -> String {
        let name = match self {
            CouponEvent::CouponCreated { .. } => "CouponCreated",
            CouponEvent::CouponUpdated { .. } => "CouponUpdated",
            CouponEvent::CouponDeactivated {} => "CouponDeactivated",
            CouponEvent::CouponRedeemed { .. } => "CouponRedeemed",
            CouponEvent::RedemptionReleased { .. } => "RedemptionReleased",
        };
        name.to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
