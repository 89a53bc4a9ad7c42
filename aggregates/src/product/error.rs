//! Why the product aggregate refused a command.

use uuid::Uuid;

use super::types::ProductStatus;
use crate::error_kind::ErrorKind;
use crate::money::{Currency, Money};

/// A refused product command. Each variant has a stable [`code`](ProductError::code) and a
/// [`kind`](ProductError::kind).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductError {
    /// The product does not exist (yet).
    #[error("product not found")]
    NotFound,
    /// `CreateProduct` on a product that already exists.
    #[error("product already exists")]
    AlreadyExists,
    /// A required text field is empty after trimming.
    #[error("{field} is required")]
    FieldRequired {
        /// The field's name.
        field: &'static str,
    },
    /// A text field is longer than allowed.
    #[error("{field} is longer than {max} characters")]
    FieldTooLong {
        /// The field's name.
        field: &'static str,
        /// The limit, in characters.
        max: usize,
    },
    /// A tag is empty or longer than [`MAX_TAG_LEN`](super::MAX_TAG_LEN).
    #[error("invalid tag '{tag}'")]
    InvalidTag {
        /// The tag as given.
        tag: String,
    },
    /// More than [`MAX_TAGS`](super::MAX_TAGS) tags.
    #[error("at most {max} tags are allowed")]
    TooManyTags {
        /// The limit.
        max: usize,
    },
    /// An image URL is not an `http(s)://` URL of sensible length.
    #[error("invalid image url '{url}'")]
    InvalidImageUrl {
        /// The URL as given.
        url: String,
    },
    /// More than [`MAX_IMAGES`](super::MAX_IMAGES) images.
    #[error("at most {max} images are allowed")]
    TooManyImages {
        /// The limit.
        max: usize,
    },
    /// The product already shows an uploaded image with these bytes (or this id).
    #[error("the product already has this image ({image_id})")]
    DuplicateImage {
        /// The image already recorded.
        image_id: Uuid,
    },
    /// The image is not one of the product's uploaded images.
    #[error("image {image_id} not found on this product")]
    ImageNotFound {
        /// The image asked for.
        image_id: Uuid,
    },
    /// A new image order is not the product's uploaded images, each exactly once.
    #[error(
        "the new order must list each of the product's images exactly once \
         (unknown: {unknown:?}, missing: {missing:?}, repeated: {repeated:?})"
    )]
    ImageOrderMismatch {
        /// Ids that are not images of the product.
        unknown: Vec<Uuid>,
        /// Images of the product the order leaves out.
        missing: Vec<Uuid>,
        /// Ids listed more than once.
        repeated: Vec<Uuid>,
    },
    /// `CreateProduct` without any variant.
    #[error("a product needs at least one variant")]
    NoVariants,
    /// More than [`MAX_VARIANTS`](super::MAX_VARIANTS) variants.
    #[error("at most {max} variants are allowed")]
    TooManyVariants {
        /// The limit.
        max: usize,
    },
    /// A SKU is not 1..=64 characters of `[A-Za-z0-9-_.]`.
    #[error("invalid sku '{sku}'")]
    InvalidSku {
        /// The SKU as given.
        sku: String,
    },
    /// A SKU is already used in this product.
    #[error("sku '{sku}' is already used")]
    DuplicateSku {
        /// The SKU.
        sku: String,
    },
    /// A variant option has an empty or too long name or value, or two names collide.
    #[error("invalid option '{name}' on sku '{sku}'")]
    InvalidOption {
        /// The variant.
        sku: String,
        /// The option name as given.
        name: String,
    },
    /// A variant has more than [`MAX_OPTIONS`](super::MAX_OPTIONS) options.
    #[error("sku '{sku}' has more than {max} options")]
    TooManyOptions {
        /// The variant.
        sku: String,
        /// The limit.
        max: usize,
    },
    /// A price is zero or negative.
    #[error("price of sku '{sku}' must be positive, got {price}")]
    InvalidPrice {
        /// The variant.
        sku: String,
        /// The refused price.
        price: Money,
    },
    /// A price is not in the product's currency.
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch {
        /// The product's currency.
        expected: Currency,
        /// The currency given.
        found: Currency,
    },
    /// `UpdateProductDetails` with no field at all.
    #[error("nothing to update")]
    NothingToUpdate,
    /// The product is archived and the command changes its catalogue data.
    #[error("product is archived")]
    Archived,
    /// `PublishProduct` on an active product.
    #[error("product is already published")]
    AlreadyPublished,
    /// `ArchiveProduct` on an archived product.
    #[error("product is already archived")]
    AlreadyArchived,
    /// The SKU is not a variant of this product.
    #[error("unknown sku '{sku}'")]
    UnknownSku {
        /// The SKU.
        sku: String,
    },
    /// `AdjustStock` by zero units.
    #[error("stock adjustment of sku '{sku}' must not be zero")]
    ZeroAdjustment {
        /// The variant.
        sku: String,
    },
    /// A reason is required and was empty.
    #[error("a reason is required")]
    ReasonRequired,
    /// The reason is longer than [`MAX_REASON_LEN`](super::MAX_REASON_LEN).
    #[error("reason is longer than {max} characters")]
    ReasonTooLong {
        /// The limit.
        max: usize,
    },
    /// The adjustment would leave a negative stock on hand.
    #[error(
        "adjusting sku '{sku}' by {adjustment} would make its stock negative (on hand {on_hand})"
    )]
    NegativeStock {
        /// The variant.
        sku: String,
        /// Units on hand now.
        on_hand: u32,
        /// The refused adjustment.
        adjustment: i64,
    },
    /// The adjustment would leave fewer units on hand than are reserved.
    #[error("sku '{sku}' would have {on_hand} on hand but {reserved} reserved")]
    StockBelowReserved {
        /// The variant.
        sku: String,
        /// Units reserved.
        reserved: u32,
        /// Units on hand the adjustment would leave.
        on_hand: u32,
    },
    /// The adjustment would exceed the largest countable stock.
    #[error("stock of sku '{sku}' would overflow")]
    StockOverflow {
        /// The variant.
        sku: String,
    },
    /// The product cannot be reserved in its current status.
    #[error("product is not available ({status})")]
    NotAvailable {
        /// The product's status.
        status: ProductStatus,
    },
    /// `ReserveStock` without lines.
    #[error("a reservation needs at least one line")]
    EmptyReservation,
    /// A reservation line asks for zero units.
    #[error("quantity of sku '{sku}' must be at least 1")]
    InvalidQuantity {
        /// The variant.
        sku: String,
    },
    /// Not enough units available for a line.
    #[error("not enough stock for sku '{sku}': requested {requested}, available {available}")]
    InsufficientStock {
        /// The variant.
        sku: String,
        /// Units asked for.
        requested: u32,
        /// Units available.
        available: u32,
    },
    /// The order's reservation was released; it cannot be reserved or committed again.
    #[error("reservation for order {order_id} was released")]
    ReservationClosed {
        /// The order.
        order_id: Uuid,
    },
    /// `CommitReservation` for an order that never reserved stock here.
    #[error("no reservation for order {order_id}")]
    ReservationNotFound {
        /// The order.
        order_id: Uuid,
    },
}

