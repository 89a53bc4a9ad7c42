//! Coupon usage over a range: redemptions and releases, and the paid orders that used each
//! coupon with the discount they were given.

use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Row};

use super::range::DateRange;
use crate::read_models::{money_column, MoneyView};

/// One coupon's usage in one currency over the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = CouponUsageView)
)]
pub struct CouponUsage {
    /// The normalised code.
    pub code: String,
    /// ISO-4217 code.
    pub currency: String,
    /// Redemptions recorded in the range (at order confirmation).
    pub redemptions: i64,
    /// Redemptions given back in the range (order cancelled or expired).
    pub releases: i64,
    /// Distinct customers among the redemptions of the range.
    pub customers: i64,
    /// Orders with the coupon paid in the range.
    pub orders: i64,
    /// Discount of those orders: the discount actually given.
    pub discount_given: MoneyView,
    /// What those orders were charged, after the discount.
    pub gross_revenue: MoneyView,
}

/// A row of the coupons query, money in minor units of its `currency`.
impl<'r> FromRow<'r, PgRow> for CouponUsage {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        let currency: String = row.try_get("currency")?;
        let money = |column: &str| money_column(row, column, &currency);
        Ok(Self {
            code: row.try_get("code")?,
            redemptions: row.try_get("redemptions")?,
            releases: row.try_get("releases")?,
            customers: row.try_get("customers")?,
            orders: row.try_get("orders")?,
            discount_given: money("discount_given")?,
            gross_revenue: money("gross_revenue")?,
            currency,
        })
    }
}

/// `$1`/`$2`: the range's instants.
const COUPONS: &str = "\
WITH facts AS (
    SELECT code, currency, customer_id, 1 AS redeemed, 0 AS released, 0 AS paid,
           0::bigint AS discount, 0::bigint AS total
      FROM analytics_coupon_redemptions WHERE redeemed_at >= $1 AND redeemed_at < $2
    UNION ALL
    SELECT code, currency, NULL, 0, 1, 0, 0, 0
      FROM analytics_coupon_redemptions WHERE released_at >= $1 AND released_at < $2
    UNION ALL
    SELECT coupon_code, currency, NULL, 0, 0, 1, discount_minor, total_minor
      FROM analytics_orders
     WHERE coupon_code IS NOT NULL AND paid_at >= $1 AND paid_at < $2
)
SELECT code, currency, sum(redeemed)::bigint AS redemptions,
       sum(released)::bigint AS releases, count(DISTINCT customer_id) AS customers,
       sum(paid)::bigint AS orders, sum(discount)::bigint AS discount_given,
       sum(total)::bigint AS gross_revenue
  FROM facts GROUP BY code, currency ORDER BY code, currency";

/// Every coupon with any redemption, release or paid order in `range`, by code and currency.
pub async fn coupons(pool: &PgPool, range: &DateRange) -> Result<Vec<CouponUsage>, sqlx::Error> {
    sqlx::query_as(COUPONS)
        .bind(range.start())
        .bind(range.end())
        .fetch_all(pool)
        .await
}
