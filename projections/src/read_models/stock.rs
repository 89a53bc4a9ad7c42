//! Stock arithmetic shared by the catalog and inventory projections: what each product event
//! does to a variant's units on hand and reserved, and the statements that write it.
//!
//! Both `catalog_variants` and `inventory_levels` are keyed by `(product_id, sku)` and hold
//! `on_hand` and `reserved` (`available` is a generated column), so one description of the
//! change is applied to either. Subtractions saturate at zero, like the aggregate's.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use commerce_aggregates::product::{ProductEvent, ReservationLine};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{aggregate_uuid, decode, version};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

/// A change of stock on some variants of one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StockChange {
    /// `StockAdjusted`: the variant's units on hand are now `on_hand`.
    Set {
        /// The variant.
        sku: String,
        /// Units on hand after the adjustment.
        on_hand: i64,
    },
    /// Reservations: units added to (or, negative, removed from) on hand and reserved.
    Move(Vec<StockDelta>),
}

/// The change of one variant's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StockDelta {
    /// The variant.
    pub(crate) sku: String,
    /// Change of units on hand.
    pub(crate) on_hand: i64,
    /// Change of units reserved.
    pub(crate) reserved: i64,
}

/// The tables that hold per-variant stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StockTable {
    /// `catalog_variants` (projection `catalog`).
    CatalogVariants,
    /// `inventory_levels` (projection `inventory`).
    InventoryLevels,
}

macro_rules! set_on_hand_sql {
    ($table:literal) => {
        concat!(
            "UPDATE ",
            $table,
            " SET on_hand = $3 WHERE product_id = $1 AND sku = $2"
        )
    };
}

macro_rules! move_stock_sql {
    ($table:literal) => {
        concat!(
            "UPDATE ",
            $table,
            " AS t SET on_hand = GREATEST(t.on_hand + d.on_hand, 0), \
             reserved = GREATEST(t.reserved + d.reserved, 0) \
             FROM UNNEST($2::text[], $3::bigint[], $4::bigint[]) AS d(sku, on_hand, reserved) \
             WHERE t.product_id = $1 AND t.sku = d.sku"
        )
    };
}

macro_rules! read_stock_sql {
    ($table:literal) => {
        concat!(
            "SELECT product_id, sku, on_hand, reserved FROM ",
            $table,
            " WHERE product_id = ANY($1)"
        )
    };
}

macro_rules! write_stock_sql {
    ($table:literal) => {
        concat!(
            "UPDATE ",
            $table,
            " AS t SET on_hand = d.on_hand, reserved = d.reserved \
             FROM UNNEST($1::uuid[], $2::text[], $3::bigint[], $4::bigint[]) \
             AS d(product_id, sku, on_hand, reserved) \
             WHERE t.product_id = d.product_id AND t.sku = d.sku \
             AND (t.on_hand, t.reserved) IS DISTINCT FROM (d.on_hand, d.reserved)"
        )
    };
}

/// `$sql!`, one of the statement macros above, for the table `$table` names.
macro_rules! for_table {
    ($table:expr, $sql:ident) => {
        match $table {
            StockTable::CatalogVariants => $sql!("catalog_variants"),
            StockTable::InventoryLevels => $sql!("inventory_levels"),
        }
    };
}

impl StockTable {
    fn read_sql(self) -> &'static str {
        for_table!(self, read_stock_sql)
    }

    fn write_sql(self) -> &'static str {
        for_table!(self, write_stock_sql)
    }

    fn set_sql(self) -> &'static str {
        for_table!(self, set_on_hand_sql)
    }

    fn move_sql(self) -> &'static str {
        for_table!(self, move_stock_sql)
    }
}

/// What `event` does to stock, if anything. Variants created by `ProductCreated` and
/// `VariantAdded` are inserted by each projection with their initial stock.
pub(crate) fn stock_change(event: &ProductEvent) -> Option<StockChange> {
    match event {
        ProductEvent::StockAdjusted { sku, on_hand, .. } => Some(StockChange::Set {
            sku: sku.clone(),
            on_hand: i64::from(*on_hand),
        }),
        ProductEvent::StockReserved { lines, .. } => Some(moves(lines, 0, 1)),
        ProductEvent::ReservationReleased { lines, .. } => Some(moves(lines, 0, -1)),
        ProductEvent::ReservationCommitted { lines, .. } => Some(moves(lines, -1, -1)),
        ProductEvent::ProductCreated { .. }
        | ProductEvent::ProductDetailsUpdated { .. }
        | ProductEvent::VariantAdded { .. }
        | ProductEvent::VariantPriceChanged { .. }
        | ProductEvent::ProductPublished {}
        | ProductEvent::ProductArchived {}
        | ProductEvent::LowStockThresholdCrossed { .. }
        | ProductEvent::TagLinked { .. }
        | ProductEvent::TagUnlinked { .. }
        | ProductEvent::ProductImageAdded { .. }
        | ProductEvent::ProductImageRemoved { .. }
        | ProductEvent::ProductImagesReordered { .. } => None,
    }
}

