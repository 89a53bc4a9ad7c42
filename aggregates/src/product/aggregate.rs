//! The product aggregate: its state, read helpers, and how events change it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::command::ProductCommand;
use super::error::ProductError;
use super::event::ProductEvent;
use super::types::{ProductDetails, ProductImage, ProductStatus, ReservationLine, Variant};
use crate::money::Currency;
use crate::slug::slugify;

/// A catalogue product with its variants, their stock, and the reservations held on it.
///
/// `Default` is the state before `ProductCreated`: every command but `CreateProduct` is then
/// refused with [`ProductError::NotFound`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub(super) product_id: Option<Uuid>,
    /// Snapshots written before stores have no `store`: those products are the default
    /// store's.
    #[serde(default = "default_store")]
    pub(super) store: String,
    pub(super) status: ProductStatus,
    pub(super) details: ProductDetails,
    /// Uploaded images in display order; absent from snapshots taken before there were any.
    #[serde(default)]
    pub(super) images: Vec<ProductImage>,
    pub(super) currency: Option<Currency>,
    pub(super) low_stock_threshold: u32,
    pub(super) variants: BTreeMap<String, Variant>,
    pub(super) reservations: BTreeMap<Uuid, Vec<ReservationLine>>,
    pub(super) committed: BTreeSet<Uuid>,
    pub(super) released: BTreeSet<Uuid>,
}

impl Product {
    /// The product's identity, once created.
    pub fn product_id(&self) -> Option<Uuid> {
        self.product_id
    }

    /// The store the product is sold in.
    pub fn store(&self) -> &str {
        &self.store
    }

    /// True once `ProductCreated` has been applied.
    pub fn exists(&self) -> bool {
        self.product_id.is_some()
    }

    /// The life-cycle status (`Draft` before creation too).
    pub fn status(&self) -> ProductStatus {
        self.status
    }

    /// The descriptive details.
    pub fn details(&self) -> &ProductDetails {
        &self.details
    }

    /// True when one of its tags has this slug.
    pub fn has_tag(&self, slug: &str) -> bool {
        self.details.tags.iter().any(|tag| slugify(tag) == slug)
    }

    /// The currency every variant is priced in, once created.
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }

    /// Available units at or below which `LowStockThresholdCrossed` is raised.
    pub fn low_stock_threshold(&self) -> u32 {
        self.low_stock_threshold
    }

    /// The variant with this SKU.
    pub fn variant(&self, sku: &str) -> Option<&Variant> {
        self.variants.get(sku)
    }

    /// All variants, ordered by SKU.
    pub fn variants(&self) -> impl Iterator<Item = &Variant> {
        self.variants.values()
    }

    /// Units of this SKU that can still be reserved.
    pub fn available(&self, sku: &str) -> Option<u32> {
        self.variants.get(sku).map(Variant::available)
    }

    /// The active (neither released nor committed) reservation held for an order.
    pub fn reservation(&self, order_id: Uuid) -> Option<&[ReservationLine]> {
        self.reservations.get(&order_id).map(Vec::as_slice)
    }

    /// True when the order's reservation was committed (shipped).
    pub fn is_committed(&self, order_id: Uuid) -> bool {
        self.committed.contains(&order_id)
    }

    /// True when the order's reservation was released.
    pub fn is_released(&self, order_id: Uuid) -> bool {
        self.released.contains(&order_id)
    }

    /// Available units per SKU, to compare before and after a command.
    fn availability(&self) -> BTreeMap<String, u32> {
        self.variants
            .values()
            .map(|v| (v.sku.clone(), v.available()))
            .collect()
    }

    /// `LowStockThresholdCrossed` for every variant that went from above the threshold to at
    /// or below it since `before`.
    fn low_stock_crossings(&self, before: &BTreeMap<String, u32>) -> Vec<ProductEvent> {
        let threshold = self.low_stock_threshold;
        self.variants
            .values()
            .filter_map(|variant| {
                let was = *before.get(&variant.sku)?;
                let now = variant.available();
                (was > threshold && now <= threshold).then(|| {
                    ProductEvent::LowStockThresholdCrossed {
                        sku: variant.sku.clone(),
                        available: now,
                        threshold,
                    }
                })
            })
            .collect()
    }

    /// Applies `change(variant, quantity)` to the variant of every line.
    fn update_lines(&mut self, lines: &[ReservationLine], change: impl Fn(&mut Variant, u32)) {
        for line in lines {
            if let Some(variant) = self.variants.get_mut(&line.sku) {
                change(variant, line.quantity);
            }
        }
    }
}

