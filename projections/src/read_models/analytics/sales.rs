//! Daily sales per currency: orders placed, orders paid (the sales) with their units and
//! money, refunds, net revenue and average order value.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Row};

use super::range::DateRange;
use crate::read_models::{money_column, MoneyView};

/// The sales figures of a day or of a whole range, in one currency. A sale is an order paid
/// (counted on the UTC day of its payment); refunds count on the day they were recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = SalesFiguresView)
)]
pub struct SalesFigures {
    /// Orders placed (whatever became of them).
    pub orders_placed: i64,
    /// Orders paid: the sales.
    pub orders: i64,
    /// Units in the orders paid.
    pub units: i64,
    /// Line totals of the orders paid, before discount.
    pub subtotal: MoneyView,
    /// Coupon discounts of the orders paid.
    pub discounts: MoneyView,
    /// Shipping charged on the orders paid.
    pub shipping: MoneyView,
    /// Tax of the orders paid.
    pub tax: MoneyView,
    /// What the orders paid were charged: `subtotal − discounts + shipping + tax`.
    pub gross_revenue: MoneyView,
    /// Refunds recorded (of orders paid on any day).
    pub refunded_orders: i64,
    /// Amounts refunded.
    pub refunds: MoneyView,
    /// `gross_revenue − refunds`.
    pub net_revenue: MoneyView,
    /// `gross_revenue / orders`, rounded half away from zero to the minor unit (0 without
    /// orders).
    pub average_order_value: MoneyView,
}

impl SalesFigures {
    /// No activity, in `currency`: what a day without any fact shows.
    pub fn zero(currency: &str) -> Self {
        let zero = MoneyView::new(0, currency);
        Self {
            orders_placed: 0,
            orders: 0,
            units: 0,
            subtotal: zero.clone(),
            discounts: zero.clone(),
            shipping: zero.clone(),
            tax: zero.clone(),
            gross_revenue: zero.clone(),
            refunded_orders: 0,
            refunds: zero.clone(),
            net_revenue: zero.clone(),
            average_order_value: zero,
        }
    }

    /// Adds the figures of `other` (the same currency) to these.
    fn add(&mut self, other: &SalesFigures) {
        self.orders_placed += other.orders_placed;
        self.orders += other.orders;
        self.units += other.units;
        self.refunded_orders += other.refunded_orders;
        for (sum, more) in [
            (&mut self.subtotal, &other.subtotal),
            (&mut self.discounts, &other.discounts),
            (&mut self.shipping, &other.shipping),
            (&mut self.tax, &other.tax),
            (&mut self.gross_revenue, &other.gross_revenue),
            (&mut self.refunds, &other.refunds),
        ] {
            sum.amount += more.amount;
        }
        self.derive();
    }

    /// Net revenue and average order value from the other figures: the one place they are
    /// computed, for a day's row and for the sums of a range alike.
    fn derive(&mut self) {
        self.net_revenue.amount = self
            .gross_revenue
            .amount
            .saturating_sub(self.refunds.amount);
        self.average_order_value.amount = average(self.gross_revenue.amount, self.orders);
    }
}

/// A row of the sales query: its counts, and its sums in minor units of its `currency`.
impl<'r> FromRow<'r, PgRow> for SalesFigures {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        let currency: String = row.try_get("currency")?;
        let money = |column: &str| money_column(row, column, &currency);
        let mut figures = Self {
            orders_placed: row.try_get("orders_placed")?,
            orders: row.try_get("orders")?,
            units: row.try_get("units")?,
            subtotal: money("subtotal")?,
            discounts: money("discounts")?,
            shipping: money("shipping")?,
            tax: money("tax")?,
            gross_revenue: money("gross_revenue")?,
            refunded_orders: row.try_get("refunded_orders")?,
            refunds: money("refunds")?,
            net_revenue: MoneyView::new(0, currency.as_str()),
            average_order_value: MoneyView::new(0, currency.as_str()),
        };
        figures.derive();
        Ok(figures)
    }
}

/// `sum / count` rounded half away from zero, in integer arithmetic; 0 when `count` is not
/// positive.
pub fn average(sum: i64, count: i64) -> i64 {
    if count <= 0 {
        return 0;
    }
    let (sum, count) = (i128::from(sum), i128::from(count));
    let quotient = sum / count;
    let remainder = sum % count;
    let rounded = if 2 * remainder.abs() >= count {
        quotient + sum.signum()
    } else {
        quotient
    };
    i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
}

/// One day's sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DaySalesView))]
pub struct DaySales {
    /// The UTC day.
    #[serde(rename = "date")]
    pub day: NaiveDate,
    /// Its figures.
    #[serde(flatten)]
    pub figures: SalesFigures,
}

