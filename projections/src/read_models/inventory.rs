//! The inventory-health read model (projection `inventory`, product events):
//! `inventory_levels`, one row per variant with its stock and a level (critical, low, medium,
//! high) from configurable thresholds; and the query function [`list`].

mod rebuild;

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use commerce_aggregates::product::{NewVariant, ProductEvent};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::stock::{self, StockTable};
use super::{aggregate_uuid, decode, version, Page, PageRequest};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

/// Thresholds of the inventory levels: available units `≤ critical` are critical, `≤ low` low,
/// `≤ medium` medium, anything more high. Always `critical < low < medium`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InventoryLevels {
    /// Highest available count that is critical.
    pub critical: u32,
    /// Highest available count that is low.
    pub low: u32,
    /// Highest available count that is medium.
    pub medium: u32,
}

impl Default for InventoryLevels {
    /// 2, 10, 50.
    fn default() -> Self {
        Self {
            critical: 2,
            low: 10,
            medium: 50,
        }
    }
}

/// Why an inventory-levels setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryLevelsError {
    /// Not three comma-separated non-negative integers.
    #[error("inventory levels must be 'critical,low,medium' (e.g. '2,10,50'), got '{0}'")]
    Format(String),
    /// The thresholds do not increase strictly.
    #[error("inventory levels must increase: critical < low < medium")]
    NotIncreasing,
}

impl InventoryLevels {
    /// Parses `"critical,low,medium"`, e.g. `"2,10,50"` (spaces allowed around numbers).
    pub fn parse(text: &str) -> Result<Self, InventoryLevelsError> {
        let format = || InventoryLevelsError::Format(text.to_string());
        let numbers = text
            .split(',')
            .map(|part| part.trim().parse::<u32>().map_err(|_| format()))
            .collect::<Result<Vec<_>, _>>()?;
        let [critical, low, medium] = numbers[..] else {
            return Err(format());
        };
        if critical < low && low < medium {
            Ok(Self {
                critical,
                low,
                medium,
            })
        } else {
            Err(InventoryLevelsError::NotIncreasing)
        }
    }

    /// The level of `available` units.
    pub fn level(&self, available: i64) -> StockLevel {
        if available <= i64::from(self.critical) {
            StockLevel::Critical
        } else if available <= i64::from(self.low) {
            StockLevel::Low
        } else if available <= i64::from(self.medium) {
            StockLevel::Medium
        } else {
            StockLevel::High
        }
    }
}

impl FromStr for InventoryLevels {
    type Err = InventoryLevelsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// How healthy a variant's stock is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockLevel {
    /// At or below the critical threshold.
    Critical,
    /// At or below the low threshold.
    Low,
    /// At or below the medium threshold.
    Medium,
    /// Above the medium threshold.
    High,
}

impl StockLevel {
    /// Every level, from the most urgent.
    pub const ALL: [StockLevel; 4] = [
        StockLevel::Critical,
        StockLevel::Low,
        StockLevel::Medium,
        StockLevel::High,
    ];

    /// The level's wire name (`critical`, `low`, `medium`, `high`).
    pub fn as_str(&self) -> &'static str {
        match self {
            StockLevel::Critical => "critical",
            StockLevel::Low => "low",
            StockLevel::Medium => "medium",
            StockLevel::High => "high",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "critical" => Some(StockLevel::Critical),
            "low" => Some(StockLevel::Low),
            "medium" => Some(StockLevel::Medium),
            "high" => Some(StockLevel::High),
            _ => None,
        }
    }
}

impl fmt::Display for StockLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Builds `inventory_levels` from product events, grading stock with its thresholds.
///
/// The level is stored: after a change of thresholds, `commerce replay inventory` regrades
/// every row.
#[derive(Debug, Clone, Copy, Default)]
pub struct InventoryProjection {
    levels: InventoryLevels,
}

impl InventoryProjection {
    /// The projection grading stock with `levels`.
    pub fn new(levels: InventoryLevels) -> Self {
        Self { levels }
    }
}

