//! The response bodies of the analytics routes, converted from the analytics read model's
//! figures (money as `{amount, currency}`).

use chrono::{DateTime, NaiveDate, Utc};
use commerce_projections::read_models::analytics::{
    CartFunnel, CouponUsage, CurrencyProducts, CurrencySales, DaySales, ProductSales, SalesFigures,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::queries::dto::MoneyDto;

fn money(amount: i64, currency: &str) -> MoneyDto {
    MoneyDto {
        amount,
        currency: currency.to_string(),
    }
}

/// The sales figures of a day or of a whole range, in one currency. A sale is an order paid
/// (counted on the UTC day of its payment); refunds count on the day they were recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SalesFiguresView {
    /// Orders placed (whatever became of them).
    pub orders_placed: i64,
    /// Orders paid: the sales.
    pub orders: i64,
    /// Units in the orders paid.
    pub units: i64,
    /// Line totals of the orders paid, before discount.
    pub subtotal: MoneyDto,
    /// Coupon discounts of the orders paid.
    pub discounts: MoneyDto,
    /// Shipping charged on the orders paid.
    pub shipping: MoneyDto,
    /// Tax of the orders paid.
    pub tax: MoneyDto,
    /// What the orders paid were charged: `subtotal − discounts + shipping + tax`.
    pub gross_revenue: MoneyDto,
    /// Refunds recorded (of orders paid on any day).
    pub refunded_orders: i64,
    /// Amounts refunded.
    pub refunds: MoneyDto,
    /// `gross_revenue − refunds`.
    pub net_revenue: MoneyDto,
    /// `gross_revenue / orders`, rounded half away from zero to the minor unit (0 without
    /// orders).
    pub average_order_value: MoneyDto,
}

impl SalesFiguresView {
    fn new(figures: &SalesFigures, currency: &str) -> Self {
        Self {
            orders_placed: figures.orders_placed,
            orders: figures.orders,
            units: figures.units,
            subtotal: money(figures.subtotal, currency),
            discounts: money(figures.discounts, currency),
            shipping: money(figures.shipping, currency),
            tax: money(figures.tax, currency),
            gross_revenue: money(figures.gross_revenue, currency),
            refunded_orders: figures.refunded_orders,
            refunds: money(figures.refunds, currency),
            net_revenue: money(figures.net_revenue(), currency),
            average_order_value: money(figures.average_order_value(), currency),
        }
    }
}

/// One day's sales.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DaySalesView {
    /// The UTC day.
    pub date: NaiveDate,
    /// Its figures.
    #[serde(flatten)]
    pub figures: SalesFiguresView,
}

/// The sales of one currency: the range's totals and every day of the range.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CurrencySalesView {
    /// ISO-4217 code.
    pub currency: String,
    /// The whole range.
    pub totals: SalesFiguresView,
    /// Every day of the range in order, zeros on days without activity.
    pub days: Vec<DaySalesView>,
}

impl From<CurrencySales> for CurrencySalesView {
    fn from(sales: CurrencySales) -> Self {
        let currency = sales.currency;
        Self {
            totals: SalesFiguresView::new(&sales.totals, &currency),
            days: sales
                .days
                .iter()
                .map(|DaySales { day, figures }| DaySalesView {
                    date: *day,
                    figures: SalesFiguresView::new(figures, &currency),
                })
                .collect(),
            currency,
        }
    }
}

/// `GET admin/analytics/sales`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SalesReport {
    /// First UTC day of the range.
    pub from: NaiveDate,
    /// Last UTC day of the range (included).
    pub to: NaiveDate,
    /// One entry per currency with any activity in the range, by code.
    pub currencies: Vec<CurrencySalesView>,
}

/// What ranks the top products.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// Net revenue, highest first.
    #[default]
    Revenue,
    /// Net units, most first.
    Units,
}

/// One SKU's sales over the range. Revenue is merchandise revenue: line totals less their
/// discount share, without tax or shipping.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductSalesView {
    /// Rank within its currency, from 1.
    pub rank: i64,
    /// The product.
    pub product_id: Uuid,
    /// The variant.
    pub sku: String,
    /// The product's name at its latest sale in the range.
    pub name: String,
    /// Orders paid in the range holding the SKU.
    pub orders: i64,
    /// Units in those orders.
    pub units_sold: i64,
    /// Units given back by the refunds recorded in the range.
    pub units_refunded: i64,
    /// `units_sold − units_refunded`.
    pub net_units: i64,
    /// Line totals sold, before discount.
    pub gross_sales: MoneyDto,
    /// Discount shares of the lines sold.
    pub discounts: MoneyDto,
    /// Line totals less discount of the lines refunded.
    pub refunds: MoneyDto,
    /// `gross_sales − discounts − refunds`.
    pub net_revenue: MoneyDto,
}

