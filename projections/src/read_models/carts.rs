//! The cart read model (projection `carts`, cart events): `cart_views` with the cart's status,
//! coupon, address and totals, `cart_lines` in insertion order; and the query functions
//! [`get`] and [`open_of`] (a customer's open carts).

pub mod guest;
mod mine;
mod rebuild;

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use commerce_aggregates::cart::CartEvent;
use commerce_aggregates::Address;
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{aggregate_uuid, decode, json_column, version, MoneyView};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

pub use mine::{open_of, CartSummary};

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
        self.apply_many(tx, &[event]).await
    }

    /// The lines the batch's `ItemAdded` events add are written with one statement, and every
    /// cart whose lines changed gets its counts and subtotal with one more: moved by the lines
    /// the batch added, or recomputed from its lines when anything else changed them.
    async fn apply_many(
        &self,
        tx: &mut PgConnection,
        events: &[&Envelope],
    ) -> Result<(), ProjectionError> {
        let mut added = AddedLines::default();
        let mut changed = ChangedCarts::default();
        for event in events {
            let cart: CartEvent = decode(event)?;
            let id = aggregate_uuid(event)?;
            let version = version(event)?;
            let at = event.recorded_at;
            match &cart {
                CartEvent::ItemAdded {
                    product_id,
                    sku,
                    quantity,
                    unit_price,
                } => {
                    // One statement cannot insert a row twice: the earlier ones go first.
                    if added.has(id, sku) {
                        added.flush(tx, &mut changed).await?;
                    }
                    let quantity = i64::from(*quantity);
                    added.push(id, sku, *product_id, quantity, unit_price.minor, version);
                    changed.added(id, version, at, quantity, quantity * unit_price.minor);
                }
                other => {
                    // This cart's pending lines are written before its next event; other
                    // carts' lines are independent of it and wait for the next flush.
                    if added.holds(id) {
                        added.flush(tx, &mut changed).await?;
                    }
                    if write(tx, id, version, at, other).await? {
                        changed.recount(id, version, at);
                    } else {
                        changed.moved(id, version, at);
                    }
                }
            }
        }
        added.flush(tx, &mut changed).await?;
        changed.write(tx).await?;
        Ok(())
    }
}

/// The statement inserting a batch's added lines, `$conflict` what it does with a line that is
/// there already.
macro_rules! insert_lines {
    ($conflict:literal) => {
        concat!(
            "INSERT INTO cart_lines (cart_id, sku, product_id, quantity, unit_price_minor, \
             line_total_minor, position) \
             SELECT l.cart_id, l.sku, l.product_id, l.quantity, l.price, l.quantity * l.price, \
                    l.position \
               FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::bigint[], $5::bigint[], \
                           $6::bigint[]) AS l(cart_id, sku, product_id, quantity, price, position) \
             ON CONFLICT (cart_id, sku) ",
            $conflict
        )
    };
}

/// `ItemAdded` lines not written yet, as columns.
#[derive(Default)]
struct AddedLines {
    carts: Vec<Uuid>,
    skus: Vec<String>,
    products: Vec<Uuid>,
    quantities: Vec<i64>,
    prices: Vec<i64>,
    positions: Vec<i64>,
    /// The SKUs pending per cart.
    keys: HashMap<Uuid, HashSet<String>>,
}

impl AddedLines {
    fn has(&self, cart: Uuid, sku: &str) -> bool {
        self.keys.get(&cart).is_some_and(|skus| skus.contains(sku))
    }

    fn holds(&self, cart: Uuid) -> bool {
        self.keys.contains_key(&cart)
    }

    /// A line; its position is the sequence of the event that added it: increasing within
    /// the cart, so lines read back in insertion order.
    fn push(
        &mut self,
        cart: Uuid,
        sku: &str,
        product: Uuid,
        quantity: i64,
        price: i64,
        position: i64,
    ) {
        self.keys.entry(cart).or_default().insert(sku.to_owned());
        self.carts.push(cart);
        self.skus.push(sku.to_owned());
        self.products.push(product);
        self.quantities.push(quantity);
        self.prices.push(price);
        self.positions.push(position);
    }

