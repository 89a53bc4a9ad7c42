//! A customer's open carts (`GET me/carts`), most recently changed first.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::read_models::{MoneyView, Page, PageRequest};

/// One open cart in a customer's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartSummary {
    /// The cart's id.
    pub id: Uuid,
    /// The slug of the store it shops in.
    #[cfg_attr(feature = "openapi", schema(example = "default"))]
    pub store: String,
    /// Its currency: the store's.
    pub currency: String,
    /// Number of distinct SKUs.
    pub line_count: i64,
    /// Number of items (Σ quantities).
    pub item_count: i64,
    /// Sum of the line totals, before any coupon (`GET carts/{id}` prices it whole).
    pub subtotal: MoneyView,
    /// The applied coupon code.
    pub coupon_code: Option<String>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The cart's version as of this view.
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    store: String,
    currency: String,
    line_count: i64,
    item_count: i64,
    subtotal_minor: i64,
    coupon_code: Option<String>,
    updated_at: DateTime<Utc>,
    version: i64,
}

/// A page of the open carts of `customer_id`, most recently changed first.
pub async fn open_of(
    pool: &PgPool,
    customer_id: Uuid,
    page: PageRequest,
) -> Result<Page<CartSummary>, sqlx::Error> {
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cart_views WHERE customer_id = $1 AND status = 'open'",
    )
    .bind(customer_id)
    .fetch_one(pool)
    .await?;
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT id, store, currency, line_count, item_count, subtotal_minor, coupon_code, \
         updated_at, version FROM cart_views WHERE customer_id = $1 AND status = 'open' \
         ORDER BY updated_at DESC, id LIMIT $2 OFFSET $3",
    )
    .bind(customer_id)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let items = rows
        .into_iter()
        .map(|row| CartSummary {
            id: row.id,
            store: row.store,
            subtotal: MoneyView::new(row.subtotal_minor, row.currency.clone()),
            currency: row.currency,
            line_count: row.line_count,
            item_count: row.item_count,
            coupon_code: row.coupon_code,
            updated_at: row.updated_at,
            version: row.version,
        })
        .collect();
    Ok(page.into_page(items, total))
}
