//! Back-office analytics (admins and auditors; customers 403): `GET admin/analytics/sales`,
//! `products`, `coupons` and `carts` over a range of UTC days.
//!
//! - `from`/`to` are `YYYY-MM-DD` UTC days, both included; `to` defaults to today, `from` to
//!   29 days before `to` (30 days). `from` after `to`, or more than 366 days, is a 422.
//! - A sale is an order paid, counted on the UTC day its payment was recorded; a refund counts
//!   on the day it was recorded. Every money figure is per currency.
//! - The analytics read model is built by its own projection (`analytics`) and is eventually
//!   consistent: a report reflects the events its consumer has applied (usually within
//!   milliseconds of the commit). No `min_version` here: a report spans many aggregates.

mod dto;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Duration, NaiveDate, Utc};
use commerce_aggregates::Role;
use commerce_projections::read_models::analytics::{
    self, CartFunnel, CouponUsage, CurrencyProducts, CurrencySales, DateRange, DaySales,
    ProductRank, ProductSales, RangeError, SalesFigures,
};
use commerce_projections::read_models::MoneyView;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use self::dto::{CartsReport, CouponsReport, ProductsReport, SalesReport};
use super::params::Invalid;
use crate::http::auth::AuthUser;
use crate::http::error::{ApiError, FieldError, Problem};
use crate::http::extract::ApiQuery;
use crate::http::AppState;

/// Days covered when the caller names no `from`.
const DEFAULT_DAYS: u64 = 30;
/// Products per currency when the caller names no `limit`, and the most allowed.
pub(crate) const DEFAULT_LIMIT: u32 = 10;
const MAX_LIMIT: u32 = 100;
/// Idle hours before a cart holding items counts as abandoned by default, and the most allowed.
pub(crate) const DEFAULT_ABANDONED_AFTER_HOURS: u32 = 24;
const MAX_ABANDONED_AFTER_HOURS: u32 = 8_760;

/// The analytics routes, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/analytics/sales", get(sales))
        .route("/admin/analytics/products", get(products))
        .route("/admin/analytics/coupons", get(coupons))
        .route("/admin/analytics/carts", get(carts))
}

/// The days a report covers.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First UTC day, `YYYY-MM-DD` (default: 29 days before `to`).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// Last UTC day, included, `YYYY-MM-DD` (default: today); at most 366 days from `from`.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    pub to: Option<String>,
}

/// Range and store of the sales report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesQuery {
    /// First UTC day, `YYYY-MM-DD` (default: 29 days before `to`).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// Last UTC day, included, `YYYY-MM-DD` (default: today); at most 366 days from `from`.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    pub to: Option<String>,
    /// Only the orders of this store (its slug); absent: every store.
    #[param(max_length = 64)]
    pub store: Option<String>,
}

/// Range, size and ranking of the top-products report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductsQuery {
    /// First UTC day, `YYYY-MM-DD` (default: 29 days before `to`).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// Last UTC day, included, `YYYY-MM-DD` (default: today); at most 366 days from `from`.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    pub to: Option<String>,
    /// Products per currency, 1 to 100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// Rank by net `revenue` (default) or net `units`.
    #[param(inline)]
    pub by: Option<ProductRank>,
}

/// Range and abandonment threshold of the cart report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CartsQuery {
    /// First UTC day of cart creation, `YYYY-MM-DD` (default: 29 days before `to`).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// Last UTC day of cart creation, included, `YYYY-MM-DD` (default: today).
    #[param(value_type = Option<String>, format = Date, example = "2026-11-30")]
    pub to: Option<String>,
    /// Hours without activity after which a cart holding items counts as abandoned, 0 to
    /// 8760 (default 24).
    #[param(minimum = 0, maximum = 8760)]
    pub abandoned_after_hours: Option<u32>,
}

/// A `YYYY-MM-DD` day, or an invalid `field`.
fn day(invalid: &mut Invalid, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let value = value?.trim();
    let parsed = (value.len() == 10)
        .then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        invalid.push(field, "must be a day written YYYY-MM-DD");
    }
    parsed
}

/// The range `from..=to` with its defaults; a refused range is recorded in `invalid` (and a
/// placeholder returned, never queried since the request fails). The back office's analytics
/// page takes its range by the same rules.
pub(crate) fn date_range(invalid: &mut Invalid, from: Option<&str>, to: Option<&str>) -> DateRange {
    let today = Utc::now().date_naive();
    let to_day = day(invalid, "to", to).unwrap_or(today);
    let range = match day(invalid, "from", from) {
        Some(from_day) => DateRange::new(from_day, to_day),
        None => DateRange::last_days(to_day, DEFAULT_DAYS),
    };
    range.unwrap_or_else(|error| {
        let field = match error {
            RangeError::TooLong { .. } | RangeError::OutOfBounds => "to",
            RangeError::Reversed => "from",
        };
        invalid.push(field, error.to_string());
        DateRange::single(today)
    })
}

/// Admins and auditors only.
fn back_office(user: &AuthUser) -> Result<(), ApiError> {
    user.require(&[Role::Admin, Role::Auditor])
}

/// Daily sales per currency: orders placed and paid, units, subtotal, discounts, shipping,
/// tax, gross revenue, refunds, net revenue and average order value, with the range's totals.
#[utoipa::path(
    get,
    path = "/admin/analytics/sales",
    operation_id = "analytics_sales",
    tag = "analytics",
    params(SalesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Every day of the range per currency with activity", body = SalesReport),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid days or range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn sales(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<SalesQuery>,
) -> Result<Json<SalesReport>, ApiError> {
    back_office(&user)?;
    let mut invalid = Invalid::default();
    let range = date_range(&mut invalid, query.from.as_deref(), query.to.as_deref());
    let store = invalid.text("store", query.store);
    invalid.check()?;
    let currencies = analytics::sales(&state.pool, &range, store.as_deref()).await?;
    Ok(Json(SalesReport {
        from: range.from(),
        to: range.to(),
        currencies,
    }))
}

