//! The product's uploaded images: how it decides to add, remove and reorder them, and how
//! their events change it.
//!
//! Linked images (the URLs of [`ProductDetails::images`](super::ProductDetails)) and uploaded
//! ones share one limit, [`MAX_IMAGES`]; uploaded images are shown after the linked ones, in
//! their own order. An archived product's images, like the rest of its catalogue data, no
//! longer change.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::aggregate::Product;
use super::decide::Decision;
use super::error::ProductError;
use super::event::ProductEvent;
use super::types::ProductImage;
use super::validate::{self, MAX_IMAGES};

/// Puts `images` in the order of `image_ids` (as `ProductImagesReordered` does); images it
/// does not list go last.
pub fn sort_images(images: &mut [ProductImage], image_ids: &[Uuid]) {
    images.sort_by_key(|image| {
        image_ids
            .iter()
            .position(|id| *id == image.image_id)
            .unwrap_or(usize::MAX)
    });
}

impl Product {
    /// The uploaded images, in display order (after the linked ones).
    pub fn images(&self) -> &[ProductImage] {
        &self.images
    }

    /// Refuses when `linked` URL images and the uploaded ones would exceed [`MAX_IMAGES`].
    pub(super) fn ensure_room_for_images(&self, linked: usize) -> Result<(), ProductError> {
        if linked.saturating_add(self.images.len()) > MAX_IMAGES {
            return Err(ProductError::TooManyImages { max: MAX_IMAGES });
        }
        Ok(())
    }

    pub(super) fn add_image(&self, image: ProductImage) -> Decision {
        self.ensure_not_archived()?;
        let alt = validate::alt(image.alt.as_deref())?;
        if let Some(known) = self
            .images
            .iter()
            .find(|known| known.key == image.key || known.image_id == image.image_id)
        {
            return Err(ProductError::DuplicateImage {
                image_id: known.image_id,
            });
        }
        self.ensure_room_for_images(self.details.images.len() + 1)?;
        Ok(vec![ProductEvent::ProductImageAdded {
            image: ProductImage { alt, ..image },
        }])
    }

    pub(super) fn remove_image(&self, image_id: Uuid) -> Decision {
        self.ensure_not_archived()?;
        if !self.images.iter().any(|image| image.image_id == image_id) {
            return Err(ProductError::ImageNotFound { image_id });
        }
        Ok(vec![ProductEvent::ProductImageRemoved { image_id }])
    }

    /// `image_ids` must be a permutation of the uploaded images; their current order is no
    /// change (no event).
    pub(super) fn reorder_images(&self, image_ids: Vec<Uuid>) -> Decision {
        self.ensure_not_archived()?;
        let known: BTreeSet<Uuid> = self.images.iter().map(|image| image.image_id).collect();
        let mut listed = BTreeSet::new();
        let mut repeated = Vec::new();
        for id in &image_ids {
            if !listed.insert(*id) && !repeated.contains(id) {
                repeated.push(*id);
            }
        }
        let unknown: Vec<Uuid> = listed.difference(&known).copied().collect();
        let missing: Vec<Uuid> = known.difference(&listed).copied().collect();
        if !(unknown.is_empty() && missing.is_empty() && repeated.is_empty()) {
            return Err(ProductError::ImageOrderMismatch {
                unknown,
                missing,
                repeated,
            });
        }
        if self
            .images
            .iter()
            .map(|image| image.image_id)
            .eq(image_ids.iter().copied())
        {
            return Ok(vec![]);
        }
        Ok(vec![ProductEvent::ProductImagesReordered { image_ids }])
    }
}
