//! Top products per currency over a range: units and revenue of each SKU in the orders paid,
//! less what was refunded, ranked by net revenue or net units.

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Row};
use uuid::Uuid;

use super::range::DateRange;
use crate::read_models::{money_column, MoneyView};

/// What ranks the top products.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RankBy))]
pub enum ProductRank {
    /// Net revenue, highest first (then net units).
    #[default]
    Revenue,
    /// Net units, most first (then net revenue).
    Units,
}

impl ProductRank {
    fn as_str(self) -> &'static str {
        match self {
            ProductRank::Revenue => "revenue",
            ProductRank::Units => "units",
        }
    }
}

/// One SKU's sales over the range. Revenue is merchandise revenue: line totals less their
/// discount share, without tax or shipping. Sales count on the day their order was paid,
/// refunds on the day they were recorded (a refund gives every line of the order back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = ProductSalesView)
)]
pub struct ProductSales {
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
    pub gross_sales: MoneyView,
    /// Discount shares of the lines sold.
    pub discounts: MoneyView,
    /// Line totals less discount of the lines refunded (a line refunded in part: its share
    /// for those units, rounded down; a refund by amount returns no units).
    pub refunds: MoneyView,
    /// `gross_sales − discounts − refunds`.
    pub net_revenue: MoneyView,
}

/// A row of the products query, money in minor units of its `currency`.
impl<'r> FromRow<'r, PgRow> for ProductSales {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        let currency: String = row.try_get("currency")?;
        let money = |column: &str| money_column(row, column, &currency);
        Ok(Self {
            rank: row.try_get("rank")?,
            product_id: row.try_get("product_id")?,
            sku: row.try_get("sku")?,
            name: row.try_get("name")?,
            orders: row.try_get("orders")?,
            units_sold: row.try_get("units_sold")?,
            units_refunded: row.try_get("units_refunded")?,
            net_units: row.try_get("net_units")?,
            gross_sales: money("gross_sales")?,
            discounts: money("discounts")?,
            refunds: money("refunds")?,
            net_revenue: money("net_revenue")?,
        })
    }
}

/// The top products of one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = CurrencyProductsView)
)]
pub struct CurrencyProducts {
    /// ISO-4217 code.
    pub currency: String,
    /// At most `limit` products, best first.
    pub products: Vec<ProductSales>,
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    currency: String,
    #[sqlx(flatten)]
    sales: ProductSales,
}

/// `$1`/`$2`: the range's instants; `$3`: products per currency; `$4`: `revenue` or `units`.
const PRODUCTS: &str = "\
WITH facts AS (
    SELECT l.product_id, l.sku, o.currency, l.name, o.paid_at AS at, o.order_id,
           l.quantity AS sold, 0::bigint AS refunded_units, l.line_total_minor AS gross,
           l.discount_minor AS discount, 0::bigint AS refund
      FROM analytics_orders o JOIN analytics_order_lines l ON l.order_id = o.order_id
     WHERE o.paid_at >= $1 AND o.paid_at < $2
    UNION ALL
    SELECT l.product_id, l.sku, r.currency, l.name, r.refunded_at, NULL, 0, u.units, 0, 0,
           (l.line_total_minor - l.discount_minor) * u.units / l.quantity
      FROM analytics_refunds r JOIN analytics_order_lines l ON l.order_id = r.order_id
     CROSS JOIN LATERAL (SELECT CASE WHEN r.lines IS NULL THEN l.quantity::bigint
                                     ELSE COALESCE((r.lines ->> l.sku)::bigint, 0) END
                         AS units) u
     WHERE r.refunded_at >= $1 AND r.refunded_at < $2 AND u.units > 0
), totals AS (
    SELECT product_id, sku, currency,
           (array_agg(name ORDER BY at DESC, name))[1] AS name,
           count(DISTINCT order_id) AS orders,
           sum(sold)::bigint AS units_sold, sum(refunded_units)::bigint AS units_refunded,
           sum(gross)::bigint AS gross_sales, sum(discount)::bigint AS discounts,
           sum(refund)::bigint AS refunds
      FROM facts GROUP BY product_id, sku, currency
), ranked AS (
    SELECT *, row_number() OVER (
               PARTITION BY currency
               ORDER BY CASE WHEN $4 = 'units' THEN net_units ELSE net_revenue END DESC,
                        CASE WHEN $4 = 'units' THEN net_revenue ELSE net_units END DESC,
                        product_id, sku) AS rank
      FROM (SELECT *, units_sold - units_refunded AS net_units,
                   gross_sales - discounts - refunds AS net_revenue FROM totals) t
)
SELECT rank, product_id, sku, currency, name, orders, units_sold, units_refunded, net_units,
       gross_sales, discounts, refunds, net_revenue
  FROM ranked WHERE rank <= $3 ORDER BY currency, rank";

/// The `limit` best products of every currency with sales or refunds in `range`, ranked by
/// `rank` (ties: the other measure, then product id and SKU).
pub async fn products(
    pool: &PgPool,
    range: &DateRange,
    limit: u32,
    rank: ProductRank,
) -> Result<Vec<CurrencyProducts>, sqlx::Error> {
    let rows: Vec<ProductRow> = sqlx::query_as(PRODUCTS)
        .bind(range.start())
        .bind(range.end())
        .bind(i64::from(limit))
        .bind(rank.as_str())
        .fetch_all(pool)
        .await?;
    let mut groups: Vec<CurrencyProducts> = Vec::new();
    for row in rows {
        match groups.last_mut() {
            Some(group) if group.currency == row.currency => group.products.push(row.sales),
            _ => groups.push(CurrencyProducts {
                currency: row.currency,
                products: vec![row.sales],
            }),
        }
    }
    Ok(groups)
}