/// True for the product events that change nothing on the catalog's and the inventory's
/// rows but the variants' stock counters (and the version the rows record): the stock events,
/// and `LowStockThresholdCrossed`, which neither read model stores.
pub(crate) fn moves_stock_only(event: &ProductEvent) -> bool {
    matches!(
        event,
        ProductEvent::StockAdjusted { .. }
            | ProductEvent::StockReserved { .. }
            | ProductEvent::ReservationReleased { .. }
            | ProductEvent::ReservationCommitted { .. }
            | ProductEvent::LowStockThresholdCrossed { .. }
    )
}

/// One delta per SKU (lines of the same SKU summed), `on_hand_sign`/`reserved_sign` times
/// each line's quantity.
fn moves(lines: &[ReservationLine], on_hand_sign: i64, reserved_sign: i64) -> StockChange {
    let mut per_sku: BTreeMap<&str, i64> = BTreeMap::new();
    for line in lines {
        *per_sku.entry(line.sku.as_str()).or_default() += i64::from(line.quantity);
    }
    StockChange::Move(
        per_sku
            .into_iter()
            .map(|(sku, quantity)| StockDelta {
                sku: sku.to_string(),
                on_hand: on_hand_sign * quantity,
                reserved: reserved_sign * quantity,
            })
            .collect(),
    )
}

/// A variant's counters as a fast replay holds them in memory.
pub(crate) trait Counters {
    /// Units on hand and reserved.
    fn counters(&mut self) -> (&mut i64, &mut i64);
}

/// Applies `change` to the in-memory `variants` (by SKU) as [`apply`] does to a table:
/// unknown SKUs are left alone and subtractions saturate at zero. Fails only when a counter
/// would overflow.
pub(crate) fn fold<V: Counters>(
    variants: &mut BTreeMap<String, V>,
    change: &StockChange,
) -> Result<(), &'static str> {
    match change {
        StockChange::Set { sku, on_hand } => {
            if let Some(variant) = variants.get_mut(sku) {
                *variant.counters().0 = *on_hand;
            }
        }
        StockChange::Move(deltas) => {
            let add = |a: i64, b: i64| {
                a.checked_add(b)
                    .map(|sum| sum.max(0))
                    .ok_or("stock out of range")
            };
            for delta in deltas {
                if let Some(variant) = variants.get_mut(&delta.sku) {
                    let (on_hand, reserved) = variant.counters();
                    *on_hand = add(*on_hand, delta.on_hand)?;
                    *reserved = add(*reserved, delta.reserved)?;
                }
            }
        }
    }
    Ok(())
}

