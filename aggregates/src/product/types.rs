//! Value types of the product aggregate: status, descriptive details, variants and
//! reservation lines.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::money::Money;

/// Where a product is in its life cycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    /// Being prepared: visible to admins only, cannot be reserved.
    #[default]
    Draft,
    /// On sale: stock can be reserved.
    Active,
    /// Withdrawn from sale for good: read-only except for stock bookkeeping.
    Archived,
}

impl ProductStatus {
    /// The status's wire name (`draft`, `active`, `archived`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Active => "active",
            ProductStatus::Archived => "archived",
        }
    }
}

impl fmt::Display for ProductStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The descriptive part of a product, as stored after validation (trimmed, deduplicated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProductDetails {
    /// Display name, 1..=[`MAX_NAME_LEN`](super::MAX_NAME_LEN) characters.
    pub name: String,
    /// Free text, possibly empty, at most [`MAX_DESCRIPTION_LEN`](super::MAX_DESCRIPTION_LEN).
    pub description: String,
    /// Catalogue category, 1..=[`MAX_CATEGORY_LEN`](super::MAX_CATEGORY_LEN) characters.
    pub category: String,
    /// Search tags, unique, each 1..=[`MAX_TAG_LEN`](super::MAX_TAG_LEN) characters.
    pub tags: Vec<String>,
    /// Linked image URLs (`http://` or `https://`), in display order. Uploaded images are
    /// kept apart ([`ProductImage`]) and shown after these.
    pub images: Vec<String>,
}

/// The formats an uploaded image may have. Serialised as its media type (`image/png`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ImageType {
    /// `image/jpeg`.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// `image/png`.
    #[serde(rename = "image/png")]
    Png,
    /// `image/webp`.
    #[serde(rename = "image/webp")]
    Webp,
}

impl ImageType {
    /// The media type (`Content-Type`) of images of this format.
    pub fn content_type(&self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
            ImageType::Webp => "image/webp",
        }
    }

    /// The file extension of images of this format, without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            ImageType::Jpeg => "jpg",
            ImageType::Png => "png",
            ImageType::Webp => "webp",
        }
    }
}

/// An image uploaded to the media store and recorded on a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProductImage {
    /// The image's identity on this product.
    pub image_id: Uuid,
    /// Where the media store keeps the bytes: derived from their hash, so equal bytes share
    /// one key (`<sha-256 hex>.<extension>`).
    pub key: String,
    /// The format the bytes were decoded as.
    pub content_type: ImageType,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size of the stored bytes.
    pub byte_size: u64,
    /// Text alternative for screen readers, at most
    /// [`MAX_ALT_LEN`](super::MAX_ALT_LEN) characters; none when not given.
    pub alt: Option<String>,
}

/// A variant as defined when it is created (by `CreateProduct` or `AddVariant`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewVariant {
    /// Stock-keeping unit, unique within the product: 1..=64 of `[A-Za-z0-9-_.]`.
    pub sku: String,
    /// Option values that tell this variant apart (`size` → `M`, `colour` → `red`).
    pub options: BTreeMap<String, String>,
    /// Unit price, strictly positive, in the product's currency.
    pub price: Money,
    /// Initial stock on hand.
    pub stock: u32,
}

/// A variant of a product with its current price and stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// Stock-keeping unit, unique within the product.
    pub sku: String,
    /// Option values that tell this variant apart.
    pub options: BTreeMap<String, String>,
    /// Current unit price.
    pub price: Money,
    /// Units physically in stock, reserved ones included.
    pub on_hand: u32,
    /// Units held for orders that have not shipped yet; never more than `on_hand`.
    pub reserved: u32,
}

impl Variant {
    /// Units that can still be reserved: `on_hand − reserved`.
    pub fn available(&self) -> u32 {
        self.on_hand.saturating_sub(self.reserved)
    }
}

impl From<NewVariant> for Variant {
    fn from(variant: NewVariant) -> Self {
        Variant {
            sku: variant.sku,
            options: variant.options,
            price: variant.price,
            on_hand: variant.stock,
            reserved: 0,
        }
    }
}

/// One SKU and quantity of a reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReservationLine {
    /// The variant reserved.
    pub sku: String,
    /// Units reserved, at least 1.
    pub quantity: u32,
}

impl ReservationLine {
    /// A line of `quantity` units of `sku`.
    pub fn new(sku: impl Into<String>, quantity: u32) -> Self {
        Self {
            sku: sku.into(),
            quantity,
        }
    }
}
