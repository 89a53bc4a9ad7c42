//! The analytics read model (projection `analytics`, order, cart and coupon events): fact
//! tables (`analytics_orders`, `analytics_order_lines`, `analytics_refunds`, `analytics_carts`,
//! `analytics_coupon_redemptions`) that the query functions aggregate over a range of UTC
//! days: [`sales`], [`products`], [`coupons`] and [`carts`].
//!
//! What counts (the definitions the back office reads):
//! - **A sale is an order that was paid**; it counts on the UTC day its `OrderPaid` was
//!   recorded, with the totals it was placed with. Orders placed but never paid (rejected,
//!   expired, cancelled before payment) are never revenue; they show in `orders_placed` only.
//! - **A refund counts on the UTC day it was recorded** (each `OrderRefunded`, an order
//!   possibly refunded in parts on several days, or `OrderCancelled` of a paid order), as a
//!   negative in the net figures, whatever day the sale was (`analytics_refunds`).
//! - Every figure is per currency; money is integer minor units, and the query results are
//!   the views the query API serves (money as [`MoneyView`](super::MoneyView), the derived figures computed
//!   here), which the back office reads too.
//!
//! Idempotency: every row is keyed by the aggregate whose events write it and every write sets
//! values taken from the event (no counter shared between aggregates), so the runner's
//! per-aggregate position guard (each event applied once, in order) is all it takes; even an
//! event applied twice in a row leaves the same row. Aggregation happens at query time over
//! indexed fact rows: exact, and nothing to re-derive when a definition changes.

mod carts;
mod coupons;
mod products;
mod range;
mod sales;

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use commerce_aggregates::cart::CartEvent;
use commerce_aggregates::coupon::CouponEvent;
use commerce_aggregates::order::OrderEvent;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{aggregate_uuid, decode, version};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

pub use carts::{carts, CartFunnel};
pub use coupons::{coupons, CouponUsage};
pub use products::{products, CurrencyProducts, ProductRank, ProductSales};
pub use range::{DateRange, RangeError, MAX_RANGE_DAYS};
pub use sales::{average, sales, CurrencySales, DaySales, SalesFigures};

/// Builds the analytics fact tables from order, cart and coupon events.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnalyticsProjection;

#[async_trait]
impl Projection for AnalyticsProjection {
    fn name(&self) -> &'static str {
        "analytics"
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["order", "cart", "coupon"]
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "analytics_order_lines",
            "analytics_refunds",
            "analytics_orders",
            "analytics_carts",
            "analytics_coupon_redemptions",
        ]
    }

    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
        // The consumer's subject covers every aggregate; only these three matter here.
        match event.aggregate_type.as_str() {
            "order" => apply_order(tx, event).await,
            "cart" => apply_cart(tx, event, decode(event)?).await,
            "coupon" => apply_coupon(tx, event).await,
            _ => Ok(()),
        }
    }

    /// The `ItemAdded` events of a batch (the bulk of the cart traffic) update their carts
    /// with one statement; every other event is applied on its own, after the pending
    /// additions of its own cart (the rows of other carts, orders and coupons are
    /// independent of it).
    async fn apply_many(
        &self,
        tx: &mut PgConnection,
        events: &[&Envelope],
    ) -> Result<(), ProjectionError> {
        let mut added = AddedItems::default();
        for event in events {
            if event.aggregate_type != "cart" {
                self.apply(tx, event).await?;
                continue;
            }
            let id = aggregate_uuid(event)?;
            match decode(event)? {
                CartEvent::ItemAdded { sku, .. } => {
                    added.push(id, sku, version(event)?, event.recorded_at)
                }
                cart => {
                    if added.holds(id) {
                        added.flush(tx).await?;
                    }
                    apply_cart(tx, event, cart).await?;
                }
            }
        }
        added.flush(tx).await?;
        Ok(())
    }
}

/// `ItemAdded` events not written yet, one entry per cart.
#[derive(Default)]
struct AddedItems {
    carts: Vec<AddedToCart>,
    /// Where each cart is in `carts`.
    index: HashMap<Uuid, usize>,
}