/// Writes `change` to `table` for `product_id`.
pub(crate) async fn apply(
    conn: &mut PgConnection,
    table: StockTable,
    product_id: Uuid,
    change: &StockChange,
) -> Result<(), sqlx::Error> {
    match change {
        StockChange::Set { sku, on_hand } => {
            sqlx::query(table.set_sql())
                .bind(product_id)
                .bind(sku)
                .bind(on_hand)
                .execute(&mut *conn)
                .await?;
        }
        StockChange::Move(deltas) => {
            let skus: Vec<&str> = deltas.iter().map(|d| d.sku.as_str()).collect();
            let on_hand: Vec<i64> = deltas.iter().map(|d| d.on_hand).collect();
            let reserved: Vec<i64> = deltas.iter().map(|d| d.reserved).collect();
            sqlx::query(table.move_sql())
                .bind(product_id)
                .bind(skus)
                .bind(on_hand)
                .bind(reserved)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// The products of a batch whose events there change nothing but stock (and the version the
/// rows record): their changes, in order, and each product's last version and time.
#[derive(Debug, Default)]
pub(crate) struct StockOnly {
    changes: Vec<(Uuid, StockChange)>,
    /// The products, each once.
    pub(crate) ids: Vec<Uuid>,
    /// The version of each product's last event in the batch.
    pub(crate) versions: Vec<i64>,
    /// When each product's last event of the batch was recorded.
    pub(crate) recorded_at: Vec<DateTime<Utc>>,
}

/// Splits `events` (sorted by aggregate, each aggregate's in sequence order) into the events
/// to apply one by one and the products whose events of the batch all pass `stock_only`
/// (written together by [`apply_stock_only`]).
fn split<'e>(
    events: &[&'e Envelope],
    stock_only: impl Fn(&ProductEvent) -> bool,
) -> Result<(Vec<&'e Envelope>, StockOnly), ProjectionError> {
    let mut one_by_one = Vec::new();
    let mut bulk = StockOnly::default();
    for run in events.chunk_by(|a, b| a.aggregate_id == b.aggregate_id) {
        let decoded = run
            .iter()
            .map(|event| decode::<ProductEvent>(event))
            .collect::<Result<Vec<_>, _>>()?;
        let Some(last) = run.last().filter(|_| decoded.iter().all(&stock_only)) else {
            one_by_one.extend_from_slice(run);
            continue;
        };
        let id = aggregate_uuid(last)?;
        bulk.changes
            .extend(decoded.iter().filter_map(stock_change).map(|c| (id, c)));
        bulk.ids.push(id);
        bulk.versions.push(version(last)?);
        bulk.recorded_at.push(last.recorded_at);
    }
    Ok((one_by_one, bulk))
}

/// Applies `events` (sorted by aggregate) for `projection`: the products whose events all
/// pass `stock_only` have their stock written together ([`apply_stock_only`]), the others'
/// events are applied one by one. Returns the former, whose per-product rows (grade, totals,
/// version) the caller then updates once each.
pub(crate) async fn apply_batch(
    tx: &mut PgConnection,
    projection: &dyn Projection,
    table: StockTable,
    events: &[&Envelope],
    stock_only: impl Fn(&ProductEvent) -> bool,
) -> Result<StockOnly, ProjectionError> {
    let (one_by_one, bulk) = split(events, stock_only)?;
    for event in one_by_one {
        projection.apply(tx, event).await?;
    }
    apply_stock_only(tx, table, &bulk).await?;
    Ok(bulk)
}

/// A variant's counters while a batch is folded.
#[derive(Debug, Clone, Copy)]
struct Stock(i64, i64);

impl Counters for Stock {
    fn counters(&mut self) -> (&mut i64, &mut i64) {
        (&mut self.0, &mut self.1)
    }
}

/// Writes the stock changes of `bulk` to `table` with two statements, whatever their number:
/// the variants' counters are read, the changes folded in memory in event order with the
/// arithmetic of [`apply`] (unknown SKUs left alone, subtractions saturating at zero), and
/// the changed counters written back.
async fn apply_stock_only(
    conn: &mut PgConnection,
    table: StockTable,
    bulk: &StockOnly,
) -> Result<(), ProjectionError> {
    if bulk.changes.is_empty() {
        return Ok(());
    }
    let rows: Vec<(Uuid, String, i64, i64)> = sqlx::query_as(table.read_sql())
        .bind(&bulk.ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut variants: BTreeMap<Uuid, BTreeMap<String, Stock>> = BTreeMap::new();
    for (product, sku, on_hand, reserved) in rows {
        variants
            .entry(product)
            .or_default()
            .insert(sku, Stock(on_hand, reserved));
    }
    for (product, change) in &bulk.changes {
        if let Some(skus) = variants.get_mut(product) {
            fold(skus, change).map_err(|e| ProjectionError::Command(e.into()))?;
        }
    }
    let (mut products, mut skus, mut on_hand, mut reserved) = (vec![], vec![], vec![], vec![]);
    for (product, stock) in &variants {
        for (sku, Stock(units, held)) in stock {
            products.push(*product);
            skus.push(sku.as_str());
            on_hand.push(*units);
            reserved.push(*held);
        }
    }
    sqlx::query(table.write_sql())
        .bind(products)
        .bind(skus)
        .bind(on_hand)
        .bind(reserved)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn reservations_move_reserved_and_commits_move_both() {
        let lines = vec![
            ReservationLine::new("A", 2),
            ReservationLine::new("B", 1),
            ReservationLine::new("A", 3),
        ];
        let order_id = Uuid::nil();
        let reserved = stock_change(&ProductEvent::StockReserved {
            order_id,
            lines: lines.clone(),
        });
        let delta = |sku: &str, on_hand, reserved| StockDelta {
            sku: sku.into(),
            on_hand,
            reserved,
        };
        assert_eq!(
            reserved,
            Some(StockChange::Move(vec![delta("A", 0, 5), delta("B", 0, 1)]))
        );
        let committed = stock_change(&ProductEvent::ReservationCommitted { order_id, lines });
        assert_eq!(
            committed,
            Some(StockChange::Move(vec![
                delta("A", -5, -5),
                delta("B", -1, -1)
            ]))
        );
        assert_eq!(stock_change(&ProductEvent::ProductPublished {}), None);
    }

    #[test]
    fn only_stock_events_and_threshold_crossings_move_stock_only() {
        let lines = vec![ReservationLine::new("A", 1)];
        let order_id = Uuid::nil();
        let stock_events = [
            ProductEvent::StockReserved {
                order_id,
                lines: lines.clone(),
            },
            ProductEvent::ReservationReleased {
                order_id,
                lines: lines.clone(),
                reason: "order_cancelled".into(),
            },
            ProductEvent::ReservationCommitted { order_id, lines },
        ];
        for event in &stock_events {
            assert!(moves_stock_only(event), "{event:?}");
            assert!(stock_change(event).is_some(), "{event:?}");
        }
        assert!(!moves_stock_only(&ProductEvent::ProductPublished {}));
        assert!(!moves_stock_only(&ProductEvent::ProductArchived {}));
    }
}
