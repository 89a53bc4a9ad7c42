//! The catalog projection's fast replay: each product's events folded into its final
//! `catalog_products` row, `catalog_variants` and `catalog_product_images`, with the same effect as the statements of
//! [`CatalogProjection::apply`](super::CatalogProjection) (updates of a missing product or
//! variant change nothing; the product's currency, once set by a refresh, stays).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use commerce_aggregates::product::{
    sort_images, NewVariant, ProductDetails, ProductEvent, ProductImage,
};
use uuid::Uuid;

use super::stock;
use super::{tag_keys, tag_slugs};
use crate::projection::ProjectionError;
use crate::replay::{CopyRows, Rebuild, StoredEvent};
use commerce_aggregates::slug::slugify;

const STATEMENTS: &[&str] = &[
    "COPY catalog_products (id, name, description, category, tags, tag_keys, images, status, \
     currency, min_price_minor, max_price_minor, total_available, in_stock, \
     low_stock_threshold, created_at, updated_at, version, category_slug, tag_slugs, store) \
     FROM STDIN (FORMAT binary)",
    "COPY catalog_variants (product_id, sku, options, price_minor, currency, on_hand, \
     reserved) FROM STDIN (FORMAT binary)",
    "COPY catalog_product_images (product_id, image_id, position, key, content_type, width, \
     height, byte_size, alt) FROM STDIN (FORMAT binary)",
];

/// The `catalog_products` columns the events set (the price and stock figures are computed
/// from the variants).
#[derive(Debug)]
struct Product {
    details: ProductDetails,
    status: &'static str,
    currency: Option<String>,
    low_stock_threshold: i64,
    created_at: DateTime<Utc>,
    store: String,
}

#[derive(Debug)]
struct Variant {
    /// JSON text.
    options: String,
    price_minor: i64,
    currency: String,
    on_hand: i64,
    reserved: i64,
}

impl stock::Counters for Variant {
    fn counters(&mut self) -> (&mut i64, &mut i64) {
        (&mut self.on_hand, &mut self.reserved)
    }
}

/// The product being folded.
#[derive(Debug, Default)]
pub(super) struct CatalogRebuild {
    id: Option<Uuid>,
    product: Option<Product>,
    variants: BTreeMap<String, Variant>,
    /// Uploaded images in display order (their index is their `position`).
    images: Vec<ProductImage>,
    last: Option<(i64, DateTime<Utc>)>,
}

impl CatalogRebuild {
    fn upsert_variant(
        &mut self,
        variant: NewVariant,
        event: &StoredEvent<'_>,
    ) -> Result<(), ProjectionError> {
        let row = Variant {
            options: serde_json::to_string(&variant.options).map_err(|e| event.error(e))?,
            price_minor: variant.price.minor,
            currency: variant.price.currency.as_str().to_string(),
            on_hand: i64::from(variant.stock),
            reserved: 0,
        };
        self.variants.insert(variant.sku, row);
        Ok(())
    }
}