#[async_trait]
impl Projection for InventoryProjection {
    fn name(&self) -> &'static str {
        "inventory"
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["product"]
    }

    fn tables(&self) -> &'static [&'static str] {
        &["inventory_levels"]
    }

    fn rebuild(&self) -> Option<Box<dyn crate::replay::Rebuild + '_>> {
        Some(Box::new(rebuild::InventoryRebuild::new(self.levels)))
    }

    /// The products whose events of the batch only move stock (reservations under load)
    /// are written with three statements in all (see [`stock::apply_batch`]) and graded
    /// once; the others event by event.
    async fn apply_many(
        &self,
        tx: &mut PgConnection,
        events: &[&Envelope],
    ) -> Result<(), ProjectionError> {
        // Prices are not in `inventory_levels`: a price change only moves the version.
        let bulk = stock::apply_batch(tx, self, StockTable::InventoryLevels, events, |event| {
            stock::moves_stock_only(event)
                || matches!(event, ProductEvent::VariantPriceChanged { .. })
        })
        .await?;
        if bulk.ids.is_empty() {
            return Ok(());
        }
        // As `apply` grades after each event: the grade depends on the final counters only.
        sqlx::query(
            "UPDATE inventory_levels AS t SET level = inventory_level(t.available, $4, $5, $6), \
             version = d.version, updated_at = d.at \
             FROM UNNEST($1::uuid[], $2::bigint[], $3::timestamptz[]) AS d(product_id, version, at) \
             WHERE t.product_id = d.product_id",
        )
        .bind(&bulk.ids)
        .bind(&bulk.versions)
        .bind(&bulk.recorded_at)
        .bind(i64::from(self.levels.critical))
        .bind(i64::from(self.levels.low))
        .bind(i64::from(self.levels.medium))
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
        let product: ProductEvent = decode(event)?;
        let id = aggregate_uuid(event)?;
        let version = version(event)?;
        match &product {
            ProductEvent::ProductCreated {
                details, variants, ..
            } => {
                for variant in variants {
                    sqlx::query(
                        "INSERT INTO inventory_levels (product_id, sku, product_name, \
                         product_status, on_hand, reserved, level, updated_at, version) \
                         VALUES ($1, $2, $3, 'draft', $4, 0, 'high', $5, $6) \
                         ON CONFLICT (product_id, sku) DO UPDATE SET \
                         product_name = EXCLUDED.product_name, \
                         product_status = EXCLUDED.product_status, \
                         on_hand = EXCLUDED.on_hand, reserved = 0",
                    )
                    .bind(id)
                    .bind(&variant.sku)
                    .bind(&details.name)
                    .bind(i64::from(variant.stock))
                    .bind(event.recorded_at)
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            ProductEvent::ProductDetailsUpdated { details, .. } => {
                sqlx::query("UPDATE inventory_levels SET product_name = $2 WHERE product_id = $1")
                    .bind(id)
                    .bind(&details.name)
                    .execute(&mut *tx)
                    .await?;
            }
            ProductEvent::VariantAdded { variant } => {
                add_variant(tx, id, variant, event, version).await?;
            }
            ProductEvent::ProductPublished {} => set_status(tx, id, "active").await?,
            ProductEvent::ProductArchived {} => set_status(tx, id, "archived").await?,
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
        if let Some(change) = stock::stock_change(&product) {
            stock::apply(tx, StockTable::InventoryLevels, id, &change).await?;
        }
        // Grade every variant of the product and record the event's version on each.
        sqlx::query(
            "UPDATE inventory_levels SET level = inventory_level(available, $2, $3, $4), \
             version = $5, updated_at = $6 WHERE product_id = $1",
        )
        .bind(id)
        .bind(i64::from(self.levels.critical))
        .bind(i64::from(self.levels.low))
        .bind(i64::from(self.levels.medium))
        .bind(version)
        .bind(event.recorded_at)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

/// Inserts a variant added after creation, with the product's name and status taken from its
/// other variants (a product is created with at least one).
async fn add_variant(
    tx: &mut PgConnection,
    id: Uuid,
    variant: &NewVariant,
    event: &Envelope,
    version: i64,
) -> Result<(), ProjectionError> {
    let inserted = sqlx::query(
        "INSERT INTO inventory_levels (product_id, sku, product_name, product_status, on_hand, \
         reserved, level, updated_at, version) \
         SELECT $1, $2, product_name, product_status, $3, 0, 'high', $4, $5 \
         FROM inventory_levels WHERE product_id = $1 AND sku <> $2 LIMIT 1 \
         ON CONFLICT (product_id, sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, reserved = 0",
    )
    .bind(id)
    .bind(&variant.sku)
    .bind(i64::from(variant.stock))
    .bind(event.recorded_at)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(ProjectionError::decode(
            event,
            "VariantAdded for a product the inventory has no variant of",
        ));
    }
    Ok(())
}

async fn set_status(tx: &mut PgConnection, id: Uuid, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE inventory_levels SET product_status = $2 WHERE product_id = $1")
        .bind(id)
        .bind(status)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The stock of one variant and its level (`GET admin/inventory/health`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InventoryView {
    /// The product.
    pub product_id: Uuid,
    /// The variant.
    pub sku: String,
    /// The product's name.
    pub product_name: String,
    /// The product's status (`draft`, `active`, `archived`).
    pub product_status: String,
    /// Units in the warehouse, reserved ones included.
    pub on_hand: i64,
    /// Units held for orders.
    pub reserved: i64,
    /// Units that can still be sold.
    pub available: i64,
    /// `critical`, `low`, `medium` or `high`.
    #[cfg_attr(feature = "openapi", schema(example = "low"))]
    pub level: String,
    /// When the product last changed.
    pub updated_at: DateTime<Utc>,
    /// The product's version as of this row.
    pub version: i64,
}

/// One page of variants (only those at `level`, if given), fewest available first, and how
/// many match.
pub async fn list(
    pool: &PgPool,
    level: Option<StockLevel>,
    page: u32,
    per_page: u32,
) -> Result<Page<InventoryView>, sqlx::Error> {
    let request = PageRequest::new(page, per_page);
    let level = level.map(|level| level.as_str());
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM inventory_levels WHERE ($1::text IS NULL OR level = $1)",
    )
    .bind(level)
    .fetch_one(pool)
    .await?;
    let items: Vec<InventoryView> = sqlx::query_as(
        "SELECT product_id, sku, product_name, product_status, on_hand, reserved, available, \
         level, updated_at, version FROM inventory_levels \
         WHERE ($1::text IS NULL OR level = $1) \
         ORDER BY available, product_name, product_id, sku LIMIT $2 OFFSET $3",
    )
    .bind(level)
    .bind(request.limit())
    .bind(request.offset())
    .fetch_all(pool)
    .await?;
    Ok(request.into_page(items, total))
}

/// How many variants are at each level (levels without any are left out), in one query.
pub async fn counts(pool: &PgPool) -> Result<Vec<(StockLevel, i64)>, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT level, count(*) FROM inventory_levels GROUP BY level")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(level, count)| Some((StockLevel::parse(&level)?, count)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_increasing_thresholds() {
        assert_eq!(
            InventoryLevels::parse("2,10,50"),
            Ok(InventoryLevels::default())
        );
        assert_eq!(
            " 0 , 5,6 ".parse::<InventoryLevels>(),
            Ok(InventoryLevels {
                critical: 0,
                low: 5,
                medium: 6
            })
        );
    }

    #[test]
    fn refuses_malformed_or_unordered_thresholds() {
        for text in ["", "2,10", "2,10,50,60", "a,b,c", "-1,2,3", "2;10;50"] {
            assert!(
                matches!(
                    InventoryLevels::parse(text),
                    Err(InventoryLevelsError::Format(_))
                ),
                "{text}"
            );
        }
        for text in ["2,2,50", "10,2,50", "2,50,50"] {
            assert_eq!(
                InventoryLevels::parse(text),
                Err(InventoryLevelsError::NotIncreasing)
            );
        }
    }

    #[test]
    fn grades_each_boundary() {
        let levels = InventoryLevels::default();
        let graded: Vec<_> = [0, 2, 3, 10, 11, 50, 51]
            .into_iter()
            .map(|available| levels.level(available))
            .collect();
        use StockLevel::*;
        assert_eq!(graded, [Critical, Critical, Low, Low, Medium, Medium, High]);
    }
}
