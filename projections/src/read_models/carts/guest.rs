//! Guest carts in the cart read model: whether a cart token opens a cart (or the order it
//! became), and the customer's open cart a claimed guest cart merges into.

use sqlx::PgPool;
use uuid::Uuid;

/// True when cart `id` is a guest's cart whose token hashes to `token_hash`.
pub async fn token_opens_cart(
    pool: &PgPool,
    id: Uuid,
    token_hash: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM cart_views WHERE id = $1 AND guest_token_hash = $2)",
    )
    .bind(id)
    .bind(token_hash)
    .fetch_one(pool)
    .await
}

/// True when order `order_id` was placed from a guest's cart whose token hashes to
/// `token_hash` (a guest reads their order with the cart's token).
pub async fn token_opens_order(
    pool: &PgPool,
    order_id: Uuid,
    token_hash: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM cart_views \
         WHERE order_id = $1 AND guest_token_hash = $2 AND status = 'checked_out')",
    )
    .bind(order_id)
    .bind(token_hash)
    .fetch_one(pool)
    .await
}

/// The customer's most recently changed open cart in `store`, if any: where a claimed guest
/// cart is merged (the claim checks it on the cart's own stream).
pub async fn latest_open_cart(
    pool: &PgPool,
    customer_id: Uuid,
    store: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM cart_views WHERE customer_id = $1 AND store = $2 AND status = 'open' \
         ORDER BY updated_at DESC, id LIMIT 1",
    )
    .bind(customer_id)
    .bind(store)
    .fetch_optional(pool)
    .await
}
