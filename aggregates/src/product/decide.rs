//! Command handling for the product aggregate: validates a command against the current
//! state and decides which events it produces (low-stock events are added by the caller).

use std::collections::BTreeSet;

use uuid::Uuid;

use super::aggregate::Product;
use super::command::ProductCommand;
use super::error::ProductError;
use super::event::ProductEvent;
use super::types::{NewVariant, ProductStatus, ReservationLine};
use super::validate::{self, DEFAULT_LOW_STOCK_THRESHOLD, MAX_TAGS, MAX_VARIANTS};
use crate::money::{Currency, Money};

pub(super) type Decision = Result<Vec<ProductEvent>, ProductError>;

impl Product {
    /// The events `command` produces in the current state, or why it is refused.
    pub(super) fn decide(&self, command: ProductCommand) -> Decision {
        if let ProductCommand::CreateProduct {
            product_id,
            name,
            description,
            category,
            tags,
            images,
            variants,
            low_stock_threshold,
            store,
            currency,
        } = command
        {
            if self.exists() {
                return Err(ProductError::AlreadyExists);
            }
            let details = validate::details(&name, &description, &category, &tags, &images)?;
            let variants = Self::validate_new_variants(&variants, currency)?;
            return Ok(vec![ProductEvent::ProductCreated {
                product_id,
                details,
                low_stock_threshold: low_stock_threshold.unwrap_or(DEFAULT_LOW_STOCK_THRESHOLD),
                variants,
                store,
            }]);
        }
        if !self.exists() {
            return Err(ProductError::NotFound);
        }
        match command {
            ProductCommand::CreateProduct { .. } => Err(ProductError::AlreadyExists),
            ProductCommand::UpdateProductDetails {
                name,
                description,
                category,
                tags,
                images,
                low_stock_threshold,
            } => {
                let nothing = name.is_none()
                    && description.is_none()
                    && category.is_none()
                    && tags.is_none()
                    && images.is_none()
                    && low_stock_threshold.is_none();
                if nothing {
                    return Err(ProductError::NothingToUpdate);
                }
                self.ensure_not_archived()?;
                let mut details = self.details.clone();
                if let Some(name) = name {
                    details.name = validate::name(&name)?;
                }
                if let Some(description) = description {
                    details.description = validate::description(&description)?;
                }
                if let Some(category) = category {
                    details.category = validate::category(&category)?;
                }
                if let Some(tags) = tags {
                    details.tags = validate::tags(&tags)?;
                }
                if let Some(images) = images {
                    details.images = validate::images(&images)?;
                    self.ensure_room_for_images(details.images.len())?;
                }
                let threshold = low_stock_threshold.unwrap_or(self.low_stock_threshold);
                if details == self.details && threshold == self.low_stock_threshold {
                    return Ok(vec![]);
                }
                Ok(vec![ProductEvent::ProductDetailsUpdated {
                    details,
                    low_stock_threshold: threshold,
                }])
            }
            ProductCommand::AddVariant { variant } => self.add_variant(&variant),
            ProductCommand::LinkTag { slug } => {
                self.ensure_not_archived()?;
                if self.has_tag(&slug) {
                    return Ok(vec![]);
                }
                if self.details.tags.len() >= MAX_TAGS {
                    return Err(ProductError::TooManyTags { max: MAX_TAGS });
                }
                Ok(vec![ProductEvent::TagLinked { slug }])
            }
            ProductCommand::UnlinkTag { slug } => Ok(if self.has_tag(&slug) {
                vec![ProductEvent::TagUnlinked { slug }]
            } else {
                vec![]
            }),
            ProductCommand::ChangeVariantPrice { sku, price } => self.change_price(sku, price),
            ProductCommand::AdjustStock {
                sku,
                adjustment,
                reason,
            } => self.adjust_stock(sku, adjustment, &reason),
            ProductCommand::ReserveStock { order_id, lines } => self.reserve(order_id, lines),
            ProductCommand::ReleaseReservation { order_id, reason } => {
                let reason = validate::reason(&reason)?;
                Ok(match self.reservations.get(&order_id) {
                    Some(lines) => vec![ProductEvent::ReservationReleased {
                        order_id,
                        lines: lines.clone(),
                        reason,
                    }],
                    None => vec![],
                })
            }
            ProductCommand::CommitReservation { order_id } => {
                if self.committed.contains(&order_id) {
                    return Ok(vec![]);
                }
                if self.released.contains(&order_id) {
                    return Err(ProductError::ReservationClosed { order_id });
                }
                let lines = self
                    .reservations
                    .get(&order_id)
                    .ok_or(ProductError::ReservationNotFound { order_id })?;
                Ok(vec![ProductEvent::ReservationCommitted {
                    order_id,
                    lines: lines.clone(),
                }])
            }
            ProductCommand::PublishProduct => match self.status {
                ProductStatus::Draft => Ok(vec![ProductEvent::ProductPublished {}]),
                ProductStatus::Active => Err(ProductError::AlreadyPublished),
                ProductStatus::Archived => Err(ProductError::Archived),
            },
            ProductCommand::ArchiveProduct => match self.status {
                ProductStatus::Archived => Err(ProductError::AlreadyArchived),
                _ => Ok(vec![ProductEvent::ProductArchived {}]),
            },
            ProductCommand::AddImage { image } => self.add_image(image),
            ProductCommand::RemoveImage { image_id } => self.remove_image(image_id),
            ProductCommand::ReorderImages { image_ids } => self.reorder_images(image_ids),
        }
    }

