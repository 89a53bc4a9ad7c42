//! Cart conversion and abandonment for the carts created over a range.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::range::DateRange;

/// What became of the carts created in a range. `created = checked_out + abandoned + active
/// + empty`; `with_items = checked_out + abandoned + active`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartFunnel {
    /// Carts created in the range.
    pub created: i64,
    /// Carts checked out or still holding items.
    pub with_items: i64,
    /// Carts checked out (at any time since).
    pub checked_out: i64,
    /// Checked-out carts whose order has been paid.
    pub paid: i64,
    /// Carts holding items, not checked out, idle longer than the threshold (or abandoned
    /// explicitly).
    pub abandoned: i64,
    /// Carts holding items, not checked out, active within the threshold.
    pub active: i64,
    /// Carts not checked out holding no items (never filled, or emptied).
    pub empty: i64,
    /// `checked_out / with_items` (4 decimals); null without carts holding items.
    #[sqlx(skip)]
    #[cfg_attr(feature = "openapi", schema(example = 0.8))]
    pub conversion_rate: Option<f64>,
    /// `abandoned / with_items` (4 decimals); null without carts holding items.
    #[sqlx(skip)]
    #[cfg_attr(feature = "openapi", schema(example = 0.2))]
    pub abandonment_rate: Option<f64>,
}

impl CartFunnel {
    /// The funnel with its rates computed from its counts.
    fn with_rates(self) -> Self {
        Self {
            conversion_rate: ratio(self.checked_out, self.with_items),
            abandonment_rate: ratio(self.abandoned, self.with_items),
            ..self
        }
    }
}

/// `part / whole`, to 4 decimals; `None` when `whole` is not positive.
fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

/// `$1`/`$2`: the range's instants; `$3`: carts idle since before it are abandoned.
const CARTS: &str = "\
SELECT count(*) AS created,
       count(*) FILTER (WHERE c.checked_out_at IS NOT NULL OR cardinality(c.skus) > 0)
           AS with_items,
       count(*) FILTER (WHERE c.checked_out_at IS NOT NULL) AS checked_out,
       count(*) FILTER (WHERE c.checked_out_at IS NOT NULL AND o.paid_at IS NOT NULL) AS paid,
       count(*) FILTER (WHERE c.checked_out_at IS NULL AND cardinality(c.skus) > 0
                          AND (c.abandoned_at IS NOT NULL OR c.updated_at <= $3)) AS abandoned,
       count(*) FILTER (WHERE c.checked_out_at IS NULL AND cardinality(c.skus) > 0
                          AND c.abandoned_at IS NULL AND c.updated_at > $3) AS active,
       count(*) FILTER (WHERE c.checked_out_at IS NULL AND cardinality(c.skus) = 0) AS empty
  FROM analytics_carts c LEFT JOIN analytics_orders o ON o.order_id = c.order_id
 WHERE c.created_at >= $1 AND c.created_at < $2";

/// The funnel of the carts created in `range`; a cart holding items and idle (no event)
/// since `idle_before` or earlier counts as abandoned.
pub async fn carts(
    pool: &PgPool,
    range: &DateRange,
    idle_before: DateTime<Utc>,
) -> Result<CartFunnel, sqlx::Error> {
    let funnel: CartFunnel = sqlx::query_as(CARTS)
        .bind(range.start())
        .bind(range.end())
        .bind(idle_before)
        .fetch_one(pool)
        .await?;
    Ok(funnel.with_rates())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_ratios_of_the_carts_with_items() {
        let funnel = CartFunnel {
            created: 7,
            with_items: 6,
            checked_out: 4,
            abandoned: 1,
            active: 1,
            empty: 1,
            paid: 3,
            ..CartFunnel::default()
        }
        .with_rates();
        assert_eq!(funnel.conversion_rate, Some(0.6667));
        assert_eq!(funnel.abandonment_rate, Some(0.1667));
        assert_eq!(CartFunnel::default().with_rates().conversion_rate, None);
    }
}
