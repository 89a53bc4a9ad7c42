//! The product aggregate: a catalogue item with priced variants, their stock, and the
//! per-order reservations that keep checkouts from overselling.

mod aggregate;
mod command;
mod decide;
mod error;
mod event;
mod media;
mod types;
mod validate;

pub use crate::line::MAX_SKU_LEN;
pub use aggregate::Product;
pub use command::ProductCommand;
pub use error::ProductError;
pub use event::{ProductEvent, PRODUCT_CREATED_VERSION, STOCK_ADJUSTED_VERSION};
pub use media::sort_images;
pub use types::{
    ImageType, NewVariant, ProductDetails, ProductImage, ProductStatus, ReservationLine, Variant,
};
pub use validate::{
    DEFAULT_LOW_STOCK_THRESHOLD, MAX_ALT_LEN, MAX_CATEGORY_LEN, MAX_DESCRIPTION_LEN, MAX_IMAGES,
    MAX_IMAGE_URL_LEN, MAX_NAME_LEN, MAX_OPTIONS, MAX_OPTION_NAME_LEN, MAX_OPTION_VALUE_LEN,
    MAX_REASON_LEN, MAX_TAGS, MAX_TAG_LEN, MAX_VARIANTS,
};

#[cfg(test)]
mod tests;
