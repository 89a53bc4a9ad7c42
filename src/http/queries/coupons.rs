//! `GET coupons`, `GET coupons/{code}` (admins and auditors) and `GET coupons/mine` (the
//! coupons the signed-in caller can use now).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use commerce_aggregates::coupon::normalize_code;
use commerce_aggregates::Role;
use commerce_projections::read_models::coupons;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{decode, page_of, MoneyDto};
use super::params::{Invalid, ReadQuery};
use super::wait::{read_at_least, Access, Versioned};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::AppState;

/// Which page of a list to read.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

impl PageQuery {
    fn checked(self) -> Result<(u32, u32), ApiError> {
        let mut invalid = Invalid::default();
        let page = invalid.pagination(self.page, self.per_page);
        invalid.check()?;
        Ok(page)
    }
}

/// A coupon's discount: `{"percent": 10}` or `{"fixed": {"amount": 500, "currency": "USD"}}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiscountView {
    /// A whole percentage (1 to 100) of the subtotal.
    Percent(u8),
    /// A fixed amount, never more than the subtotal.
    Fixed(MoneyDto),
}

/// A coupon with its terms and live redemption figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CouponView {
    /// The code (upper case).
    #[schema(example = "WELCOME10")]
    pub code: String,
    /// The discount.
    pub discount: DiscountView,
    /// Smallest subtotal it applies to.
    pub min_subtotal: Option<MoneyDto>,
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
    pub discount_given: Option<MoneyDto>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The coupon's version as of this view (compare with command responses).
    pub version: i64,
}

page_of!(
    /// A page of coupons.
    CouponPage,
    CouponView
);

impl Versioned for coupons::CouponView {
    fn version(&self) -> i64 {
        self.version
    }
}

impl TryFrom<coupons::CouponView> for CouponView {
    type Error = ApiError;

    fn try_from(coupon: coupons::CouponView) -> Result<Self, ApiError> {
        Ok(Self {
            discount: decode("coupon discount", coupon.discount)?,
            code: coupon.code,
            min_subtotal: coupon.min_subtotal.map(Into::into),
            starts_at: coupon.starts_at,
            expires_at: coupon.expires_at,
            eligible_roles: coupon.eligible_roles,
            max_redemptions: coupon.max_redemptions,
            max_per_customer: coupon.max_per_customer,
            active: coupon.active,
            redemption_count: coupon.redemption_count,
            discount_given: coupon.discount_given.map(Into::into),
            created_at: coupon.created_at,
            updated_at: coupon.updated_at,
            version: coupon.version,
        })
    }
}

/// Lists every coupon, newest first (admins and auditors).
#[utoipa::path(
    get,
    path = "/coupons",
    operation_id = "list_coupons",
    tag = "coupons",
    params(PageQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of coupons", body = CouponPage),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<CouponPage>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let (page, per_page) = query.checked()?;
    let page = coupons::list(&state.pool, page, per_page).await?;
    Ok(Json(CouponPage::try_from_page(page, CouponView::try_from)?))
}

/// The coupons the caller can use now: active, within their validity window, open to the
/// caller's role, with redemptions left overall and for the caller; ordered by code. The
/// minimum subtotal depends on the cart and is not checked.
#[utoipa::path(
    get,
    path = "/coupons/mine",
    operation_id = "list_my_coupons",
    tag = "coupons",
    params(PageQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One page of usable coupons", body = CouponPage),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn mine(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<CouponPage>, ApiError> {
    let (page, per_page) = query.checked()?;
    let page =
        coupons::usable_by(&state.pool, user.id, user.role, Utc::now(), page, per_page).await?;
    Ok(Json(CouponPage::try_from_page(page, CouponView::try_from)?))
}

/// Reads one coupon, in any case (admins and auditors).
#[utoipa::path(
    get,
    path = "/coupons/{code}",
    operation_id = "get_coupon",
    tag = "coupons",
    params(("code" = String, Path, description = "The coupon code, any case"), ReadQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The coupon", body = CouponView),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such coupon", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`read_model_behind`: `min_version` not reached in time", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(code): ApiPath<String>,
    ApiQuery(read): ApiQuery<ReadQuery>,
) -> Result<Json<CouponView>, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    // A code no coupon can have names nothing (and never reaches the database).
    let code = normalize_code(&code).map_err(|_| ApiError::not_found("coupon"))?;
    let coupon = read_at_least(
        &state,
        "coupons",
        "coupon",
        &code,
        read.min_version,
        |_| Access::Visible,
        || coupons::get(&state.pool, &code),
    )
    .await?;
    Ok(Json(coupon.try_into()?))
}
