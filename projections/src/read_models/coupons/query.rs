//! Reading the coupon read model: one coupon, all coupons, a customer's redemptions of one, and
//! the coupons a customer can still use.

use chrono::{DateTime, Utc};
use commerce_aggregates::coupon::canonical_code;
use commerce_aggregates::Role;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::read_models::{json_column, MoneyView, Page, PageRequest};

/// A coupon's discount: `{"percent": 10}` or `{"fixed": {"amount": 500, "currency": "USD"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DiscountView {
    /// A whole percentage (1 to 100) of the subtotal.
    Percent(u8),
    /// A fixed amount, never more than the subtotal.
    Fixed(MoneyView),
}

/// A coupon with its terms and live redemption figures (`GET coupons`, `GET coupons/{code}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CouponView {
    /// The code (upper case).
    #[cfg_attr(feature = "openapi", schema(example = "WELCOME10"))]
    pub code: String,
    /// The discount.
    pub discount: DiscountView,
    /// Smallest subtotal it applies to.
    pub min_subtotal: Option<MoneyView>,
    /// Start of validity (inclusive).
    pub starts_at: Option<DateTime<Utc>>,
    /// End of validity (exclusive).
    pub expires_at: Option<DateTime<Utc>>,
    /// Roles allowed to redeem it; empty = everyone.
    pub eligible_roles: Vec<String>,
    /// Total redemption limit.
    pub max_redemptions: Option<i64>,
    /// Per-customer redemption limit.
    pub max_per_customer: Option<i64>,
    /// False once deactivated.
    pub active: bool,
    /// Live redemptions (released ones excluded).
    pub redemption_count: i64,
    /// Discount granted by the live redemptions (absent while no currency is known).
    pub discount_given: Option<MoneyView>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The coupon's version as of this view (compare with command responses).
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct CouponRow {
    code: String,
    discount: serde_json::Value,
    min_subtotal_minor: Option<i64>,
    currency: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    eligible_roles: Vec<String>,
    max_redemptions: Option<i64>,
    max_per_customer: Option<i64>,
    active: bool,
    redemption_count: i64,
    discount_given_minor: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl TryFrom<CouponRow> for CouponView {
    type Error = sqlx::Error;

    fn try_from(row: CouponRow) -> Result<Self, sqlx::Error> {
        let money = |amount: i64| {
            row.currency
                .clone()
                .map(|currency| MoneyView::new(amount, currency))
        };
        Ok(CouponView {
            min_subtotal: row.min_subtotal_minor.and_then(money),
            discount_given: money(row.discount_given_minor),
            code: row.code,
            discount: json_column("discount", row.discount)?,
            starts_at: row.starts_at,
            expires_at: row.expires_at,
            eligible_roles: row.eligible_roles,
            max_redemptions: row.max_redemptions,
            max_per_customer: row.max_per_customer,
            active: row.active,
            redemption_count: row.redemption_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        })
    }
}

macro_rules! coupon_columns {
    () => {
        "SELECT c.code, c.discount, c.min_subtotal_minor, c.currency, c.starts_at, \
         c.expires_at, c.eligible_roles, c.max_redemptions, c.max_per_customer, c.active, \
         c.redemption_count, c.discount_given_minor, c.created_at, c.updated_at, c.version \
         FROM coupon_views c"
    };
}

/// Coupons `$1` (customer id) with role `$3` can use at `$2`.
macro_rules! usable_where {
    () => {
        " WHERE c.active \
         AND (c.starts_at IS NULL OR c.starts_at <= $2) \
         AND (c.expires_at IS NULL OR $2 < c.expires_at) \
         AND (cardinality(c.eligible_roles) = 0 OR $3 = ANY (c.eligible_roles)) \
         AND (c.max_redemptions IS NULL OR c.redemption_count < c.max_redemptions) \
         AND (c.max_per_customer IS NULL OR c.max_per_customer > \
              (SELECT count(*) FROM coupon_redemptions r \
               WHERE r.code = c.code AND r.customer_id = $1))"
    };
}

/// The coupon `code` (any case), active or not.
pub async fn get(pool: &PgPool, code: &str) -> Result<Option<CouponView>, sqlx::Error> {
    let row: Option<CouponRow> = sqlx::query_as(concat!(coupon_columns!(), " WHERE c.code = $1"))
        .bind(canonical_code(code))
        .fetch_optional(pool)
        .await?;
    row.map(CouponView::try_from).transpose()
}

/// One page of every coupon, newest first, and how many there are.
pub async fn list(
    pool: &PgPool,
    page: u32,
    per_page: u32,
) -> Result<Page<CouponView>, sqlx::Error> {
    let request = PageRequest::new(page, per_page);
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM coupon_views")
        .fetch_one(pool)
        .await?;
    let rows: Vec<CouponRow> = sqlx::query_as(concat!(
        coupon_columns!(),
        " ORDER BY c.created_at DESC, c.code LIMIT $1 OFFSET $2"
    ))
    .bind(request.limit())
    .bind(request.offset())
    .fetch_all(pool)
    .await?;
    page_of(request, rows, total)
}

/// How many live redemptions of `code` `customer_id` has.
pub async fn redemptions_by(
    pool: &PgPool,
    code: &str,
    customer_id: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM coupon_redemptions WHERE code = $1 AND customer_id = $2",
    )
    .bind(canonical_code(code))
    .bind(customer_id)
    .fetch_one(pool)
    .await
}

/// The coupons `customer_id` (with `role`) can use at `at`: active, within their validity
/// window, open to the role, with total and per-customer redemptions left; ordered by code.
/// The minimum subtotal depends on the cart and is not checked here.
pub async fn usable_by(
    pool: &PgPool,
    customer_id: Uuid,
    role: Role,
    at: DateTime<Utc>,
    page: u32,
    per_page: u32,
) -> Result<Page<CouponView>, sqlx::Error> {
    let request = PageRequest::new(page, per_page);
    let total: i64 = sqlx::query_scalar(concat!(
        "SELECT count(*) FROM coupon_views c",
        usable_where!()
    ))
    .bind(customer_id)
    .bind(at)
    .bind(role.as_str())
    .fetch_one(pool)
    .await?;
    let rows: Vec<CouponRow> = sqlx::query_as(concat!(
        coupon_columns!(),
        usable_where!(),
        " ORDER BY c.code LIMIT $4 OFFSET $5"
    ))
    .bind(customer_id)
    .bind(at)
    .bind(role.as_str())
    .bind(request.limit())
    .bind(request.offset())
    .fetch_all(pool)
    .await?;
    page_of(request, rows, total)
}

/// The page of `rows` (of `total` in all) that `request` asked for, as views.
fn page_of(
    request: PageRequest,
    rows: Vec<CouponRow>,
    total: i64,
) -> Result<Page<CouponView>, sqlx::Error> {
    let coupons = rows
        .into_iter()
        .map(CouponView::try_from)
        .collect::<Result<_, _>>()?;
    Ok(request.into_page(coupons, total))
}