crate::common::impl_aggregate! {
    Product: "product", ProductCommand => ProductEvent, ProductError,
    decide: |product, command| product.decide(command),
    before: |product| product.availability(),
    follow_up: |product, before| product.low_stock_crossings(&before),
    apply: Product::evolve,
}

impl Product {
    /// How an event changes the product: the `apply` of its [`cqrs_es::Aggregate`] impl.
    fn evolve(&mut self, event: ProductEvent) {
        match event {
            ProductEvent::ProductCreated {
                product_id,
                details,
                low_stock_threshold,
                variants,
                store,
            } => {
                self.product_id = Some(product_id);
                self.store = store;
                self.status = ProductStatus::Draft;
                self.details = details;
                self.low_stock_threshold = low_stock_threshold;
                self.currency = variants.first().map(|v| v.price.currency);
                self.variants = variants
                    .into_iter()
                    .map(|v| (v.sku.clone(), Variant::from(v)))
                    .collect();
            }
            ProductEvent::ProductDetailsUpdated {
                details,
                low_stock_threshold,
            } => {
                self.details = details;
                self.low_stock_threshold = low_stock_threshold;
            }
            ProductEvent::VariantAdded { variant } => {
                self.currency.get_or_insert(variant.price.currency);
                self.variants
                    .insert(variant.sku.clone(), Variant::from(variant));
            }
            ProductEvent::VariantPriceChanged { sku, new_price, .. } => {
                if let Some(variant) = self.variants.get_mut(&sku) {
                    variant.price = new_price;
                }
            }
            ProductEvent::StockAdjusted { sku, on_hand, .. } => {
                if let Some(variant) = self.variants.get_mut(&sku) {
                    variant.on_hand = on_hand;
                }
            }
            ProductEvent::StockReserved { order_id, lines } => {
                self.update_lines(&lines, |v, q| v.reserved = v.reserved.saturating_add(q));
                self.reservations.insert(order_id, lines);
            }
            ProductEvent::ReservationReleased {
                order_id, lines, ..
            } => {
                self.update_lines(&lines, |v, q| v.reserved = v.reserved.saturating_sub(q));
                self.reservations.remove(&order_id);
                self.released.insert(order_id);
            }
            ProductEvent::ReservationCommitted { order_id, lines } => {
                self.update_lines(&lines, |v, q| {
                    v.on_hand = v.on_hand.saturating_sub(q);
                    v.reserved = v.reserved.saturating_sub(q);
                });
                self.reservations.remove(&order_id);
                self.committed.insert(order_id);
            }
            ProductEvent::ProductPublished {} => self.status = ProductStatus::Active,
            ProductEvent::ProductArchived {} => self.status = ProductStatus::Archived,
            ProductEvent::LowStockThresholdCrossed { .. } => {}
            ProductEvent::TagLinked { slug } => self.details.tags.push(slug),
            ProductEvent::TagUnlinked { slug } => {
                self.details.tags.retain(|tag| slugify(tag) != slug);
            }
            ProductEvent::ProductImageAdded { image } => self.images.push(image),
            ProductEvent::ProductImageRemoved { image_id } => {
                self.images.retain(|image| image.image_id != image_id);
            }
            ProductEvent::ProductImagesReordered { image_ids } => {
                super::media::sort_images(&mut self.images, &image_ids);
            }
        }
    }
}

fn default_store() -> String {
    crate::store::DEFAULT_STORE.to_string()
}