impl ProductError {
    /// A stable snake_case code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            ProductError::NotFound => "not_found",
            ProductError::AlreadyExists => "already_exists",
            ProductError::FieldRequired { .. } => "field_required",
            ProductError::FieldTooLong { .. } => "field_too_long",
            ProductError::InvalidTag { .. } => "invalid_tag",
            ProductError::TooManyTags { .. } => "too_many_tags",
            ProductError::InvalidImageUrl { .. } => "invalid_image_url",
            ProductError::TooManyImages { .. } => "too_many_images",
            ProductError::DuplicateImage { .. } => "duplicate_image",
            ProductError::ImageNotFound { .. } => "image_not_found",
            ProductError::ImageOrderMismatch { .. } => "invalid_image_order",
            ProductError::NoVariants => "no_variants",
            ProductError::TooManyVariants { .. } => "too_many_variants",
            ProductError::InvalidSku { .. } => "invalid_sku",
            ProductError::DuplicateSku { .. } => "duplicate_sku",
            ProductError::InvalidOption { .. } => "invalid_option",
            ProductError::TooManyOptions { .. } => "too_many_options",
            ProductError::InvalidPrice { .. } => "invalid_price",
            ProductError::CurrencyMismatch { .. } => "currency_mismatch",
            ProductError::NothingToUpdate => "nothing_to_update",
            ProductError::Archived => "product_archived",
            ProductError::AlreadyPublished => "already_published",
            ProductError::AlreadyArchived => "already_archived",
            ProductError::UnknownSku { .. } => "unknown_sku",
            ProductError::ZeroAdjustment { .. } => "zero_adjustment",
            ProductError::ReasonRequired => "reason_required",
            ProductError::ReasonTooLong { .. } => "reason_too_long",
            ProductError::NegativeStock { .. } => "negative_stock",
            ProductError::StockBelowReserved { .. } => "stock_below_reserved",
            ProductError::StockOverflow { .. } => "stock_overflow",
            ProductError::NotAvailable { .. } => "product_not_available",
            ProductError::EmptyReservation => "empty_reservation",
            ProductError::InvalidQuantity { .. } => "invalid_quantity",
            ProductError::InsufficientStock { .. } => "out_of_stock",
            ProductError::ReservationClosed { .. } => "reservation_closed",
            ProductError::ReservationNotFound { .. } => "reservation_not_found",
        }
    }

    /// What kind of refusal this is: missing product, a refusal by the product's current
    /// state (existence, status, stock, reservations, SKUs already taken), or invalid input.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ProductError::NotFound | ProductError::ImageNotFound { .. } => ErrorKind::NotFound,
            ProductError::AlreadyExists
            | ProductError::DuplicateImage { .. }
            | ProductError::DuplicateSku { .. }
            | ProductError::Archived
            | ProductError::AlreadyPublished
            | ProductError::AlreadyArchived
            | ProductError::NegativeStock { .. }
            | ProductError::StockBelowReserved { .. }
            | ProductError::NotAvailable { .. }
            | ProductError::InsufficientStock { .. }
            | ProductError::ReservationClosed { .. }
            | ProductError::ReservationNotFound { .. } => ErrorKind::Conflict,
            ProductError::FieldRequired { .. }
            | ProductError::FieldTooLong { .. }
            | ProductError::InvalidTag { .. }
            | ProductError::TooManyTags { .. }
            | ProductError::InvalidImageUrl { .. }
            | ProductError::TooManyImages { .. }
            | ProductError::ImageOrderMismatch { .. }
            | ProductError::NoVariants
            | ProductError::TooManyVariants { .. }
            | ProductError::InvalidSku { .. }
            | ProductError::InvalidOption { .. }
            | ProductError::TooManyOptions { .. }
            | ProductError::InvalidPrice { .. }
            | ProductError::CurrencyMismatch { .. }
            | ProductError::NothingToUpdate
            | ProductError::UnknownSku { .. }
            | ProductError::ZeroAdjustment { .. }
            | ProductError::ReasonRequired
            | ProductError::ReasonTooLong { .. }
            | ProductError::StockOverflow { .. }
            | ProductError::EmptyReservation
            | ProductError::InvalidQuantity { .. } => ErrorKind::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_kind::spec::assert_kinds_follow_codes;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::parse("USD").expect("valid currency"))
    }

    fn sku() -> String {
        "TEE-M".to_string()
    }

    /// One value of every variant.
    fn every_variant() -> Vec<ProductError> {
        let order_id = Uuid::from_u128(1);
        let eur = Currency::parse("EUR").expect("valid currency");
        vec![
            ProductError::NotFound,
            ProductError::AlreadyExists,
            ProductError::FieldRequired { field: "name" },
            ProductError::FieldTooLong {
                field: "name",
                max: 200,
            },
            ProductError::InvalidTag { tag: String::new() },
            ProductError::TooManyTags { max: 20 },
            ProductError::InvalidImageUrl {
                url: "ftp://x".into(),
            },
            ProductError::TooManyImages { max: 10 },
            ProductError::DuplicateImage { image_id: order_id },
            ProductError::ImageNotFound { image_id: order_id },
            ProductError::ImageOrderMismatch {
                unknown: vec![order_id],
                missing: vec![],
                repeated: vec![],
            },
            ProductError::NoVariants,
            ProductError::TooManyVariants { max: 100 },
            ProductError::InvalidSku {
                sku: "bad sku".into(),
            },
            ProductError::DuplicateSku { sku: sku() },
            ProductError::InvalidOption {
                sku: sku(),
                name: String::new(),
            },
            ProductError::TooManyOptions { sku: sku(), max: 5 },
            ProductError::InvalidPrice {
                sku: sku(),
                price: usd(0),
            },
            ProductError::CurrencyMismatch {
                expected: usd(0).currency,
                found: eur,
            },
            ProductError::NothingToUpdate,
            ProductError::Archived,
            ProductError::AlreadyPublished,
            ProductError::AlreadyArchived,
            ProductError::UnknownSku { sku: sku() },
            ProductError::ZeroAdjustment { sku: sku() },
            ProductError::ReasonRequired,
            ProductError::ReasonTooLong { max: 500 },
            ProductError::NegativeStock {
                sku: sku(),
                on_hand: 1,
                adjustment: -2,
            },
            ProductError::StockBelowReserved {
                sku: sku(),
                reserved: 3,
                on_hand: 2,
            },
            ProductError::StockOverflow { sku: sku() },
            ProductError::NotAvailable {
                status: ProductStatus::Draft,
            },
            ProductError::EmptyReservation,
            ProductError::InvalidQuantity { sku: sku() },
            ProductError::InsufficientStock {
                sku: sku(),
                requested: 3,
                available: 1,
            },
            ProductError::ReservationClosed { order_id },
            ProductError::ReservationNotFound { order_id },
        ]
    }

    #[test]
    fn a_missing_product_is_not_found() {
        assert_eq!(ProductError::NotFound.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn refusals_by_the_products_state_are_conflicts() {
        let out_of_stock = ProductError::InsufficientStock {
            sku: sku(),
            requested: 3,
            available: 1,
        };
        assert_eq!(out_of_stock.kind(), ErrorKind::Conflict);
        assert_eq!(ProductError::Archived.kind(), ErrorKind::Conflict);
        assert_eq!(
            ProductError::DuplicateSku { sku: sku() }.kind(),
            ErrorKind::Conflict
        );
        let never_reserved = ProductError::ReservationNotFound {
            order_id: Uuid::from_u128(1),
        };
        assert_eq!(never_reserved.kind(), ErrorKind::Conflict);
    }

    #[test]
    fn malformed_input_is_invalid() {
        let bad_sku = ProductError::InvalidSku {
            sku: "bad sku".into(),
        };
        assert_eq!(bad_sku.kind(), ErrorKind::Invalid);
        assert_eq!(ProductError::NoVariants.kind(), ErrorKind::Invalid);
        assert_eq!(
            ProductError::UnknownSku { sku: sku() }.kind(),
            ErrorKind::Invalid
        );
    }

    #[test]
    fn every_error_keeps_its_status_kind() {
        assert_kinds_follow_codes(&every_variant(), ProductError::kind, ProductError::code);
    }
}