impl ProductSalesView {
    fn new(sales: ProductSales, currency: &str) -> Self {
        Self {
            rank: sales.rank,
            product_id: sales.product_id,
            sku: sales.sku,
            name: sales.name,
            orders: sales.orders,
            units_sold: sales.units_sold,
            units_refunded: sales.units_refunded,
            net_units: sales.net_units,
            gross_sales: money(sales.gross_sales, currency),
            discounts: money(sales.discounts, currency),
            refunds: money(sales.refunds, currency),
            net_revenue: money(sales.net_revenue, currency),
        }
    }
}

/// The top products of one currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CurrencyProductsView {
    /// ISO-4217 code.
    pub currency: String,
    /// At most `limit` products, best first.
    pub products: Vec<ProductSalesView>,
}

impl From<CurrencyProducts> for CurrencyProductsView {
    fn from(group: CurrencyProducts) -> Self {
        let currency = group.currency;
        Self {
            products: group
                .products
                .into_iter()
                .map(|sales| ProductSalesView::new(sales, &currency))
                .collect(),
            currency,
        }
    }
}

/// `GET admin/analytics/products`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductsReport {
    /// First UTC day of the range.
    pub from: NaiveDate,
    /// Last UTC day of the range (included).
    pub to: NaiveDate,
    /// What ranks the products.
    pub by: RankBy,
    /// Most products per currency.
    pub limit: u32,
    /// One entry per currency with sales or refunds in the range, by code.
    pub currencies: Vec<CurrencyProductsView>,
}

/// One coupon's usage in one currency over the range.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CouponUsageView {
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
    pub discount_given: MoneyDto,
    /// What those orders were charged, after the discount.
    pub gross_revenue: MoneyDto,
}

impl From<CouponUsage> for CouponUsageView {
    fn from(usage: CouponUsage) -> Self {
        Self {
            discount_given: money(usage.discount_given, &usage.currency),
            gross_revenue: money(usage.gross_revenue, &usage.currency),
            code: usage.code,
            currency: usage.currency,
            redemptions: usage.redemptions,
            releases: usage.releases,
            customers: usage.customers,
            orders: usage.orders,
        }
    }
}

/// `GET admin/analytics/coupons`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CouponsReport {
    /// First UTC day of the range.
    pub from: NaiveDate,
    /// Last UTC day of the range (included).
    pub to: NaiveDate,
    /// Every coupon with a redemption, release or paid order in the range, by code.
    pub coupons: Vec<CouponUsageView>,
}

/// `GET admin/analytics/carts`: what became of the carts created in the range.
/// `created = checked_out + abandoned + active + empty`; `with_items = checked_out +
/// abandoned + active`.
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
    /// Carts created in the range.
    pub created: i64,
    /// Carts checked out or still holding items.
    pub with_items: i64,
    /// Carts checked out.
    pub checked_out: i64,
    /// Checked-out carts whose order has been paid.
    pub paid: i64,
    /// Carts holding items, not checked out, idle longer than the threshold (or abandoned
    /// explicitly).
    pub abandoned: i64,
    /// Carts holding items, not checked out, active within the threshold.
    pub active: i64,
    /// Carts not checked out holding no items.
    pub empty: i64,
    /// `checked_out / with_items` (4 decimals); null without carts holding items.
    #[schema(example = 0.8)]
    pub conversion_rate: Option<f64>,
    /// `abandoned / with_items` (4 decimals); null without carts holding items.
    #[schema(example = 0.2)]
    pub abandonment_rate: Option<f64>,
}

impl CartsReport {
    /// The report of `funnel`.
    pub fn new(
        from: NaiveDate,
        to: NaiveDate,
        abandoned_after_hours: u32,
        as_of: DateTime<Utc>,
        funnel: CartFunnel,
    ) -> Self {
        Self {
            from,
            to,
            abandoned_after_hours,
            as_of,
            created: funnel.created,
            with_items: funnel.with_items,
            checked_out: funnel.checked_out,
            paid: funnel.paid,
            abandoned: funnel.abandoned,
            active: funnel.active,
            empty: funnel.empty,
            conversion_rate: funnel.conversion_rate(),
            abandonment_rate: funnel.abandonment_rate(),
        }
    }
}
