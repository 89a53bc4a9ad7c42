//! Events recorded by the product aggregate.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::types::{NewVariant, ProductDetails, ProductImage, ReservationLine};
use crate::money::Money;

/// Payload version of `StockAdjusted`: `2.0` added `previous_on_hand` (stored `1.0` events are
/// upcast by [`crate::upcast`]).
pub const STOCK_ADJUSTED_VERSION: &str = "2.0";

/// Payload version of `ProductCreated`: `1.1` added `store` (stored `1.0` events are upcast
/// into the default store).
pub const PRODUCT_CREATED_VERSION: &str = "1.1";

/// What happened to a product. Serialised externally tagged: `{"StockReserved": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ProductEvent {
    /// The product was created, in `Draft`.
    ProductCreated {
        /// The product's identity.
        product_id: Uuid,
        /// Validated descriptive details.
        details: ProductDetails,
        /// The low-stock threshold in force.
        low_stock_threshold: u32,
        /// The initial variants, validated.
        variants: Vec<NewVariant>,
        /// The store the product is sold in (since `1.1`).
        store: String,
    },
    /// The descriptive details changed; carries the complete new details.
    ProductDetailsUpdated {
        /// The details after the update.
        details: ProductDetails,
        /// The low-stock threshold after the update.
        low_stock_threshold: u32,
    },
    /// A variant was added.
    VariantAdded {
        /// The new variant.
        variant: NewVariant,
    },
    /// A variant's unit price changed.
    VariantPriceChanged {
        /// The variant.
        sku: String,
        /// Price before.
        old_price: Money,
        /// Price after.
        new_price: Money,
    },
    /// Stock on hand was corrected (version `2.0`).
    StockAdjusted {
        /// The variant.
        sku: String,
        /// Units added (positive) or removed (negative).
        adjustment: i64,
        /// Why.
        reason: String,
        /// Units on hand before the adjustment (since `2.0`; `on_hand − adjustment`).
        previous_on_hand: u32,
        /// Units on hand after the adjustment.
        on_hand: u32,
        /// Units available after the adjustment.
        available: u32,
    },
    /// Stock was held for an order.
    StockReserved {
        /// The order.
        order_id: Uuid,
        /// What was held, one line per SKU.
        lines: Vec<ReservationLine>,
    },
    /// An order's held stock was given back.
    ReservationReleased {
        /// The order.
        order_id: Uuid,
        /// What was given back.
        lines: Vec<ReservationLine>,
        /// Why.
        reason: String,
    },
    /// An order's held stock left the warehouse (on hand and reserved both decrease).
    ReservationCommitted {
        /// The order.
        order_id: Uuid,
        /// What left.
        lines: Vec<ReservationLine>,
    },
    /// The product went on sale.
    ProductPublished {},
    /// The product was withdrawn from sale.
    ProductArchived {},
    /// A tag was linked to the product: its slug joins the product's tags (the read side
    /// shows the tag's current name, so a rename shows everywhere).
    TagLinked {
        /// The tag's slug.
        slug: String,
    },
    /// A tag was unlinked: every tag of the product with this slug is gone.
    TagUnlinked {
        /// The tag's slug.
        slug: String,
    },
    /// A variant's available stock went from above the threshold to at or below it.
    LowStockThresholdCrossed {
        /// The variant.
        sku: String,
        /// Units available now.
        available: u32,
        /// The threshold crossed.
        threshold: u32,
    },
    /// An uploaded image was added after the product's other images.
    ProductImageAdded {
        /// The image, its bytes already in the media store.
        image: ProductImage,
    },
    /// An uploaded image was taken off the product (its bytes stay in the media store).
    ProductImageRemoved {
        /// The image.
        image_id: Uuid,
    },
    /// The uploaded images were put in a new order.
    ProductImagesReordered {
        /// Every uploaded image of the product, each once, in the new display order.
        image_ids: Vec<Uuid>,
    },
}

impl DomainEvent for ProductEvent {
    fn event_type(&self) -> String {
        let name = match self {
            ProductEvent::ProductCreated { .. } => "ProductCreated",
            ProductEvent::ProductDetailsUpdated { .. } => "ProductDetailsUpdated",
            ProductEvent::VariantAdded { .. } => "VariantAdded",
            ProductEvent::VariantPriceChanged { .. } => "VariantPriceChanged",
            ProductEvent::StockAdjusted { .. } => "StockAdjusted",
            ProductEvent::StockReserved { .. } => "StockReserved",
            ProductEvent::ReservationReleased { .. } => "ReservationReleased",
            ProductEvent::ReservationCommitted { .. } => "ReservationCommitted",
            ProductEvent::ProductPublished {} => "ProductPublished",
            ProductEvent::ProductArchived {} => "ProductArchived",
            ProductEvent::LowStockThresholdCrossed { .. } => "LowStockThresholdCrossed",
            ProductEvent::TagLinked { .. } => "TagLinked",
            ProductEvent::TagUnlinked { .. } => "TagUnlinked",
            ProductEvent::ProductImageAdded { .. } => "ProductImageAdded",
            ProductEvent::ProductImageRemoved { .. } => "ProductImageRemoved",
            ProductEvent::ProductImagesReordered { .. } => "ProductImagesReordered",
        };
        name.to_string()
    }

    fn event_version(&self) -> String {
        match self {
            ProductEvent::StockAdjusted { .. } => STOCK_ADJUSTED_VERSION,
            ProductEvent::ProductCreated { .. } => PRODUCT_CREATED_VERSION,
            _ => "1.0",
        }
        .to_string()
    }
}
