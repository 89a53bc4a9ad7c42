//! How many orders are in each status, in one grouped query (the back office's dashboard).

use commerce_aggregates::order::OrderStatus;
use sqlx::PgPool;

/// Every status in [`OrderStatus::ALL`] order with its number of orders (0 when none), from
/// one `GROUP BY` over `order_views` (its `status` index serves it).
pub async fn count_by_status(pool: &PgPool) -> Result<Vec<(OrderStatus, i64)>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM order_views GROUP BY status")
            .fetch_all(pool)
            .await?;
    Ok(OrderStatus::ALL
        .into_iter()
        .map(|status| {
            let count = rows
                .iter()
                .find(|(name, _)| name == status.as_str())
                .map_or(0, |(_, count)| *count);
            (status, count)
        })
        .collect())
}
