//! The response shapes of the order routes that the order read model's views compose: an
//! order with its status timeline, and a page of orders.

use commerce_projections::read_models::orders::{OrderView, TimelineEntry};
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::page_of;
use super::wait::Versioned;

/// An order with its status timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderDetail {
    /// The order.
    #[serde(flatten)]
    pub order: OrderView,
    /// Every event of the order up to `version`, oldest first, with the status it led to.
    pub timeline: Vec<TimelineEntry>,
}

page_of!(
    /// A page of orders, most recently placed first.
    OrderPage,
    OrderView
);

impl Versioned for OrderView {
    fn version(&self) -> i64 {
        self.version
    }
}