    /// Inserts the lines. An added line is a new one (adding a SKU again is
    /// `ItemQuantityChanged`); where a line of that SKU is there all the same (the history
    /// adds one twice), it is replaced, and its cart's counts are recomputed instead of
    /// moved.
    async fn flush(
        &mut self,
        tx: &mut PgConnection,
        changed: &mut ChangedCarts,
    ) -> Result<(), sqlx::Error> {
        if self.carts.is_empty() {
            return Ok(());
        }
        let insert = |sql: &'static str| {
            sqlx::query(sql)
                .bind(&self.carts)
                .bind(&self.skus)
                .bind(&self.products)
                .bind(&self.quantities)
                .bind(&self.prices)
                .bind(&self.positions)
        };
        let fresh = insert_lines!("DO NOTHING");
        let inserted = insert(fresh).execute(&mut *tx).await?.rows_affected();
        if inserted < self.carts.len() as u64 {
            insert(insert_lines!(
                "DO UPDATE SET product_id = EXCLUDED.product_id, \
                 quantity = EXCLUDED.quantity, unit_price_minor = EXCLUDED.unit_price_minor, \
                 line_total_minor = EXCLUDED.line_total_minor, position = EXCLUDED.position"
            ))
            .execute(&mut *tx)
            .await?;
            for &cart in &self.carts {
                changed.mark_recount(cart);
            }
        }
        *self = Self::default();
        Ok(())
    }
}

/// The carts of a batch whose row changes after their events: the version and time of the
/// latest event, and how the counts change.
#[derive(Default)]
struct ChangedCarts {
    carts: Vec<ChangedCart>,
    index: HashMap<Uuid, usize>,
}

struct ChangedCart {
    id: Uuid,
    version: i64,
    at: DateTime<Utc>,
    /// Counts recomputed from the lines (a line changed otherwise than by being added).
    recount: bool,
    /// Moved by the lines added, when not recomputed.
    items: i64,
    lines: i64,
    subtotal: i64,
    /// Whether the counts change at all (false: the event wrote its version itself).
    counts: bool,
}

impl ChangedCarts {
    fn entry(&mut self, id: Uuid, version: i64, at: DateTime<Utc>) -> &mut ChangedCart {
        let at_index = *self.index.entry(id).or_insert_with(|| {
            self.carts.push(ChangedCart {
                id,
                version,
                at,
                recount: false,
                items: 0,
                lines: 0,
                subtotal: 0,
                counts: false,
            });
            self.carts.len() - 1
        });
        let cart = &mut self.carts[at_index];
        (cart.version, cart.at) = (version, at);
        cart
    }

    fn added(&mut self, id: Uuid, version: i64, at: DateTime<Utc>, items: i64, subtotal: i64) {
        let cart = self.entry(id, version, at);
        cart.counts = true;
        cart.items += items;
        cart.lines += 1;
        cart.subtotal += subtotal;
    }

    fn recount(&mut self, id: Uuid, version: i64, at: DateTime<Utc>) {
        let cart = self.entry(id, version, at);
        (cart.counts, cart.recount) = (true, true);
    }

    fn mark_recount(&mut self, id: Uuid) {
        if let Some(&at) = self.index.get(&id) {
            self.carts[at].recount = true;
        }
    }

    /// An event that wrote the row's version and time itself: nothing to write unless the
    /// cart's counts change in this batch, and then with this event's version.
    fn moved(&mut self, id: Uuid, version: i64, at: DateTime<Utc>) {
        if self.index.contains_key(&id) {
            self.entry(id, version, at);
        }
    }