struct AddedToCart {
    id: Uuid,
    /// The SKUs added, first occurrence only, in order.
    skus: Vec<String>,
    /// When the first of them was added.
    first_at: DateTime<Utc>,
    /// The version and time of the last of them.
    version: i64,
    at: DateTime<Utc>,
}

impl AddedItems {
    fn holds(&self, id: Uuid) -> bool {
        self.index.contains_key(&id)
    }

    fn push(&mut self, id: Uuid, sku: String, version: i64, at: DateTime<Utc>) {
        match self.index.get(&id) {
            Some(&at_index) => {
                let cart = &mut self.carts[at_index];
                if !cart.skus.contains(&sku) {
                    cart.skus.push(sku);
                }
                (cart.version, cart.at) = (version, at);
            }
            None => {
                self.index.insert(id, self.carts.len());
                self.carts.push(AddedToCart {
                    id,
                    skus: vec![sku],
                    first_at: at,
                    version,
                    at,
                });
            }
        }
    }

    /// What one `ItemAdded` at a time does: each SKU appended unless present, the first
    /// item's time kept, the last event's time and version recorded.
    async fn flush(&mut self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        if self.carts.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = self.carts.iter().map(|c| c.id).collect();
        let firsts: Vec<DateTime<Utc>> = self.carts.iter().map(|c| c.first_at).collect();
        let versions: Vec<i64> = self.carts.iter().map(|c| c.version).collect();
        let times: Vec<DateTime<Utc>> = self.carts.iter().map(|c| c.at).collect();
        // The SKUs of all carts in one array; each cart's are the slice `from..=to` of it.
        let skus: Vec<&str> = self
            .carts
            .iter()
            .flat_map(|c| c.skus.iter().map(String::as_str))
            .collect();
        let (mut from, mut to) = (Vec::new(), Vec::new());
        let mut next = 1i32;
        for cart in &self.carts {
            let count = i32::try_from(cart.skus.len()).unwrap_or(i32::MAX);
            from.push(next);
            to.push(next + count - 1);
            next += count;
        }
        sqlx::query(
            "UPDATE analytics_carts AS c SET \
             skus = c.skus || ARRAY(SELECT n.sku \
                      FROM UNNEST(($5::text[])[t.from_sku:t.to_sku]) WITH ORDINALITY AS n(sku, ord) \
                     WHERE NOT n.sku = ANY (c.skus) ORDER BY n.ord), \
             first_item_at = COALESCE(c.first_item_at, t.first_at), \
             updated_at = t.at, version = t.version \
             FROM UNNEST($1::uuid[], $2::timestamptz[], $3::bigint[], $4::timestamptz[], \
                         $6::int[], $7::int[]) \
                  AS t(cart_id, first_at, version, at, from_sku, to_sku) \
             WHERE c.cart_id = t.cart_id",
        )
        .bind(&ids)
        .bind(&firsts)
        .bind(&versions)
        .bind(&times)
        .bind(&skus)
        .bind(&from)
        .bind(&to)
        .execute(&mut *tx)
        .await?;
        self.carts.clear();
        self.index.clear();
        Ok(())
    }
}

