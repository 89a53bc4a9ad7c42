//! The coupon read model (projection `coupons`, coupon events): `coupon_views` with each
//! coupon's terms and live redemption figures, `coupon_redemptions` with its live redemptions
//! (a released one is deleted: its slot is free again); and the query functions [`get`],
//! [`list`], [`redemptions_by`] and [`usable_by`].

mod query;
mod rebuild;

use async_trait::async_trait;
use commerce_aggregates::coupon::{CouponEvent, CouponTerms};
use commerce_aggregates::Role;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres};

use super::{decode, version};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

pub use query::{get, list, redemptions_by, usable_by, CouponView, DiscountView};

/// Builds `coupon_views` and `coupon_redemptions` from coupon events.
#[derive(Debug, Clone, Copy, Default)]
pub struct CouponProjection;

/// The terms carried by `CouponCreated` and `CouponUpdated` ([`CouponEvent::terms`]), as the
/// columns of `coupon_views` hold them.
struct Terms(CouponTerms);

impl Terms {
    /// The terms `event` carries: `Some` for `CouponCreated` and `CouponUpdated`.
    fn of(event: &CouponEvent) -> Option<Self> {
        event.terms().map(Terms)
    }

    /// The currency the terms bind the coupon to ([`CouponTerms::currency`]).
    fn currency(&self) -> Option<String> {
        self.0.currency().map(|c| c.as_str().to_string())
    }

    fn roles(&self) -> Vec<&'static str> {
        self.0.eligible_roles.iter().map(Role::as_str).collect()
    }

    /// `sql` keyed by the coupon's `code` (`$1`), with the terms as `$2` to `$9`: the insert
    /// and the update write the same columns from the same terms.
    fn query<'q>(&'q self, sql: &'q str, code: &'q str) -> Query<'q, Postgres, PgArguments> {
        let terms = &self.0;
        sqlx::query(sql)
            .bind(code)
            .bind(Json(terms.discount))
            .bind(terms.min_subtotal.map(|m| m.minor))
            .bind(self.currency())
            .bind(terms.starts_at)
            .bind(terms.expires_at)
            .bind(self.roles())
            .bind(terms.max_redemptions.map(i64::from))
            .bind(terms.max_per_customer.map(i64::from))
    }
}

#[async_trait]
impl Projection for CouponProjection {
    fn name(&self) -> &'static str {
        "coupons"
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["coupon"]
    }

    fn tables(&self) -> &'static [&'static str] {
        &["coupon_redemptions", "coupon_views"]
    }

    fn rebuild(&self) -> Option<Box<dyn crate::replay::Rebuild + '_>> {
        Some(Box::<rebuild::CouponRebuild>::default())
    }

    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
        let coupon: CouponEvent = decode(event)?;
        // The aggregate id is the normalised code.
        let code = event.aggregate_id.as_str();
        let version = version(event)?;
        let at = event.recorded_at;
        match (&coupon, Terms::of(&coupon)) {
            (CouponEvent::CouponCreated { .. }, Some(terms)) => {
                terms
                    .query(
                        "INSERT INTO coupon_views (code, discount, min_subtotal_minor, currency, \
                         starts_at, expires_at, eligible_roles, max_redemptions, max_per_customer, \
                         active, created_at, updated_at, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $10, $10, $11) \
                         ON CONFLICT (code) DO UPDATE SET discount = EXCLUDED.discount, \
                         min_subtotal_minor = EXCLUDED.min_subtotal_minor, \
                         currency = EXCLUDED.currency, starts_at = EXCLUDED.starts_at, \
                         expires_at = EXCLUDED.expires_at, \
                         eligible_roles = EXCLUDED.eligible_roles, \
                         max_redemptions = EXCLUDED.max_redemptions, \
                         max_per_customer = EXCLUDED.max_per_customer, active = true, \
                         created_at = EXCLUDED.created_at",
                        code,
                    )
                    .bind(at)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
            }
            (CouponEvent::CouponUpdated { .. }, Some(terms)) => {
                terms
                    .query(
                        "UPDATE coupon_views SET discount = $2, min_subtotal_minor = $3, \
                         currency = COALESCE($4, currency), starts_at = $5, expires_at = $6, \
                         eligible_roles = $7, max_redemptions = $8, max_per_customer = $9 \
                         WHERE code = $1",
                        code,
                    )
                    .execute(&mut *tx)
                    .await?;
            }
            (CouponEvent::CouponDeactivated {}, _) => {
                sqlx::query("UPDATE coupon_views SET active = false WHERE code = $1")
                    .bind(code)
                    .execute(&mut *tx)
                    .await?;
            }
            (
                CouponEvent::CouponRedeemed {
                    order_id,
                    customer_id,
                    discount_amount,
                },
                _,
            ) => {
                // The figures move by the redemption stored (the position guard applies an
                // event once; an order redeems a coupon at most once): no recount of a
                // coupon's redemptions, which grow with every order using it.
                sqlx::query(
                    "WITH added AS (
                         INSERT INTO coupon_redemptions (code, order_id, customer_id,
                                                         discount_minor, currency, redeemed_at)
                         VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (code, order_id) DO NOTHING
                         RETURNING discount_minor)
                     UPDATE coupon_views
                        SET redemption_count = redemption_count + (SELECT count(*) FROM added),
                            discount_given_minor = discount_given_minor
                                + (SELECT COALESCE(sum(discount_minor), 0) FROM added)::bigint,
                            currency = COALESCE(currency, $5), version = $7, updated_at = $6
                      WHERE code = $1",
                )
                .bind(code)
                .bind(order_id)
                .bind(customer_id)
                .bind(discount_amount.minor)
                .bind(discount_amount.currency.as_str())
                .bind(at)
                .bind(version)
                .execute(&mut *tx)
                .await?;
                return Ok(());
            }
            (CouponEvent::RedemptionReleased { order_id, .. }, _) => {
                sqlx::query(
                    "WITH released AS (
                         DELETE FROM coupon_redemptions WHERE code = $1 AND order_id = $2
                         RETURNING discount_minor)
                     UPDATE coupon_views
                        SET redemption_count = redemption_count
                                - (SELECT count(*) FROM released),
                            discount_given_minor = discount_given_minor
                                - (SELECT COALESCE(sum(discount_minor), 0) FROM released)::bigint,
                            version = $3, updated_at = $4
                      WHERE code = $1",
                )
                .bind(code)
                .bind(order_id)
                .bind(version)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                return Ok(());
            }
            // `Terms::of` answers `Some` for both.
            (CouponEvent::CouponCreated { .. } | CouponEvent::CouponUpdated { .. }, None) => {}
        }
        sqlx::query("UPDATE coupon_views SET version = $2, updated_at = $3 WHERE code = $1")
            .bind(code)
            .bind(version)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}
