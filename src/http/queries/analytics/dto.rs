//! The response bodies of the analytics routes: the range (and the parameters) a report was
//! asked for, around the analytics read model's views, served as they are.

use chrono::{DateTime, NaiveDate, Utc};
use commerce_projections::read_models::analytics::{
    CartFunnel, CouponUsage, CurrencyProducts, CurrencySales, ProductRank,
};
use serde::Serialize;
use utoipa::ToSchema;

/// `GET admin/analytics/sales`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SalesReport {
    /// First UTC day of the range.
    pub from: NaiveDate,
    /// Last UTC day of the range (included).
    pub to: NaiveDate,
    /// One entry per currency with any activity in the range, by code.
    pub currencies: Vec<CurrencySales>,
}

/// `GET admin/analytics/products`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductsReport {
    /// First UTC day of the range.
    pub from: NaiveDate,
    /// Last UTC day of the range (included).
    pub to: NaiveDate,
    /// What ranks the products.
    pub by: ProductRank,
    /// Most products per currency.
    pub limit: u32,
    /// One entry per currency with sales or refunds in the range, by code.
    pub currencies: Vec<CurrencyProducts>,
}

/// `GET admin/analytics/coupons`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CouponsReport {
    /// First UTC day of the range.
    pub from: NaiveDate,
    /// Last UTC day of the range (included).
    pub to: NaiveDate,
    /// Every coupon with a redemption, release or paid order in the range, by code.
    pub coupons: Vec<CouponUsage>,
}

/// `GET admin/analytics/carts`: what became of the carts created in the range.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartsReport {
    /// First UTC day of the range.
    pub from: NaiveDate,
    /// Last UTC day of the range (included).
    pub to: NaiveDate,
    /// Idle hours after which a cart holding items counts as abandoned.
    pub abandoned_after_hours: u32,
    /// The instant idleness is measured against.
    pub as_of: DateTime<Utc>,
    /// The funnel's counts and rates, beside the range in the body.
    #[serde(flatten)]
    pub funnel: CartFunnel,
}
