//! Coupon commands (admins): create, change the terms, deactivate. A coupon is identified
//! by its code, normalised to upper case.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use commerce_aggregates::coupon::{normalize_code, CouponError, CouponTerms};
use commerce_aggregates::{Discount, Money, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{
    located, nullable, ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse,
    CreateHeaders, CreateProblems, MoneyDto,
};
use super::preconditions::{Admin, IfMatch};
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;
use crate::store::ExecuteError;
use crate::usecases::coupons::{self, CouponChanges, CreatedCoupon, NewCoupon};

/// A coupon's discount: `{"percent": 10}` or `{"fixed": {"amount": 500, "currency": "USD"}}`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DiscountDto {
    /// 1 to 100 percent of the subtotal.
    Percent(u8),
    /// A fixed amount off (capped at the subtotal).
    Fixed(MoneyDto),
}

impl DiscountDto {
    fn to_discount(&self) -> Result<Discount, ApiError> {
        Ok(match self {
            DiscountDto::Percent(percent) => Discount::Percent(*percent),
            DiscountDto::Fixed(amount) => Discount::Fixed(amount.to_money("discount.fixed")?),
        })
    }
}

/// `POST coupons`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCouponRequest {
    /// The code customers type: 3–32 of `A-Z 0-9 _ -`, any case (stored upper-case).
    #[schema(example = "WELCOME10", pattern = "^[A-Za-z0-9_-]{3,32}$")]
    pub code: String,
    /// The discount.
    pub discount: DiscountDto,
    /// Smallest subtotal it applies to.
    #[serde(default)]
    pub min_subtotal: Option<MoneyDto>,
    /// Start of validity (inclusive).
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// End of validity (exclusive).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Roles allowed to use it; empty or absent: everyone.
    #[serde(default)]
    #[schema(value_type = Vec<String>, example = json!(["prime"]))]
    pub eligible_roles: Vec<Role>,
    /// Most redemptions in total.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub max_redemptions: Option<u32>,
    /// Most redemptions per customer.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub max_per_customer: Option<u32>,
}

/// `PATCH coupons/{code}`: absent fields keep their value, `null` clears an optional one.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCouponRequest {
    /// New discount.
    #[serde(default)]
    pub discount: Option<DiscountDto>,
    /// New minimum subtotal; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<MoneyDto>)]
    pub min_subtotal: Option<Option<MoneyDto>>,
    /// New start of validity; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub starts_at: Option<Option<DateTime<Utc>>>,
    /// New end of validity; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
    /// New eligible roles (empty: everyone).
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub eligible_roles: Option<Vec<Role>>,
    /// New total limit (not below the redemptions made); `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub max_redemptions: Option<Option<u32>>,
    /// New per-customer limit; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>, minimum = 1)]
    pub max_per_customer: Option<Option<u32>>,
}

fn money(value: Option<&MoneyDto>, field: &str) -> Result<Option<Money>, ApiError> {
    value.map(|m| m.to_money(field)).transpose()
}

/// The coupon id for a code in a path; a code that cannot exist is 404.
fn path_code(code: &str) -> Result<String, ApiError> {
    normalize_code(code).map_err(|_| ApiError::not_found("coupon"))
}

/// The API's answer to a refused coupon command: a missing coupon is a plain 404.
fn coupon_error(error: ExecuteError<CouponError>) -> ApiError {
    match error {
        ExecuteError::Domain(CouponError::NotFound) => ApiError::not_found("coupon"),
        other => other.into(),
    }
}

/// Creates an active coupon.
#[utoipa::path(
    post,
    path = "/coupons",
    tag = "coupons",
    operation_id = "create_coupon",
    request_body = CreateCouponRequest, params(CreateHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the coupon", body = CommandResponse,
         headers(("Location" = String, description = "/api/v1/coupons/{CODE}"))),
        CreateProblems
    )
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    admin: Admin,
    State(state): State<AppState>,
    request_id: RequestId,
    CommandJson(body): CommandJson<CreateCouponRequest>,
) -> Result<Response, ApiError> {
    let terms = CouponTerms {
        discount: body.discount.to_discount()?,
        min_subtotal: money(body.min_subtotal.as_ref(), "min_subtotal")?,
        starts_at: body.starts_at,
        expires_at: body.expires_at,
        eligible_roles: body.eligible_roles,
        max_redemptions: body.max_redemptions,
        max_per_customer: body.max_per_customer,
    };
    let input = NewCoupon {
        code: body.code,
        terms,
    };
    let metadata = admin.0.metadata(&request_id.0);
    let CreatedCoupon { code, version } = coupons::create_coupon(&state.stores, input, &metadata)
        .await
        .map_err(coupon_error)?;
    located(
        StatusCode::CREATED,
        &format!("/api/v1/coupons/{code}"),
        &code,
        version,
    )
}

command_path! {
    patch "/coupons/{code}",
    tag = "coupons",
    operation_id = "update_coupon",
    request_body = UpdateCouponRequest,
    params(("code" = String, Path, description = "Coupon code (any case)")),
    ok = "Updated";

    /// Changes some of a coupon's terms.
    #[tracing::instrument(skip_all, fields(code = %code))]
    pub async fn update(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(code): ApiPath<String>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<UpdateCouponRequest>,
    ) -> Result<Response, ApiError> {
        let code = path_code(&code)?;
        let min_subtotal = match &body.min_subtotal {
            Some(value) => Some(money(value.as_ref(), "min_subtotal")?),
            None => None,
        };
        let changes = CouponChanges {
            discount: body
                .discount
                .as_ref()
                .map(DiscountDto::to_discount)
                .transpose()?,
            min_subtotal,
            starts_at: body.starts_at,
            expires_at: body.expires_at,
            eligible_roles: body.eligible_roles,
            max_redemptions: body.max_redemptions,
            max_per_customer: body.max_per_customer,
        };
        let metadata = admin.0.metadata(&request_id.0);
        let version =
            coupons::update_coupon(&state.stores, &code, changes, &metadata, expected.0)
                .await
                .map_err(coupon_error)?;
        Ok(ok(&code, version))
    }
}

command_path! {
    post "/coupons/{code}/deactivate",
    tag = "coupons",
    operation_id = "deactivate_coupon",
    params(("code" = String, Path, description = "Coupon code (any case)")),
    ok = "Deactivated";

    /// Deactivates a coupon for good.
    #[tracing::instrument(skip_all, fields(code = %code))]
    pub async fn deactivate(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(code): ApiPath<String>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let code = path_code(&code)?;
        let metadata = admin.0.metadata(&request_id.0);
        let version = coupons::deactivate_coupon(&state.stores, &code, &metadata, expected.0)
            .await
            .map_err(coupon_error)?;
        Ok(ok(&code, version))
    }
}
