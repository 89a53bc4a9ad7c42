//! What the order read model says about one customer: how many orders they placed and how
//! much they spent, for the back office's user page.

use sqlx::PgPool;
use uuid::Uuid;

use crate::read_models::MoneyView;

/// A customer's orders in figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerOrders {
    /// Orders placed, whatever became of them.
    pub order_count: i64,
    /// Per currency (in code order): what paid orders took, less what was refunded of them.
    pub amount_spent: Vec<MoneyView>,
}

/// The orders of `customer_id` in figures (none: zero and no amounts).
pub async fn customer_orders(
    pool: &PgPool,
    customer_id: Uuid,
) -> Result<CustomerOrders, sqlx::Error> {
    let order_count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM order_views WHERE customer_id = $1")
            .bind(customer_id)
            .fetch_one(pool)
            .await?;
    // An order was paid when it has a payment; cancelled-after-payment and refunds set
    // `refund_minor`, so what stays spent is the difference.
    let spent: Vec<(String, i64)> = sqlx::query_as(
        "SELECT currency, SUM(total_minor - COALESCE(refund_minor, 0))::bigint
           FROM order_views
          WHERE customer_id = $1 AND payment IS NOT NULL
          GROUP BY currency ORDER BY currency",
    )
    .bind(customer_id)
    .fetch_all(pool)
    .await?;
    Ok(CustomerOrders {
        order_count,
        amount_spent: spent
            .into_iter()
            .map(|(currency, amount)| MoneyView::new(amount, currency))
            .collect(),
    })
}