async fn apply_order(tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
    let order: OrderEvent = decode(event)?;
    let id = aggregate_uuid(event)?;
    let version = version(event)?;
    let at = event.recorded_at;
    // The column recording when the order reached its new status, and the status.
    let (column, status) = match &order {
        OrderEvent::OrderPlaced { .. } => return insert_order(tx, id, &order, event).await,
        OrderEvent::OrderConfirmed { .. } => (Some("confirmed_at"), "confirmed"),
        OrderEvent::OrderRejected { .. } => (Some("rejected_at"), "rejected"),
        OrderEvent::OrderPaid { .. } => (Some("paid_at"), "paid"),
        // Shipment and delivery change no figure: only the status and version move.
        OrderEvent::OrderShipped { .. } => (None, "shipped"),
        OrderEvent::OrderDelivered { .. } => (None, "delivered"),
        OrderEvent::OrderCancelled {
            refund, refund_id, ..
        } => {
            // A refund requested with the cancellation counts when it completes.
            if let (Some(refund), None) = (refund, refund_id) {
                insert_refund(tx, id, version, refund, None, event).await?;
            }
            (Some("cancelled_at"), "cancelled")
        }
        // A requested refund returns nothing until the provider completes it.
        OrderEvent::RefundRequested { .. } | OrderEvent::RefundFailed { .. } => return Ok(()),
        // A return changes no figure until its refund (an `OrderRefunded`).
        OrderEvent::ReturnRequested { .. }
        | OrderEvent::ReturnApproved { .. }
        | OrderEvent::ReturnRejected { .. }
        | OrderEvent::ReturnReceived { .. } => return Ok(()),
        OrderEvent::OrderRefunded { amount, lines, .. } => {
            let units = (!lines.is_empty()).then(|| {
                lines
                    .iter()
                    .map(|line| (line.sku.clone(), line.quantity))
                    .collect::<HashMap<_, _>>()
            });
            insert_refund(tx, id, version, amount, units, event).await?;
            return refunded_status(tx, id, version, event).await;
        }
        OrderEvent::OrderExpired { .. } => (Some("expired_at"), "expired"),
    };
    // The column name comes from the match above, never from input.
    let reached = column
        .map(|column| format!("{column} = $2, "))
        .unwrap_or_default();
    sqlx::query(&format!(
        "UPDATE analytics_orders SET {reached}status = $3, updated_at = $2, version = $4 \
         WHERE order_id = $1"
    ))
    .bind(id)
    .bind(at)
    .bind(status)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records refund event `sequence` of order `id`: `amount`, and the units per SKU it returns.
/// Without units (a refund by amount, or a cancellation), a refund of the whole total returns
/// every unit, any other none.
async fn insert_refund(
    tx: &mut PgConnection,
    id: Uuid,
    sequence: i64,
    amount: &commerce_aggregates::Money,
    units: Option<HashMap<String, u32>>,
    event: &Envelope,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO analytics_refunds (order_id, sequence, currency, refunded_at, amount_minor, \
         lines) VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::jsonb IS NOT NULL THEN $6 \
         WHEN $5 >= (SELECT total_minor FROM analytics_orders WHERE order_id = $1) THEN NULL \
         ELSE '{}'::jsonb END) \
         ON CONFLICT (order_id, sequence) DO UPDATE SET currency = EXCLUDED.currency, \
         refunded_at = EXCLUDED.refunded_at, amount_minor = EXCLUDED.amount_minor, \
         lines = EXCLUDED.lines",
    )
    .bind(id)
    .bind(sequence)
    .bind(amount.currency.as_str())
    .bind(event.recorded_at)
    .bind(amount.minor)
    .bind(units.map(sqlx::types::Json))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// After a refund: `refunded` once the order's refunds return its whole total (a cancelled
