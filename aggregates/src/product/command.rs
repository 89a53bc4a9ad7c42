//! Commands accepted by the product aggregate.

use uuid::Uuid;

use super::types::{NewVariant, ProductImage, ReservationLine};
use crate::money::{Currency, Money};

/// What can be asked of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductCommand {
    /// Creates the product in `Draft` with at least one variant.
    CreateProduct {
        /// The product's identity (also the aggregate id).
        product_id: Uuid,
        /// Display name.
        name: String,
        /// Free-text description (may be empty).
        description: String,
        /// Catalogue category.
        category: String,
        /// Search tags; duplicates are dropped.
        tags: Vec<String>,
        /// Image URLs.
        images: Vec<String>,
        /// The initial variants: at least one, unique SKUs, one currency.
        variants: Vec<NewVariant>,
        /// Available units at or below which a low-stock event is raised (default 5).
        low_stock_threshold: Option<u32>,
        /// The store it is sold in (resolved by the application from an admitting
        /// [`Store`](crate::store::Store)).
        store: String,
        /// The store's currency: every variant's price must be in it.
        currency: Currency,
    },
    /// Replaces the given descriptive fields; absent fields keep their value.
    UpdateProductDetails {
        /// New name.
        name: Option<String>,
        /// New description.
        description: Option<String>,
        /// New category.
        category: Option<String>,
        /// New tags (replaces the whole list).
        tags: Option<Vec<String>>,
        /// New images (replaces the whole list).
        images: Option<Vec<String>>,
        /// New low-stock threshold.
        low_stock_threshold: Option<u32>,
    },
    /// Adds a variant with a SKU not used yet.
    AddVariant {
        /// The variant to add.
        variant: NewVariant,
    },
    /// Changes one variant's unit price.
    ChangeVariantPrice {
        /// The variant.
        sku: String,
        /// The new price: positive, in the product's currency.
        price: Money,
    },
    /// Corrects the stock on hand (delivery, stock count, breakage...).
    AdjustStock {
        /// The variant.
        sku: String,
        /// Units added (positive) or removed (negative); never zero.
        adjustment: i64,
        /// Why, for the audit trail; required.
        reason: String,
    },
    /// Holds stock for an order: every line or none. Idempotent per order.
    ReserveStock {
        /// The order the stock is held for.
        order_id: Uuid,
        /// What to hold; lines for the same SKU are merged.
        lines: Vec<ReservationLine>,
    },
    /// Gives an order's held stock back. Idempotent: no reservation, no event.
    ReleaseReservation {
        /// The order whose reservation is released.
        order_id: Uuid,
        /// Why (`order_cancelled`, `payment_expired`...); required.
        reason: String,
    },
    /// Turns an order's reservation into a sale at shipment: the units leave the stock.
    CommitReservation {
        /// The order being shipped.
        order_id: Uuid,
    },
    /// Links a tag; nothing when a tag with its slug is already there.
    LinkTag {
        /// The tag's slug.
        slug: String,
    },
    /// Unlinks a tag (also an archived product's); nothing when no tag has its slug.
    UnlinkTag {
        /// The tag's slug.
        slug: String,
    },
    /// Puts a draft product on sale.
    PublishProduct,
    /// Withdraws the product from sale for good.
    ArchiveProduct,
    /// Records an image whose bytes are already in the media store, after the others.
    AddImage {
        /// The image; its alt text as given (trimmed by the decision, blank is none).
        image: ProductImage,
    },
    /// Takes an uploaded image off the product.
    RemoveImage {
        /// The image.
        image_id: Uuid,
    },
    /// Puts the uploaded images in a new order.
    ReorderImages {
        /// Every uploaded image of the product, each exactly once, in display order.
        image_ids: Vec<Uuid>,
    },
}