impl Rebuild for CatalogRebuild {
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
                details,
                low_stock_threshold,
                variants,
                store,
                ..
            } => {
                // An upsert: a row already there keeps its currency.
                let currency = self.product.take().and_then(|p| p.currency);
                self.product = Some(Product {
                    details,
                    status: "draft",
                    currency,
                    low_stock_threshold: i64::from(low_stock_threshold),
                    created_at: event.recorded_at,
                    store,
                });
                for variant in variants {
                    self.upsert_variant(variant, event)?;
                }
            }
            ProductEvent::ProductDetailsUpdated {
                details,
                low_stock_threshold,
            } => {
                if let Some(product) = &mut self.product {
                    product.details = details;
                    product.low_stock_threshold = i64::from(low_stock_threshold);
                }
            }
            ProductEvent::VariantAdded { variant } => self.upsert_variant(variant, event)?,
            ProductEvent::VariantPriceChanged { sku, new_price, .. } => {
                if let Some(variant) = self.variants.get_mut(&sku) {
                    variant.price_minor = new_price.minor;
                    variant.currency = new_price.currency.as_str().to_string();
                }
            }
            ProductEvent::ProductPublished {} => self.set_status("active"),
            ProductEvent::ProductArchived {} => self.set_status("archived"),
            ProductEvent::TagLinked { slug } => {
                if let Some(product) = &mut self.product {
                    product.details.tags.push(slug);
                }
            }
            ProductEvent::TagUnlinked { slug } => {
                if let Some(product) = &mut self.product {
                    product.details.tags.retain(|tag| slugify(tag) != slug);
                }
            }
            ProductEvent::ProductImageAdded { image } => {
                if !self.images.iter().any(|i| i.image_id == image.image_id) {
                    self.images.push(image);
                }
            }
            ProductEvent::ProductImageRemoved { image_id } => {
                self.images.retain(|image| image.image_id != image_id);
            }
            ProductEvent::ProductImagesReordered { image_ids } => {
                sort_images(&mut self.images, &image_ids);
            }
            ProductEvent::StockAdjusted { .. }
            | ProductEvent::StockReserved { .. }
            | ProductEvent::ReservationReleased { .. }
            | ProductEvent::ReservationCommitted { .. }
            | ProductEvent::LowStockThresholdCrossed { .. } => {}
        }
        if let Some(change) = &change {
            stock::fold(&mut self.variants, change).map_err(|reason| event.error(reason))?;
        }
        // The refresh after every event: `currency = COALESCE(currency, min(variant
        // currency))`; the other figures are recomputed each time, so only the last counts.
        if let Some(product) = &mut self.product {
            if product.currency.is_none() {
                product.currency = self.variants.values().map(|v| &v.currency).min().cloned();
            }
        }
        self.last = Some((event.sequence, event.recorded_at));
        Ok(())
    }

    fn finish(&mut self, tables: &mut [CopyRows]) -> Result<(), ProjectionError> {
        let done = std::mem::take(self);
        let (Some(id), [products, variants, images, ..]) = (done.id, tables) else {
            return Ok(());
        };
        if let (Some(product), Some((version, at))) = (&done.product, done.last) {
            let prices = done.variants.values().map(|v| v.price_minor);
            let mut available = 0i64;
            for variant in done.variants.values() {
                let own = variant.on_hand.saturating_sub(variant.reserved).max(0);
                available = available
                    .checked_add(own)
                    .ok_or_else(|| ProjectionError::Decode {
                        event_type: "product".into(),
                        reason: format!("product {id}: stock out of range"),
                    })?;
            }
            let details = &product.details;
            products
                .uuid(id)
                .text(&details.name)
                .text(&details.description)
                .text(&details.category)
                .text_array(&details.tags)
                .text_array(&tag_keys(&details.tags))
                .text_array(&details.images)
                .text(product.status)
                .opt_text(product.currency.as_deref())
                .opt_int(prices.clone().min())
                .opt_int(prices.max())
                .int(available)
                .bool(available > 0)
                .int(product.low_stock_threshold)
                .time(product.created_at)
                .time(at)
                .int(version)
                .text(&slugify(&details.category))
                .text_array(&tag_slugs(&details.tags))
                .text(&product.store);
            products.end_row();
        }
        for (sku, variant) in &done.variants {
            variants
                .uuid(id)
                .text(sku)
                .raw_json(&variant.options)
                .int(variant.price_minor)
                .text(&variant.currency)
                .int(variant.on_hand)
                .int(variant.reserved);
            variants.end_row();
        }
        for (position, image) in (0i64..).zip(&done.images) {
            images
                .uuid(id)
                .uuid(image.image_id)
                .int(position)
                .text(&image.key)
                .text(image.content_type.content_type())
                .int(i64::from(image.width))
                .int(i64::from(image.height))
                .int(i64::try_from(image.byte_size).unwrap_or(i64::MAX))
                .opt_text(image.alt.as_deref());
            images.end_row();
        }
        Ok(())
    }
}

impl CatalogRebuild {
    fn set_status(&mut self, status: &'static str) {
        if let Some(product) = &mut self.product {
            product.status = status;
        }
    }
}