/// The sales of one currency: the range's totals and every day of the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = CurrencySalesView)
)]
pub struct CurrencySales {
    /// ISO-4217 code.
    pub currency: String,
    /// The whole range.
    pub totals: SalesFigures,
    /// Every day of the range in order, zeros on days without activity.
    pub days: Vec<DaySales>,
}

#[derive(sqlx::FromRow)]
struct DayRow {
    day: NaiveDate,
    currency: String,
    #[sqlx(flatten)]
    figures: SalesFigures,
}

/// Every fact of the range with the UTC day it counts on: placements, payments (the sales)
/// and refunds (an order refunded several times on one day counts once in
/// `refunded_orders`, with the sum of its refunds). `$1`/`$2`: the range's first instant and
/// the first instant after it; `$3`: only the orders of this store, when not null.
const SALES: &str = "\
WITH orders AS (
    SELECT * FROM analytics_orders WHERE $3::text IS NULL OR store = $3
), facts AS (
    SELECT (placed_at AT TIME ZONE 'UTC')::date AS day, currency,
           1 AS placed, 0 AS paid, 0::bigint AS units, 0::bigint AS subtotal,
           0::bigint AS discount, 0::bigint AS shipping, 0::bigint AS tax, 0::bigint AS total,
           0 AS refunded, 0::bigint AS refund
      FROM orders WHERE placed_at >= $1 AND placed_at < $2
    UNION ALL
    SELECT (paid_at AT TIME ZONE 'UTC')::date, currency, 0, 1, units, subtotal_minor,
           discount_minor, shipping_minor, tax_minor, total_minor, 0, 0
      FROM orders WHERE paid_at >= $1 AND paid_at < $2
    UNION ALL
    SELECT (r.refunded_at AT TIME ZONE 'UTC')::date, r.currency, 0, 0, 0, 0, 0, 0, 0, 0, 1,
           sum(r.amount_minor)::bigint
      FROM analytics_refunds r
     WHERE r.refunded_at >= $1 AND r.refunded_at < $2
       AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.order_id = r.order_id))
     GROUP BY r.order_id, (r.refunded_at AT TIME ZONE 'UTC')::date, r.currency
)
SELECT day, currency,
       sum(placed)::bigint AS orders_placed, sum(paid)::bigint AS orders,
       sum(units)::bigint AS units, sum(subtotal)::bigint AS subtotal,
       sum(discount)::bigint AS discounts, sum(shipping)::bigint AS shipping,
       sum(tax)::bigint AS tax, sum(total)::bigint AS gross_revenue,
       sum(refunded)::bigint AS refunded_orders, sum(refund)::bigint AS refunds
  FROM facts GROUP BY day, currency ORDER BY currency, day";

/// The sales of every currency with any activity in `range` (by currency code), each with
/// every day of the range; of one store's orders only with `store`.
pub async fn sales(
    pool: &PgPool,
    range: &DateRange,
    store: Option<&str>,
) -> Result<Vec<CurrencySales>, sqlx::Error> {
    let rows: Vec<DayRow> = sqlx::query_as(SALES)
        .bind(range.start())
        .bind(range.end())
        .bind(store)
        .fetch_all(pool)
        .await?;
    let mut by_currency: BTreeMap<String, BTreeMap<NaiveDate, SalesFigures>> = BTreeMap::new();
    for row in rows {
        by_currency
            .entry(row.currency)
            .or_default()
            .insert(row.day, row.figures);
    }
    Ok(by_currency
        .into_iter()
        .map(|(currency, mut days)| {
            let zero = SalesFigures::zero(&currency);
            let mut totals = zero.clone();
            let days = range
                .days()
                .map(|day| {
                    let figures = days.remove(&day).unwrap_or_else(|| zero.clone());
                    totals.add(&figures);
                    DaySales { day, figures }
                })
                .collect();
            CurrencySales {
                currency,
                totals,
                days,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_round_half_away_from_zero() {
        assert_eq!(average(11597, 3), 3866);
        assert_eq!(average(10, 4), 3);
        assert_eq!(average(9, 4), 2);
        assert_eq!(average(-10, 4), -3);
        assert_eq!(average(-9, 4), -2);
        assert_eq!(average(100, 0), 0);
        assert_eq!(average(i64::MAX, 1), i64::MAX);
    }

    #[test]
    fn net_revenue_is_gross_less_refunds() {
        let mut figures = SalesFigures {
            orders: 3,
            ..SalesFigures::zero("USD")
        };
        let day = SalesFigures {
            gross_revenue: MoneyView::new(11597, "USD"),
            refunds: MoneyView::new(4099, "USD"),
            ..SalesFigures::zero("USD")
        };
        figures.add(&day);
        assert_eq!(figures.net_revenue, MoneyView::new(7498, "USD"));
        assert_eq!(figures.average_order_value, MoneyView::new(3866, "USD"));
    }
}
