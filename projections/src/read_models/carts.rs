//! The cart read model (projection `carts`, cart events): `cart_views` with the cart's status,
//! coupon, address and totals, `cart_lines` in insertion order; and the query function [`get`].

mod rebuild;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use commerce_aggregates::cart::CartEvent;
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{aggregate_uuid, decode, version, MoneyView};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

/// Builds `cart_views` and `cart_lines` from cart events.
#[derive(Debug, Clone, Copy, Default)]
pub struct CartProjection;

#[async_trait]
impl Projection for CartProjection {
    fn name(&self) -> &'static str {
        "carts"
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["cart"]
    }

    fn tables(&self) -> &'static [&'static str] {
        &["cart_lines", "cart_views"]
    }

    fn rebuild(&self) -> Option<Box<dyn crate::replay::Rebuild + '_>> {
        Some(Box::<rebuild::CartRebuild>::default())
    }

    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
        let cart: CartEvent = decode(event)?;
        let id = aggregate_uuid(event)?;
        let version = version(event)?;
        let at = event.recorded_at;
        match &cart {
            CartEvent::CartCreated {
                customer_id,
                currency,
                ..
            } => {
                sqlx::query(
                    "INSERT INTO cart_views (id, customer_id, status, currency, created_at, \
                     updated_at, version) VALUES ($1, $2, 'open', $3, $4, $4, $5) \
                     ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, \
                     status = 'open', currency = EXCLUDED.currency, coupon_code = NULL, \
                     shipping_address = NULL, order_id = NULL, \
                     created_at = EXCLUDED.created_at",
                )
                .bind(id)
                .bind(customer_id)
                .bind(currency.as_str())
                .bind(at)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            }
            CartEvent::ItemAdded {
                product_id,
                sku,
                quantity,
                unit_price,
            } => {
                // The line's position is the sequence of the event that added it: increasing
                // within the cart, so lines read back in insertion order.
                sqlx::query(
                    "INSERT INTO cart_lines (cart_id, sku, product_id, quantity, \
                     unit_price_minor, line_total_minor, position) \
                     VALUES ($1, $2, $3, $4, $5, $4 * $5, $6) \
                     ON CONFLICT (cart_id, sku) DO UPDATE SET product_id = EXCLUDED.product_id, \
                     quantity = EXCLUDED.quantity, unit_price_minor = EXCLUDED.unit_price_minor, \
                     line_total_minor = EXCLUDED.line_total_minor, position = EXCLUDED.position",
                )
                .bind(id)
                .bind(sku)
                .bind(product_id)
                .bind(i64::from(*quantity))
                .bind(unit_price.minor)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            }
            CartEvent::ItemQuantityChanged { sku, quantity } => {
                sqlx::query(
                    "UPDATE cart_lines SET quantity = $3, line_total_minor = $3 * unit_price_minor \
                     WHERE cart_id = $1 AND sku = $2",
                )
                .bind(id)
                .bind(sku)
                .bind(i64::from(*quantity))
                .execute(&mut *tx)
                .await?;
            }
            CartEvent::ItemRemoved { sku } => {
                sqlx::query("DELETE FROM cart_lines WHERE cart_id = $1 AND sku = $2")
                    .bind(id)
                    .bind(sku)
                    .execute(&mut *tx)
                    .await?;
            }
            CartEvent::CouponApplied { code } => set_coupon(tx, id, Some(code)).await?,
            CartEvent::CouponRemoved { .. } => set_coupon(tx, id, None).await?,
            CartEvent::ShippingAddressSet { address } => {
                sqlx::query("UPDATE cart_views SET shipping_address = $2 WHERE id = $1")
                    .bind(id)
                    .bind(Json(address))
                    .execute(&mut *tx)
                    .await?;
            }
            CartEvent::CartCheckedOut {
                order_id,
                coupon_code,
                shipping_address,
                ..
            } => {
                sqlx::query(
                    "UPDATE cart_views SET status = 'checked_out', order_id = $2, \
                     coupon_code = $3, shipping_address = $4 WHERE id = $1",
                )
                .bind(id)
                .bind(order_id)
                .bind(coupon_code)
                .bind(Json(shipping_address))
                .execute(&mut *tx)
                .await?;
            }
            CartEvent::CartAbandoned {} => {
                sqlx::query("UPDATE cart_views SET status = 'abandoned' WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        refresh_cart(tx, id, version, at).await?;
        Ok(())
    }
}

async fn set_coupon(
    tx: &mut PgConnection,
    id: Uuid,
    code: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cart_views SET coupon_code = $2 WHERE id = $1")
        .bind(id)
        .bind(code)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Recomputes the cart's counts and subtotal from its lines and records the event's version.
async fn refresh_cart(
    tx: &mut PgConnection,
    id: Uuid,
    version: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE cart_views AS c SET item_count = s.items, line_count = s.lines, \
         subtotal_minor = s.subtotal, version = $2, updated_at = $3 \
         FROM (SELECT COALESCE(sum(quantity), 0)::bigint AS items, count(*) AS lines, \
                      COALESCE(sum(line_total_minor), 0)::bigint AS subtotal \
               FROM cart_lines WHERE cart_id = $1) AS s \
         WHERE c.id = $1",
    )
    .bind(id)
    .bind(version)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A cart as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartView {
    /// The cart's id.
    pub id: Uuid,
    /// Its owner.
    pub customer_id: Uuid,
    /// `open`, `checked_out` or `abandoned`.
    pub status: String,
    /// The cart's currency.
    pub currency: String,
    /// The applied coupon code.
    pub coupon_code: Option<String>,
    /// The shipping address, as the domain serialises it.
    pub shipping_address: Option<serde_json::Value>,
    /// The order the cart became, once checked out.
    pub order_id: Option<Uuid>,
    /// Σ quantities.
    pub item_count: i64,
    /// Number of distinct SKUs.
    pub line_count: i64,
    /// Σ line totals, before any coupon.
    pub subtotal: MoneyView,
    /// The lines, in the order they were added.
    pub lines: Vec<CartLineView>,
    /// When the cart was created.
    pub created_at: DateTime<Utc>,
    /// When its last event was recorded.
    pub updated_at: DateTime<Utc>,
    /// Sequence of the last cart event applied.
    pub version: i64,
}

/// One line of a [`CartView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartLineView {
    /// The product.
    pub product_id: Uuid,
    /// The variant's SKU.
    pub sku: String,
    /// How many.
    pub quantity: i64,
    /// Price per item captured when the SKU was first added.
    pub unit_price: MoneyView,
    /// `unit_price × quantity`.
    pub line_total: MoneyView,
}

#[derive(sqlx::FromRow)]
struct CartRow {
    id: Uuid,
    customer_id: Uuid,
    status: String,
    currency: String,
    coupon_code: Option<String>,
    shipping_address: Option<serde_json::Value>,
    order_id: Option<Uuid>,
    item_count: i64,
    line_count: i64,
    subtotal_minor: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    product_id: Uuid,
    sku: String,
    quantity: i64,
    unit_price_minor: i64,
    line_total_minor: i64,
}

/// The cart `id` with its lines (the caller checks that the reader owns it).
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<CartView>, sqlx::Error> {
    let row: Option<CartRow> = sqlx::query_as(
        "SELECT id, customer_id, status, currency, coupon_code, shipping_address, order_id, \
         item_count, line_count, subtotal_minor, created_at, updated_at, version \
         FROM cart_views WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let lines: Vec<LineRow> = sqlx::query_as(
        "SELECT product_id, sku, quantity, unit_price_minor, line_total_minor \
         FROM cart_lines WHERE cart_id = $1 ORDER BY position, sku",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let currency = row.currency;
    Ok(Some(CartView {
        id: row.id,
        customer_id: row.customer_id,
        status: row.status,
        coupon_code: row.coupon_code,
        shipping_address: row.shipping_address,
        order_id: row.order_id,
        item_count: row.item_count,
        line_count: row.line_count,
        subtotal: MoneyView::new(row.subtotal_minor, currency.clone()),
        lines: lines
            .into_iter()
            .map(|line| CartLineView {
                product_id: line.product_id,
                sku: line.sku,
                quantity: line.quantity,
                unit_price: MoneyView::new(line.unit_price_minor, currency.clone()),
                line_total: MoneyView::new(line.line_total_minor, currency.clone()),
            })
            .collect(),
        currency,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    }))
}
