//! Change a product (admins): its details, a variant's price, a variant's stock, its status,
//! its uploaded images' list — each one command on the product alone, at the version the
//! admin saw.
//!
//! The changes are an enum of their own rather than any [`ProductCommand`]: the product's
//! other commands carry rules of their own (a new SKU is claimed catalogue-wide by
//! [`super::add_variant`], stock is reserved by checkout), so a transport can only ask for the
//! changes listed here.

use commerce_aggregates::product::{ProductCommand, ProductError};
use commerce_aggregates::Money;
use uuid::Uuid;

use crate::store::{CommandMetadata, ExecuteError, Stores};

/// One change of a product's own content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductChange {
    /// Replaces the fields given; absent ones keep their value.
    UpdateDetails {
        /// New display name.
        name: Option<String>,
        /// New description.
        description: Option<String>,
        /// New category.
        category: Option<String>,
        /// New tags (the whole list).
        tags: Option<Vec<String>>,
        /// New linked image URLs (the whole list).
        images: Option<Vec<String>>,
        /// New low-stock threshold.
        low_stock_threshold: Option<u32>,
    },
    /// A variant's new unit price.
    ChangePrice {
        /// The variant.
        sku: String,
        /// Positive, in the product's currency.
        price: Money,
    },
    /// Units added to (positive) or removed from (negative) a variant's stock on hand.
    AdjustStock {
        /// The variant.
        sku: String,
        /// Never zero.
        adjustment: i64,
        /// Why (delivery, stock count, breakage…), required.
        reason: String,
    },
    /// Puts a draft on sale.
    Publish,
    /// Withdraws the product from sale for good.
    Archive,
    /// Takes an uploaded image off the product (its bytes stay in the media store).
    RemoveImage {
        /// The image.
        image_id: Uuid,
    },
    /// Puts the uploaded images in a new order (every one of them, each once).
    ReorderImages {
        /// The images' ids in display order.
        image_ids: Vec<Uuid>,
    },
}

impl ProductChange {
    /// The change's name in traces.
    fn name(&self) -> &'static str {
        match self {
            Self::UpdateDetails { .. } => "update_details",
            Self::ChangePrice { .. } => "change_price",
            Self::AdjustStock { .. } => "adjust_stock",
            Self::Publish => "publish",
            Self::Archive => "archive",
            Self::RemoveImage { .. } => "remove_image",
            Self::ReorderImages { .. } => "reorder_images",
        }
    }

    fn into_command(self) -> ProductCommand {
        match self {
            Self::UpdateDetails {
                name,
                description,
                category,
                tags,
                images,
                low_stock_threshold,
            } => ProductCommand::UpdateProductDetails {
                name,
                description,
                category,
                tags,
                images,
                low_stock_threshold,
            },
            Self::ChangePrice { sku, price } => ProductCommand::ChangeVariantPrice { sku, price },
            Self::AdjustStock {
                sku,
                adjustment,
                reason,
            } => ProductCommand::AdjustStock {
                sku,
                adjustment,
                reason,
            },
            Self::Publish => ProductCommand::PublishProduct,
            Self::Archive => ProductCommand::ArchiveProduct,
            Self::RemoveImage { image_id } => ProductCommand::RemoveImage { image_id },
            Self::ReorderImages { image_ids } => ProductCommand::ReorderImages { image_ids },
        }
    }
}

/// Change `change` on product `product_id`.
#[derive(Debug, Clone)]
pub struct ChangeProduct {
    /// The product.
    pub product_id: Uuid,
    /// What changes.
    pub change: ProductChange,
    /// The product version the admin saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Why a product change was not committed: the product refused, the version was not the one
/// expected, or the event store failed.
pub type ProductChangeError = ExecuteError<ProductError>;

/// Applies the change; the product's new version.
#[tracing::instrument(
    skip_all,
    fields(product_id = %input.product_id, change = input.change.name()),
    err(level = "debug")
)]
pub async fn change_product(
    stores: &Stores,
    input: ChangeProduct,
    metadata: &CommandMetadata,
) -> Result<usize, ProductChangeError> {
    let committed = stores
        .products
        .execute(
            &input.product_id.to_string(),
            input.change.into_command(),
            metadata,
            input.expected_version,
        )
        .await?;
    Ok(committed.version)
}
