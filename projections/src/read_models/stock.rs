//! Stock arithmetic shared by the catalog and inventory projections: what each product event
//! does to a variant's units on hand and reserved, and the statements that write it.
//!
//! Both `catalog_variants` and `inventory_levels` are keyed by `(product_id, sku)` and hold
//! `on_hand` and `reserved` (`available` is a generated column), so one description of the
//! change is applied to either. Subtractions saturate at zero, like the aggregate's.

use std::collections::BTreeMap;

use commerce_aggregates::product::{ProductEvent, ReservationLine};
use sqlx::PgConnection;
use uuid::Uuid;

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

impl StockTable {
    fn set_sql(self) -> &'static str {
        match self {
            StockTable::CatalogVariants => set_on_hand_sql!("catalog_variants"),
            StockTable::InventoryLevels => set_on_hand_sql!("inventory_levels"),
        }
    }

    fn move_sql(self) -> &'static str {
        match self {
            StockTable::CatalogVariants => move_stock_sql!("catalog_variants"),
            StockTable::InventoryLevels => move_stock_sql!("inventory_levels"),
        }
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
        | ProductEvent::LowStockThresholdCrossed { .. } => None,
    }
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
}
