//! The inventory projection's fast replay: each product's events folded into its final
//! `inventory_levels` rows, with the same effect as the statements of
//! [`InventoryProjection::apply`](super::InventoryProjection) (updates of a missing variant
//! change nothing; every row of the product is graded and versioned after each event, so the
//! last event's grade, version and time are the ones that remain).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use commerce_aggregates::product::ProductEvent;
use uuid::Uuid;

use super::stock;
use super::InventoryLevels;
use crate::projection::ProjectionError;
use crate::replay::{CopyRows, Rebuild, StoredEvent};

const STATEMENTS: &[&str] = &["COPY inventory_levels (product_id, sku, product_name, \
     product_status, on_hand, reserved, level, updated_at, version) FROM STDIN (FORMAT binary)"];

#[derive(Debug)]
struct Level {
    product_name: String,
    product_status: &'static str,
    on_hand: i64,
    reserved: i64,
}

impl stock::Counters for Level {
    fn counters(&mut self) -> (&mut i64, &mut i64) {
        (&mut self.on_hand, &mut self.reserved)
    }
}

/// The product being folded, graded with the projection's thresholds.
#[derive(Debug)]
pub(super) struct InventoryRebuild {
    levels: InventoryLevels,
    id: Option<Uuid>,
    variants: BTreeMap<String, Level>,
    last: Option<(i64, DateTime<Utc>)>,
}

impl InventoryRebuild {
    /// A rebuild grading with `levels`.
    pub(super) fn new(levels: InventoryLevels) -> Self {
        Self {
            levels,
            id: None,
            variants: BTreeMap::new(),
            last: None,
        }
    }

    fn set_status(&mut self, status: &'static str) {
        for variant in self.variants.values_mut() {
            variant.product_status = status;
        }
    }
}

impl Rebuild for InventoryRebuild {
    fn copy_statements(&self) -> &'static [&'static str] {
        STATEMENTS
    }

    fn apply(&mut self, event: &StoredEvent<'_>) -> Result<(), ProjectionError> {
        let product: ProductEvent = event.decode()?;
        let id = event.aggregate_uuid()?;
        self.id = Some(id);
        let change = stock::stock_change(&product);
        match product {
            ProductEvent::ProductCreated {
                details, variants, ..
            } => {
                for variant in variants {
                    self.variants.insert(
                        variant.sku,
                        Level {
                            product_name: details.name.clone(),
                            product_status: "draft",
                            on_hand: i64::from(variant.stock),
                            reserved: 0,
                        },
                    );
                }
            }
            ProductEvent::ProductDetailsUpdated { details, .. } => {
                for variant in self.variants.values_mut() {
                    variant.product_name.clone_from(&details.name);
                }
            }
            ProductEvent::VariantAdded { variant } => {
                // Name and status come from another variant of the product; without one the
                // live statement inserts nothing and fails the event.
                let Some((name, status)) = self
                    .variants
                    .iter()
                    .find(|(sku, _)| **sku != variant.sku)
                    .map(|(_, other)| (other.product_name.clone(), other.product_status))
                else {
                    return Err(
                        event.error("VariantAdded for a product the inventory has no variant of")
                    );
                };
                let on_hand = i64::from(variant.stock);
                match self.variants.get_mut(&variant.sku) {
                    Some(row) => {
                        row.on_hand = on_hand;
                        row.reserved = 0;
                    }
                    None => {
                        let row = Level {
                            product_name: name,
                            product_status: status,
                            on_hand,
                            reserved: 0,
                        };
                        self.variants.insert(variant.sku, row);
                    }
                }
            }
            ProductEvent::ProductPublished {} => self.set_status("active"),
            ProductEvent::ProductArchived {} => self.set_status("archived"),
            ProductEvent::VariantPriceChanged { .. }
            | ProductEvent::StockAdjusted { .. }
            | ProductEvent::StockReserved { .. }
            | ProductEvent::ReservationReleased { .. }
            | ProductEvent::ReservationCommitted { .. }
            | ProductEvent::LowStockThresholdCrossed { .. }
            | ProductEvent::TagLinked { .. }
            | ProductEvent::TagUnlinked { .. }
            | ProductEvent::ProductImageAdded { .. }
            | ProductEvent::ProductImageRemoved { .. }
            | ProductEvent::ProductImagesReordered { .. } => {}
        }
        if let Some(change) = &change {
            stock::fold(&mut self.variants, change).map_err(|reason| event.error(reason))?;
        }
        self.last = Some((event.sequence, event.recorded_at));
        Ok(())
    }

    fn finish(&mut self, tables: &mut [CopyRows]) -> Result<(), ProjectionError> {
        let levels = self.levels;
        let done = std::mem::replace(self, Self::new(levels));
        let (Some(id), Some((version, at)), [rows, ..]) = (done.id, done.last, tables) else {
            return Ok(());
        };
        for (sku, variant) in &done.variants {
            let available = variant.on_hand.saturating_sub(variant.reserved);
            rows.uuid(id)
                .text(sku)
                .text(&variant.product_name)
                .text(variant.product_status)
                .int(variant.on_hand)
                .int(variant.reserved)
                .text(levels.level(available).as_str())
                .time(at)
                .int(version);
            rows.end_row();
        }
        Ok(())
    }
}
