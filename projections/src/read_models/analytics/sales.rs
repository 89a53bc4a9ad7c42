//! Daily sales per currency: orders placed, orders paid (the sales) with their units and
//! money, refunds, net revenue and average order value.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sqlx::PgPool;

use super::range::DateRange;

/// The sales figures of one day, or of a whole range, in one currency (money in minor units).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SalesFigures {
    /// Orders placed (whatever became of them).
    pub orders_placed: i64,
    /// Orders paid: the sales.
    pub orders: i64,
    /// Units in the orders paid.
    pub units: i64,
    /// Σ line totals of the orders paid, before discount.
    pub subtotal: i64,
    /// Σ coupon discounts of the orders paid.
    pub discounts: i64,
    /// Σ shipping charged on the orders paid.
    pub shipping: i64,
    /// Σ tax of the orders paid.
    pub tax: i64,
    /// Σ totals of the orders paid (`subtotal − discounts + shipping + tax`): what was charged.
    pub gross_revenue: i64,
    /// Refunds recorded (of orders paid on any day).
    pub refunded_orders: i64,
    /// Σ amounts refunded.
    pub refunds: i64,
}

impl SalesFigures {
    /// `gross_revenue − refunds`.
    pub fn net_revenue(&self) -> i64 {
        self.gross_revenue.saturating_sub(self.refunds)
    }

    /// `gross_revenue / orders`, rounded half away from zero; 0 without orders.
    pub fn average_order_value(&self) -> i64 {
        average(self.gross_revenue, self.orders)
    }

    fn add(&mut self, other: &SalesFigures) {
        self.orders_placed += other.orders_placed;
        self.orders += other.orders;
        self.units += other.units;
        self.subtotal += other.subtotal;
        self.discounts += other.discounts;
        self.shipping += other.shipping;
        self.tax += other.tax;
        self.gross_revenue += other.gross_revenue;
        self.refunded_orders += other.refunded_orders;
        self.refunds += other.refunds;
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

/// One day's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySales {
    /// The UTC day.
    pub day: NaiveDate,
    /// Its figures.
    pub figures: SalesFigures,
}

/// The sales of one currency over a range: totals, and every day of the range (zeros on
/// days without activity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencySales {
    /// ISO-4217 code.
    pub currency: String,
    /// The figures of the whole range.
    pub totals: SalesFigures,
    /// One entry per day of the range, in order.
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
        .map(|(currency, days)| {
            let mut totals = SalesFigures::default();
            let days = range
                .days()
                .map(|day| {
                    let figures = days.get(&day).copied().unwrap_or_default();
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
        let figures = SalesFigures {
            orders: 3,
            gross_revenue: 11597,
            refunds: 4099,
            ..Default::default()
        };
        assert_eq!(figures.net_revenue(), 7498);
        assert_eq!(figures.average_order_value(), 3866);
    }
}