/// The best-selling SKUs per currency: units and merchandise revenue of the orders paid in
/// the range, less the refunds recorded in it, ranked by net revenue or net units.
#[utoipa::path(
    get,
    path = "/admin/analytics/products",
    operation_id = "analytics_products",
    tag = "analytics",
    params(ProductsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The top products of each currency", body = ProductsReport),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn products(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<ProductsQuery>,
) -> Result<Json<ProductsReport>, ApiError> {
    back_office(&user)?;
    let mut invalid = Invalid::default();
    let range = date_range(&mut invalid, query.from.as_deref(), query.to.as_deref());
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        invalid.push("limit", format!("must be between 1 and {MAX_LIMIT}"));
    }
    invalid.check()?;
    let by = query.by.unwrap_or_default();
    let currencies = analytics::products(&state.pool, &range, limit, by).await?;
    Ok(Json(ProductsReport {
        from: range.from(),
        to: range.to(),
        by,
        limit,
        currencies,
    }))
}

/// Coupon usage per code and currency: redemptions, releases, distinct customers, and the
/// orders paid with the coupon with the discount they were given.
#[utoipa::path(
    get,
    path = "/admin/analytics/coupons",
    operation_id = "analytics_coupons",
    tag = "analytics",
    params(RangeQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Every coupon used in the range", body = CouponsReport),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid days or range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn coupons(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<CouponsReport>, ApiError> {
    back_office(&user)?;
    let mut invalid = Invalid::default();
    let range = date_range(&mut invalid, query.from.as_deref(), query.to.as_deref());
    invalid.check()?;
    let coupons = analytics::coupons(&state.pool, &range).await?;
    Ok(Json(CouponsReport {
        from: range.from(),
        to: range.to(),
        coupons,
    }))
}

/// Cart conversion and abandonment of the carts created in the range: checked out, paid,
/// abandoned (holding items, idle longer than `abandoned_after_hours`), active and empty.
#[utoipa::path(
    get,
    path = "/admin/analytics/carts",
    operation_id = "analytics_carts",
    tag = "analytics",
    params(CartsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "What became of the carts created in the range", body = CartsReport),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or auditor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn carts(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<CartsQuery>,
) -> Result<Json<CartsReport>, ApiError> {
    back_office(&user)?;
    let mut invalid = Invalid::default();
    let range = date_range(&mut invalid, query.from.as_deref(), query.to.as_deref());
    let hours = query
        .abandoned_after_hours
        .unwrap_or(DEFAULT_ABANDONED_AFTER_HOURS);
    if hours > MAX_ABANDONED_AFTER_HOURS {
        invalid.push(
            "abandoned_after_hours",
            format!("must be between 0 and {MAX_ABANDONED_AFTER_HOURS}"),
        );
    }
    invalid.check()?;
    let as_of = Utc::now();
    let idle_before = as_of - Duration::hours(i64::from(hours));
    let funnel = analytics::carts(&state.pool, &range, idle_before).await?;
    Ok(Json(CartsReport {
        from: range.from(),
        to: range.to(),
        abandoned_after_hours: hours,
        as_of,
        funnel,
    }))
}

/// The OpenAPI description of the analytics routes.
#[derive(OpenApi)]
#[openapi(
    paths(sales, products, coupons, carts),
    components(schemas(
        Problem,
        FieldError,
        MoneyView,
        SalesReport,
        CurrencySales,
        DaySales,
        SalesFigures,
        ProductsReport,
        CurrencyProducts,
        ProductSales,
        ProductRank,
        CouponsReport,
        CouponUsage,
        CartsReport,
        CartFunnel,
    )),
    tags((name = "analytics", description = "Back-office sales, product, coupon and cart \
        analytics (admins and auditors; eventually consistent)")),
)]
pub struct Api;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_the_four_reports() {
        let doc = serde_json::to_value(Api::openapi()).expect("document serialises");
        crate::http::openapi::assert_every_ref_resolves(&doc);
        for path in ["sales", "products", "coupons", "carts"] {
            let path = format!("/admin/analytics/{path}");
            assert!(doc["paths"][&path]["get"].is_object(), "{path} missing");
        }
        let schemas = &doc["components"]["schemas"];
        for schema in [
            "SalesReport",
            "DaySalesView",
            "ProductsReport",
            "CartsReport",
        ] {
            assert!(schemas[schema].is_object(), "{schema} missing");
        }
    }

    #[test]
    fn days_must_be_written_in_full() {
        let mut invalid = Invalid::default();
        assert_eq!(
            day(&mut invalid, "from", Some("2026-11-01")),
            NaiveDate::from_ymd_opt(2026, 11, 1)
        );
        assert!(invalid.check().is_ok());
        for bad in ["2026-1-01", "2026-11-31", "01/11/2026", "+2026-11-01", ""] {
            let mut invalid = Invalid::default();
            assert_eq!(day(&mut invalid, "from", Some(bad)), None, "{bad}");
            assert!(invalid.check().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_default_range_is_the_last_thirty_days() {
        let mut invalid = Invalid::default();
        let range = date_range(&mut invalid, None, Some("2026-11-30"));
        assert!(invalid.check().is_ok());
        assert_eq!(
            range.from(),
            NaiveDate::from_ymd_opt(2026, 11, 1).expect("day")
        );
        let mut invalid = Invalid::default();
        date_range(&mut invalid, Some("2026-12-01"), Some("2026-11-30"));
        assert!(invalid.check().is_err());
    }
}