/// order stays cancelled).
async fn refunded_status(
    tx: &mut PgConnection,
    id: Uuid,
    version: i64,
    event: &Envelope,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "UPDATE analytics_orders o SET status = CASE \
         WHEN o.status <> 'cancelled' AND (SELECT sum(amount_minor) \
         FROM analytics_refunds r WHERE r.order_id = o.order_id) >= o.total_minor \
         THEN 'refunded' ELSE o.status END, updated_at = $2, version = $3 WHERE order_id = $1",
    )
    .bind(id)
    .bind(event.recorded_at)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn insert_order(
    tx: &mut PgConnection,
    id: Uuid,
    placed: &OrderEvent,
    event: &Envelope,
) -> Result<(), ProjectionError> {
    let OrderEvent::OrderPlaced {
        cart_id,
        customer_id,
        lines,
        coupon,
        totals,
        store,
        ..
    } = placed
    else {
        return Err(ProjectionError::decode(event, "not an OrderPlaced event"));
    };
    let units: i64 = lines.iter().map(|line| i64::from(line.quantity)).sum();
    // The order and its lines in one statement; lines of an earlier application that the
    // event does not hold are removed (the final DELETE sees the rows as they were before the
    // statement, so it never removes a line the statement writes).
    sqlx::query(
        "WITH placed AS ( \
         INSERT INTO analytics_orders (order_id, cart_id, customer_id, currency, coupon_code, \
         units, subtotal_minor, discount_minor, shipping_minor, tax_minor, total_minor, status, \
         placed_at, updated_at, version, store) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'placed', $12, $12, $13, $14) \
         ON CONFLICT (order_id) DO UPDATE SET cart_id = EXCLUDED.cart_id, store = EXCLUDED.store, \
         customer_id = EXCLUDED.customer_id, currency = EXCLUDED.currency, \
         coupon_code = EXCLUDED.coupon_code, units = EXCLUDED.units, \
         subtotal_minor = EXCLUDED.subtotal_minor, discount_minor = EXCLUDED.discount_minor, \
         shipping_minor = EXCLUDED.shipping_minor, tax_minor = EXCLUDED.tax_minor, \
         total_minor = EXCLUDED.total_minor, status = 'placed', placed_at = EXCLUDED.placed_at, \
         confirmed_at = NULL, paid_at = NULL, rejected_at = NULL, cancelled_at = NULL, \
         expired_at = NULL, \
         updated_at = EXCLUDED.updated_at, version = EXCLUDED.version), \
         lines AS ( \
         INSERT INTO analytics_order_lines (order_id, sku, product_id, name, quantity, \
         line_total_minor, discount_minor, tax_minor) \
         SELECT $1, * FROM UNNEST($15::text[], $16::uuid[], $17::text[], $18::bigint[], \
                                  $19::bigint[], $20::bigint[], $21::bigint[]) \
         ON CONFLICT (order_id, sku) DO UPDATE SET product_id = EXCLUDED.product_id, \
         name = EXCLUDED.name, quantity = EXCLUDED.quantity, \
         line_total_minor = EXCLUDED.line_total_minor, discount_minor = EXCLUDED.discount_minor, \
         tax_minor = EXCLUDED.tax_minor) \
         DELETE FROM analytics_order_lines WHERE order_id = $1 AND NOT sku = ANY ($15)",
    )
    .bind(id)
    .bind(cart_id)
    .bind(customer_id)
    .bind(totals.total.currency.as_str())
    .bind(coupon.as_ref().map(|coupon| coupon.code.as_str()))
    .bind(units)
    .bind(totals.subtotal.minor)
    .bind(totals.discount.minor)
    .bind(totals.shipping.minor)
    .bind(totals.tax.minor)
    .bind(totals.total.minor)
    .bind(event.recorded_at)
    .bind(version(event)?)
    .bind(store)
    .bind(lines.iter().map(|l| l.sku.as_str()).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.product_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.name.as_str()).collect::<Vec<_>>())
    .bind(
        lines
            .iter()
            .map(|l| i64::from(l.quantity))
            .collect::<Vec<_>>(),
    )
    .bind(lines.iter().map(|l| l.line_total.minor).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.discount.minor).collect::<Vec<_>>())
    .bind(lines.iter().map(|l| l.tax.minor).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Applies `cart`, the decoded payload of `event`.
async fn apply_cart(
    tx: &mut PgConnection,
    event: &Envelope,
    cart: CartEvent,
) -> Result<(), ProjectionError> {
    let id = aggregate_uuid(event)?;
    let version = version(event)?;
    let at = event.recorded_at;
    // Every statement below binds $1 cart, $2 time, $3 version, then its own ($4).
    let base = |sql: &'static str| sqlx::query(sql).bind(id).bind(at).bind(version);
    let query = match &cart {
        CartEvent::CartCreated {
            owner, currency, ..
        } => {
            sqlx::query(
                "INSERT INTO analytics_carts (cart_id, customer_id, currency, created_at, \
                 updated_at, version) VALUES ($1, $2, $3, $4, $4, $5) \
                 ON CONFLICT (cart_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, \
                 currency = EXCLUDED.currency, skus = '{}', created_at = EXCLUDED.created_at, \
                 first_item_at = NULL, checked_out_at = NULL, order_id = NULL, \
                 abandoned_at = NULL, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version",
            )
            .bind(id)
            .bind(owner.customer_id())
            .bind(currency.as_str())
            .bind(at)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            return Ok(());
        }
        // Each statement also moves the last-activity time and the version.
        CartEvent::ItemAdded { sku, .. } => base(
            "UPDATE analytics_carts SET \
             skus = CASE WHEN $4 = ANY (skus) THEN skus ELSE array_append(skus, $4) END, \
             first_item_at = COALESCE(first_item_at, $2), updated_at = $2, version = $3 \
             WHERE cart_id = $1",
        )
        .bind(sku),
        CartEvent::ItemRemoved { sku } => base(
            "UPDATE analytics_carts SET skus = array_remove(skus, $4), updated_at = $2, \
             version = $3 WHERE cart_id = $1",
        )
        .bind(sku),
        CartEvent::CartCheckedOut { order_id, .. } => base(
            "UPDATE analytics_carts SET checked_out_at = $2, order_id = $4, updated_at = $2, \
             version = $3 WHERE cart_id = $1",
        )
        .bind(order_id),
        CartEvent::CartAbandoned {} => base(
            "UPDATE analytics_carts SET abandoned_at = $2, updated_at = $2, version = $3 \
             WHERE cart_id = $1",
        ),
        CartEvent::CartClaimed { customer_id } => base(
            "UPDATE analytics_carts SET customer_id = $4, updated_at = $2, version = $3 \
             WHERE cart_id = $1",
        )
        .bind(customer_id),
        CartEvent::ItemsMerged { lines, .. } => base(
            "UPDATE analytics_carts SET \
             skus = ARRAY(SELECT DISTINCT s FROM unnest(skus || $4::text[]) AS s ORDER BY s), \
             first_item_at = COALESCE(first_item_at, $2), updated_at = $2, version = $3 \
             WHERE cart_id = $1",
        )
        .bind(
            lines
                .iter()
                .map(|line| line.sku.clone())
                .collect::<Vec<_>>(),
        ),
        // Activity that changes no figure: only the last-activity time moves (a guest cart
        // merged into a customer's lives on in that cart).
        CartEvent::CartMergedInto { .. }
        | CartEvent::ItemQuantityChanged { .. }
        | CartEvent::CouponApplied { .. }
        | CartEvent::CouponRemoved { .. }
        | CartEvent::ShippingAddressSet { .. } => {
            base("UPDATE analytics_carts SET updated_at = $2, version = $3 WHERE cart_id = $1")
        }
    };
    query.execute(&mut *tx).await?;
    Ok(())
}

async fn apply_coupon(tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
    let coupon: CouponEvent = decode(event)?;
    // The aggregate id is the normalised code.
    let code = event.aggregate_id.as_str();
    match &coupon {
        CouponEvent::CouponRedeemed {
            order_id,
            customer_id,
            discount_amount,
        } => {
            sqlx::query(
                "INSERT INTO analytics_coupon_redemptions (code, order_id, customer_id, \
                 discount_minor, currency, redeemed_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (code, order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, \
                 discount_minor = EXCLUDED.discount_minor, currency = EXCLUDED.currency, \
                 redeemed_at = EXCLUDED.redeemed_at, released_at = NULL",
            )
            .bind(code)
            .bind(order_id)
            .bind(customer_id)
            .bind(discount_amount.minor)
            .bind(discount_amount.currency.as_str())
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
        }
        CouponEvent::RedemptionReleased { order_id, .. } => {
            sqlx::query(
                "UPDATE analytics_coupon_redemptions SET released_at = $3 \
                 WHERE code = $1 AND order_id = $2",
            )
            .bind(code)
            .bind(order_id)
            .bind(event.recorded_at)
            .execute(&mut *tx)
            .await?;
        }
        // The terms of a coupon are the coupons read model's business.
        CouponEvent::CouponCreated { .. }
        | CouponEvent::CouponUpdated { .. }
        | CouponEvent::CouponDeactivated {} => {}
    }
    Ok(())
}