    /// Moves or recomputes the counts and subtotal of each cart and records the version and
    /// time of its latest event.
    async fn write(&self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        let carts: Vec<&ChangedCart> = self.carts.iter().filter(|c| c.counts).collect();
        if carts.is_empty() {
            return Ok(());
        }
        let column = |f: fn(&ChangedCart) -> i64| carts.iter().map(|c| f(c)).collect::<Vec<_>>();
        let ids: Vec<Uuid> = carts.iter().map(|c| c.id).collect();
        let times: Vec<DateTime<Utc>> = carts.iter().map(|c| c.at).collect();
        let recounts: Vec<bool> = carts.iter().map(|c| c.recount).collect();
        sqlx::query(
            "UPDATE cart_views AS c SET \
             item_count = CASE WHEN t.recount THEN s.items ELSE c.item_count + t.items END, \
             line_count = CASE WHEN t.recount THEN s.lines ELSE c.line_count + t.lines END, \
             subtotal_minor = CASE WHEN t.recount THEN s.subtotal \
                                   ELSE c.subtotal_minor + t.subtotal END, \
             version = t.version, updated_at = t.at \
             FROM UNNEST($1::uuid[], $2::bigint[], $3::timestamptz[], $4::bool[], \
                         $5::bigint[], $6::bigint[], $7::bigint[]) \
                  AS t(id, version, at, recount, items, lines, subtotal) \
             CROSS JOIN LATERAL (SELECT COALESCE(sum(quantity), 0)::bigint AS items, \
                                        count(*) AS lines, \
                                        COALESCE(sum(line_total_minor), 0)::bigint AS subtotal \
                                   FROM cart_lines WHERE t.recount AND cart_id = t.id) AS s \
             WHERE c.id = t.id",
        )
        .bind(&ids)
        .bind(column(|c| c.version))
        .bind(&times)
        .bind(&recounts)
        .bind(column(|c| c.items))
        .bind(column(|c| c.lines))
        .bind(column(|c| c.subtotal))
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

/// Writes one event other than `ItemAdded`; true when it changed the cart's lines (or created
/// the cart), whose counts must then be recomputed, false when it recorded its version itself.
async fn write(
    tx: &mut PgConnection,
    id: Uuid,
    version: i64,
    at: DateTime<Utc>,
    cart: &CartEvent,
) -> Result<bool, ProjectionError> {
    match cart {
        CartEvent::CartCreated {
            owner,
            currency,
            store,
            ..
        } => {
            sqlx::query(
                "INSERT INTO cart_views (id, customer_id, status, currency, created_at, \
                 updated_at, version, store, guest_token_hash) \
                 VALUES ($1, $2, 'open', $3, $4, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, \
                 status = 'open', currency = EXCLUDED.currency, store = EXCLUDED.store, \
                 coupon_code = NULL, \
                 shipping_address = NULL, order_id = NULL, \
                 created_at = EXCLUDED.created_at, guest_token_hash = EXCLUDED.guest_token_hash",
            )
            .bind(id)
            .bind(owner.customer_id())
            .bind(currency.as_str())
            .bind(at)
            .bind(version)
            .bind(store)
            .bind(owner.guest_token_hash())
            .execute(&mut *tx)
            .await?;
        }
        CartEvent::CartClaimed { customer_id } => {
            sqlx::query(
                "UPDATE cart_views SET customer_id = $2, guest_token_hash = NULL, version = $3, \
                 updated_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(customer_id)
            .bind(version)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            return Ok(false);
        }
        CartEvent::CartMergedInto { .. } => {
            close(tx, id, "merged", version, at).await?;
            return Ok(false);
        }
        CartEvent::ItemsMerged { lines, .. } => {
            for line in lines {
                let quantity = i64::from(line.quantity);
                sqlx::query(
                    "INSERT INTO cart_lines (cart_id, sku, product_id, quantity, \
                     unit_price_minor, line_total_minor, position) \
                     VALUES ($1, $2, $3, $4, $5, $4 * $5, $6) \
                     ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = EXCLUDED.quantity, \
                     line_total_minor = EXCLUDED.quantity * cart_lines.unit_price_minor",
                )
                .bind(id)
                .bind(&line.sku)
                .bind(line.product_id)
                .bind(quantity)
                .bind(line.unit_price.minor)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            }
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
        CartEvent::CouponApplied { code } => {
            set_coupon(tx, id, Some(code), version, at).await?;
            return Ok(false);
        }
        CartEvent::CouponRemoved { .. } => {
            set_coupon(tx, id, None, version, at).await?;
            return Ok(false);
        }
        CartEvent::ShippingAddressSet { address } => {
            sqlx::query(
                "UPDATE cart_views SET shipping_address = $2, version = $3, updated_at = $4 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(Json(address))
            .bind(version)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            return Ok(false);
        }
        CartEvent::CartCheckedOut {
            order_id,
            coupon_code,
            shipping_address,
            ..
        } => {
            sqlx::query(
                "UPDATE cart_views SET status = 'checked_out', order_id = $2, \
                 coupon_code = $3, shipping_address = $4, version = $5, updated_at = $6 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(order_id)
            .bind(coupon_code)
            .bind(Json(shipping_address))
            .bind(version)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            return Ok(false);
        }
        CartEvent::CartAbandoned {} => {
            close(tx, id, "abandoned", version, at).await?;
            return Ok(false);
        }
        // Written by `AddedLines`.
        CartEvent::ItemAdded { .. } => {}
    }
    Ok(true)
}

/// Closes cart `id` without an order (`merged`, `abandoned`).
async fn close(
    tx: &mut PgConnection,
    id: Uuid,
    status: &str,
    version: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cart_views SET status = $4, version = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(version)
        .bind(at)
        .bind(status)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

async fn set_coupon(
    tx: &mut PgConnection,
    id: Uuid,
    code: Option<&str>,
    version: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE cart_views SET coupon_code = $2, version = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(code)
    .bind(version)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A cart as its owner sees it (`GET carts/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartView {
    /// The cart's id.
    pub id: Uuid,
    /// Its owner; `null` for a guest's cart.
    pub customer_id: Option<Uuid>,
    /// `open`, `checked_out`, `abandoned` or `merged` (a guest cart claimed into another).
    #[cfg_attr(feature = "openapi", schema(example = "open"))]
    pub status: String,
    /// The cart's currency: its store's.
    pub currency: String,
    /// The slug of the store it shops in.
    #[cfg_attr(feature = "openapi", schema(example = "default"))]
    pub store: String,
    /// The applied coupon code.
    pub coupon_code: Option<String>,
    /// The shipping address, once set.
    pub shipping_address: Option<Address>,
    /// The order the cart became, once checked out.
    pub order_id: Option<Uuid>,
    /// Number of items (Σ quantities).
    pub item_count: i64,
    /// Number of distinct SKUs.
    pub line_count: i64,
    /// Sum of the line totals, before any coupon.
    pub subtotal: MoneyView,
    /// The lines, in the order they were added.
    pub lines: Vec<CartLineView>,
    /// When the cart was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The cart's version as of this view (compare with command responses).
    pub version: i64,
    /// A guest cart's token hash: checked against a `Cart-Token`, never shown.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub guest_token_hash: Option<String>,
}

/// One line of a [`CartView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    customer_id: Option<Uuid>,
    status: String,
    currency: String,
    store: String,
    coupon_code: Option<String>,
    shipping_address: Option<serde_json::Value>,
    order_id: Option<Uuid>,
    item_count: i64,
    line_count: i64,
    subtotal_minor: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    guest_token_hash: Option<String>,
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
        "SELECT id, customer_id, status, currency, store, coupon_code, shipping_address, \
         order_id, item_count, line_count, subtotal_minor, created_at, updated_at, version, \
         guest_token_hash FROM cart_views WHERE id = $1",
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
        shipping_address: row
            .shipping_address
            .map(|address| json_column("shipping_address", address))
            .transpose()?,
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
        store: row.store,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
        guest_token_hash: row.guest_token_hash,
    }))
}
