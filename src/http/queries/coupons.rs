//! `GET coupons`, `GET coupons/{code}` (admins and auditors) and `GET coupons/mine` (the
//! coupons the signed-in caller can use now).

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use commerce_aggregates::coupon::normalize_code;
use commerce_aggregates::Role;
use commerce_projections::read_models::coupons::{self, CouponView};

use super::dto::{page_of, QueryProblems, StaffQueryProblems};
use super::params::{PageQuery, ReadQuery};
use super::wait::{read_at_least, Access, Versioned};
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::AppState;

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
        StaffQueryProblems,
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
        QueryProblems,
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
        StaffQueryProblems,
        (status = 404, description = "No such coupon", body = Problem, content_type = "application/problem+json"),
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
    let coupon = read_coupon(&state, &code, read.min_version, |_| Access::Visible).await?;
    Ok(Json(coupon))
}

/// Coupon `code` (normalised) as the read model has it once it reflects `min_version`
/// (bounded wait), if `access` lets the reader see it (404 otherwise).
pub(crate) async fn read_coupon(
    state: &AppState,
    code: &str,
    min_version: Option<u64>,
    access: impl Fn(&CouponView) -> Access,
) -> Result<CouponView, ApiError> {
    read_at_least(
        state,
        "coupons",
        "coupon",
        code,
        min_version,
        access,
        || coupons::get(&state.pool, code),
    )
    .await
}
