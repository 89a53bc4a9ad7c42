//! The coupons projection's fast replay: each coupon's events folded into its final
//! `coupon_views` row and its live `coupon_redemptions`, with the same effect as the
//! statements of [`CouponProjection::apply`](super::CouponProjection) (updates of a missing
//! coupon row change nothing; redemptions are kept even then).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use commerce_aggregates::coupon::CouponEvent;
use uuid::Uuid;

use super::Terms;
use crate::projection::ProjectionError;
use crate::replay::{CopyRows, Rebuild, StoredEvent};

const STATEMENTS: &[&str] = &[
    "COPY coupon_views (code, discount, min_subtotal_minor, currency, starts_at, expires_at, \
     eligible_roles, max_redemptions, max_per_customer, active, redemption_count, \
     discount_given_minor, created_at, updated_at, version) FROM STDIN (FORMAT binary)",
    "COPY coupon_redemptions (code, order_id, customer_id, discount_minor, currency, \
     redeemed_at) FROM STDIN (FORMAT binary)",
];

/// The `coupon_views` columns the events set (the redemption figures are computed from the
/// redemptions).
#[derive(Debug)]
struct Coupon {
    /// JSON text.
    discount: String,
    min_subtotal_minor: Option<i64>,
    currency: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    eligible_roles: Vec<&'static str>,
    max_redemptions: Option<i64>,
    max_per_customer: Option<i64>,
    active: bool,
    created_at: DateTime<Utc>,
}

#[derive(Debug)]
struct Redemption {
    customer_id: Uuid,
    discount_minor: i64,
    currency: String,
    redeemed_at: DateTime<Utc>,
}

/// The coupon being folded (its aggregate id is its code).
#[derive(Debug, Default)]
pub(super) struct CouponRebuild {
    code: Option<String>,
    coupon: Option<Coupon>,
    redemptions: BTreeMap<Uuid, Redemption>,
    last: Option<(i64, DateTime<Utc>)>,
}

impl Rebuild for CouponRebuild {
    fn copy_statements(&self) -> &'static [&'static str] {
        STATEMENTS
    }

    fn apply(&mut self, event: &StoredEvent<'_>) -> Result<(), ProjectionError> {
        let coupon: CouponEvent = event.decode()?;
        self.code = Some(event.aggregate_id.to_string());
        let at = event.recorded_at;
        let json = |terms: &Terms| {
            serde_json::to_string(&terms.0.discount).map_err(|error| event.error(error))
        };
        match (&coupon, Terms::of(&coupon)) {
            (CouponEvent::CouponCreated { .. }, Some(terms)) => {
                self.coupon = Some(Coupon {
                    discount: json(&terms)?,
                    min_subtotal_minor: terms.0.min_subtotal.map(|m| m.minor),
                    currency: terms.currency(),
                    starts_at: terms.0.starts_at,
                    expires_at: terms.0.expires_at,
                    eligible_roles: terms.roles(),
                    max_redemptions: terms.0.max_redemptions.map(i64::from),
                    max_per_customer: terms.0.max_per_customer.map(i64::from),
                    active: true,
                    created_at: at,
                });
            }
            (CouponEvent::CouponUpdated { .. }, Some(terms)) => {
                if let Some(row) = &mut self.coupon {
                    row.discount = json(&terms)?;
                    row.min_subtotal_minor = terms.0.min_subtotal.map(|m| m.minor);
                    if let Some(currency) = terms.currency() {
                        row.currency = Some(currency);
                    }
                    row.starts_at = terms.0.starts_at;
                    row.expires_at = terms.0.expires_at;
                    row.eligible_roles = terms.roles();
                    row.max_redemptions = terms.0.max_redemptions.map(i64::from);
                    row.max_per_customer = terms.0.max_per_customer.map(i64::from);
                }
            }
            (CouponEvent::CouponDeactivated {}, _) => {
                if let Some(row) = &mut self.coupon {
                    row.active = false;
                }
            }
            (
                CouponEvent::CouponRedeemed {
                    order_id,
                    customer_id,
                    discount_amount,
                },
                _,
            ) => {
                let currency = discount_amount.currency.as_str();
                self.redemptions.insert(
                    *order_id,
                    Redemption {
                        customer_id: *customer_id,
                        discount_minor: discount_amount.minor,
                        currency: currency.to_string(),
                        redeemed_at: at,
                    },
                );
                if let Some(row) = &mut self.coupon {
                    row.currency.get_or_insert_with(|| currency.to_string());
                }
            }
            (CouponEvent::RedemptionReleased { order_id, .. }, _) => {
                self.redemptions.remove(order_id);
            }
            // `Terms::of` answers `Some` for both.
            (CouponEvent::CouponCreated { .. } | CouponEvent::CouponUpdated { .. }, None) => {}
        }
        self.last = Some((event.sequence, at));
        Ok(())
    }

    fn finish(&mut self, tables: &mut [CopyRows]) -> Result<(), ProjectionError> {
        let done = std::mem::take(self);
        let (Some(code), [views, redemptions, ..]) = (done.code, tables) else {
            return Ok(());
        };
        if let (Some(coupon), Some((version, at))) = (&done.coupon, done.last) {
            let count = i64::try_from(done.redemptions.len()).unwrap_or(i64::MAX);
            let mut given = 0i64;
            for redemption in done.redemptions.values() {
                given = given
                    .checked_add(redemption.discount_minor)
                    .ok_or_else(|| ProjectionError::Decode {
                        event_type: "coupon".into(),
                        reason: format!("coupon {code}: discounts out of range"),
                    })?;
            }
            views
                .text(&code)
                .raw_json(&coupon.discount)
                .opt_int(coupon.min_subtotal_minor)
                .opt_text(coupon.currency.as_deref())
                .opt_time(coupon.starts_at)
                .opt_time(coupon.expires_at)
                .text_array(&coupon.eligible_roles)
                .opt_int(coupon.max_redemptions)
                .opt_int(coupon.max_per_customer)
                .bool(coupon.active)
                .int(count)
                .int(given)
                .time(coupon.created_at)
                .time(at)
                .int(version);
            views.end_row();
        }
        for (order_id, redemption) in &done.redemptions {
            redemptions
                .text(&code)
                .uuid(*order_id)
                .uuid(redemption.customer_id)
                .int(redemption.discount_minor)
                .text(&redemption.currency)
                .time(redemption.redeemed_at);
            redemptions.end_row();
        }
        Ok(())
    }
}
