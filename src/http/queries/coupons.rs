//! `GET coupons`, `GET coupons/{code}` (admins and auditors) and `GET coupons/mine` (the
//! coupons the signed-in caller can use now).

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use commerce_aggregates::coupon::normalize_code;
use commerce_aggregates::Role;
use commerce_projections::read_models::coupons::{self, CouponView};
use commerce_projections::read_models::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::page_of;
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
    pub(super) fn checked(self) -> Result<PageRequest, ApiError> {
        let mut invalid = Invalid::default();
        let page = invalid.pagination(self.page, self.per_page);
        invalid.check()?;
        Ok(page)
    }
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
    let request = query.checked()?;
    let page = coupons::list(&state.pool, request.page(), request.per_page()).await?;
    Ok(Json(CouponPage::try_from_page(page, Ok)?))
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
    let request = query.checked()?;
    let page = coupons::usable_by(
        &state.pool,
        user.id,
        user.role,
        Utc::now(),
        request.page(),
        request.per_page(),
    )
    .await?;
    Ok(Json(CouponPage::try_from_page(page, Ok)?))
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
    Ok(Json(coupon))
}
