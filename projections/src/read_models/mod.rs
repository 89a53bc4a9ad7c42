//! The read models: one projection per table family (catalog, carts, orders, coupons,
//! inventory health, analytics, stores, taxonomy), the query functions the query API serves
//! them with, and what they share (pagination, money in views, payload decoding).
//!
//! Every projection only writes, inside the runner's transaction, with plain runtime SQL;
//! every timestamp comes from the envelope's `recorded_at` and every main row records the
//! sequence of the last event applied to it as `version`, so a replay rebuilds identical rows.

pub mod analytics;
pub mod carts;
pub mod catalog;
pub mod contact_messages;
pub mod coupons;
pub mod inventory;
pub mod orders;
mod stock;
pub mod stores;
pub mod taxonomy;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

pub use carts::CartProjection;
pub use catalog::CatalogProjection;
pub use contact_messages::ContactMessageProjection;
pub use coupons::CouponProjection;
pub use inventory::{InventoryLevels, InventoryProjection, StockLevel};
pub use orders::OrderProjection;
pub use stores::StoreProjection;
pub use taxonomy::TaxonomyProjection;

/// Every read-model projection, the inventory one using `levels`.
pub fn all(levels: InventoryLevels) -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(CatalogProjection),
        Arc::new(CartProjection),
        Arc::new(OrderProjection),
        Arc::new(CouponProjection),
        Arc::new(InventoryProjection::new(levels)),
        Arc::new(analytics::AnalyticsProjection),
        Arc::new(StoreProjection),
        Arc::new(TaxonomyProjection),
        Arc::new(ContactMessageProjection),
    ]
}

/// Items per page when the caller does not say.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// Most items per page.
pub const MAX_PER_PAGE: u32 = 100;

/// One page of a list, with the total number of matching items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    /// The items of this page, in the list's order.
    pub items: Vec<T>,
    /// How many items match in all pages.
    pub total: i64,
    /// This page's number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

/// Which page of a list to read: 1-based `page`, `per_page` in `1..=MAX_PER_PAGE`.
///
/// Out-of-range values are clamped (page 0 reads page 1, 500 per page reads 100); the HTTP
/// layer is expected to refuse them with a 422 before they get here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    per_page: u32,
}

impl PageRequest {
    /// Page `page` (from 1) of `per_page` items, clamped to the accepted ranges.
    pub fn new(page: u32, per_page: u32) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, MAX_PER_PAGE),
        }
    }

    /// The page number, from 1.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Items per page.
    pub fn per_page(&self) -> u32 {
        self.per_page
    }

    /// SQL `LIMIT`.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    /// SQL `OFFSET`.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// The page holding `items` out of `total`.
    pub fn into_page<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(1, DEFAULT_PER_PAGE)
    }
}

/// An amount of money in a view, serialised like the domain's money:
/// `{"amount": 1999, "currency": "USD"}` (amount in minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyView {
    /// Minor units of the currency (cents for USD).
    #[cfg_attr(feature = "openapi", schema(example = 1999))]
    pub amount: i64,
    /// ISO-4217 code.
    #[cfg_attr(feature = "openapi", schema(example = "USD"))]
    pub currency: String,
}

/// A JSON column holding a domain value, as the view's type; another shape is a bug in the
/// projection that wrote it.
pub(crate) fn json_column<T: DeserializeOwned>(
    column: &'static str,
    value: serde_json::Value,
) -> Result<T, sqlx::Error> {
    serde_json::from_value(value).map_err(|error| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(error),
    })
}

impl MoneyView {
    /// `amount` minor units of `currency`.
    pub fn new(amount: i64, currency: impl Into<String>) -> Self {
        Self {
            amount,
            currency: currency.into(),
        }
    }
}

/// A column of minor units of `currency` in a query's row, as money.
pub(crate) fn money_column(
    row: &sqlx::postgres::PgRow,
    column: &str,
    currency: &str,
) -> Result<MoneyView, sqlx::Error> {
    use sqlx::Row;
    Ok(MoneyView::new(row.try_get::<i64, _>(column)?, currency))
}

/// The envelope's payload as the aggregate's event enum.
pub(crate) fn decode<E: DeserializeOwned>(envelope: &Envelope) -> Result<E, ProjectionError> {
    serde_json::from_value(envelope.payload.clone())
        .map_err(|error| ProjectionError::decode(envelope, error))
}

/// The envelope's sequence as the `version` column.
pub(crate) fn version(envelope: &Envelope) -> Result<i64, ProjectionError> {
    i64::try_from(envelope.sequence)
        .map_err(|_| ProjectionError::decode(envelope, "sequence does not fit in bigint"))
}

/// The envelope's aggregate id as a UUID (products, carts and orders).
pub(crate) fn aggregate_uuid(envelope: &Envelope) -> Result<Uuid, ProjectionError> {
    Uuid::parse_str(&envelope.aggregate_id).map_err(|error| {
        ProjectionError::decode(envelope, format!("aggregate id is not a UUID: {error}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_requests_are_clamped() {
        let request = PageRequest::new(0, 500);
        assert_eq!((request.page(), request.per_page()), (1, MAX_PER_PAGE));
        assert_eq!(PageRequest::new(3, 0).per_page(), 1);
        assert_eq!(PageRequest::new(3, 20).offset(), 40);
        assert_eq!(PageRequest::new(u32::MAX, 100).limit(), 100);
        assert!(PageRequest::new(u32::MAX, 100).offset() > 0);
    }

    #[test]
    fn every_projection_has_a_distinct_name() {
        let projections = all(InventoryLevels::default());
        let mut names: Vec<_> = projections.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), projections.len());
    }
}