    pub(super) fn ensure_not_archived(&self) -> Result<(), ProductError> {
        if self.status == ProductStatus::Archived {
            Err(ProductError::Archived)
        } else {
            Ok(())
        }
    }

    /// The product's currency: always set once created (`fallback` only covers the
    /// state before creation, which `decide` never reaches).
    fn product_currency(&self, fallback: Currency) -> Currency {
        self.currency.unwrap_or(fallback)
    }

    /// The new variants, valid and priced in the store's `currency`.
    fn validate_new_variants(
        variants: &[NewVariant],
        currency: Currency,
    ) -> Result<Vec<NewVariant>, ProductError> {
        if variants.is_empty() {
            return Err(ProductError::NoVariants);
        }
        if variants.len() > MAX_VARIANTS {
            return Err(ProductError::TooManyVariants { max: MAX_VARIANTS });
        }
        let mut seen = BTreeSet::new();
        variants
            .iter()
            .map(|variant| {
                let valid = validate::variant(variant, currency)?;
                if !seen.insert(valid.sku.clone()) {
                    return Err(ProductError::DuplicateSku { sku: valid.sku });
                }
                Ok(valid)
            })
            .collect()
    }

    fn add_variant(&self, variant: &NewVariant) -> Decision {
        self.ensure_not_archived()?;
        let currency = self.product_currency(variant.price.currency);
        let variant = validate::variant(variant, currency)?;
        if self.variants.contains_key(&variant.sku) {
            return Err(ProductError::DuplicateSku { sku: variant.sku });
        }
        if self.variants.len() >= MAX_VARIANTS {
            return Err(ProductError::TooManyVariants { max: MAX_VARIANTS });
        }
        Ok(vec![ProductEvent::VariantAdded { variant }])
    }

    fn change_price(&self, sku: String, price: Money) -> Decision {
        self.ensure_not_archived()?;
        let variant = self
            .variants
            .get(&sku)
            .ok_or_else(|| ProductError::UnknownSku { sku: sku.clone() })?;
        validate::price(&sku, price, self.product_currency(price.currency))?;
        if variant.price == price {
            return Ok(vec![]);
        }
        Ok(vec![ProductEvent::VariantPriceChanged {
            sku,
            old_price: variant.price,
            new_price: price,
        }])
    }

    fn adjust_stock(&self, sku: String, adjustment: i64, reason: &str) -> Decision {
        let variant = self
            .variants
            .get(&sku)
            .ok_or_else(|| ProductError::UnknownSku { sku: sku.clone() })?;
        if adjustment == 0 {
            return Err(ProductError::ZeroAdjustment { sku });
        }
        let reason = validate::reason(reason)?;
        let new_on_hand = i64::from(variant.on_hand)
            .checked_add(adjustment)
            .ok_or_else(|| ProductError::StockOverflow { sku: sku.clone() })?;
        if new_on_hand < 0 {
            return Err(ProductError::NegativeStock {
                sku,
                on_hand: variant.on_hand,
                adjustment,
            });
        }
        let on_hand = u32::try_from(new_on_hand)
            .map_err(|_| ProductError::StockOverflow { sku: sku.clone() })?;
        if on_hand < variant.reserved {
            return Err(ProductError::StockBelowReserved {
                sku,
                reserved: variant.reserved,
                on_hand,
            });
        }
        Ok(vec![ProductEvent::StockAdjusted {
            sku,
            adjustment,
            reason,
            previous_on_hand: variant.on_hand,
            on_hand,
            available: on_hand - variant.reserved,
        }])
    }

    fn reserve(&self, order_id: Uuid, lines: Vec<ReservationLine>) -> Decision {
        if self.reservations.contains_key(&order_id) || self.committed.contains(&order_id) {
            return Ok(vec![]);
        }
        if self.released.contains(&order_id) {
            return Err(ProductError::ReservationClosed { order_id });
        }
        if self.status != ProductStatus::Active {
            return Err(ProductError::NotAvailable {
                status: self.status,
            });
        }
        if lines.is_empty() {
            return Err(ProductError::EmptyReservation);
        }
        let mut merged: Vec<ReservationLine> = Vec::with_capacity(lines.len());
        for line in lines {
            if line.quantity == 0 {
                return Err(ProductError::InvalidQuantity { sku: line.sku });
            }
            match merged.iter_mut().find(|m| m.sku == line.sku) {
                Some(existing) => {
                    existing.quantity = existing.quantity.saturating_add(line.quantity)
                }
                None => merged.push(line),
            }
        }
        for line in &merged {
            let available = self
                .available(&line.sku)
                .ok_or_else(|| ProductError::UnknownSku {
                    sku: line.sku.clone(),
                })?;
            if line.quantity > available {
                return Err(ProductError::InsufficientStock {
                    sku: line.sku.clone(),
                    requested: line.quantity,
                    available,
                });
            }
        }
        Ok(vec![ProductEvent::StockReserved {
            order_id,
            lines: merged,
        }])
    }
}
