//! Why a cart command was refused.

use uuid::Uuid;

use crate::common::AddressError;
use crate::error_kind::ErrorKind;
use crate::money::{Currency, MoneyError};

/// A cart command was refused; each variant is one distinct, testable reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    /// The cart has not been created.
    #[error("cart not found")]
    NotFound,
    /// `CreateCart` on a cart that already exists.
    #[error("cart already exists")]
    AlreadyExists,
    /// The caller is not the customer who owns the cart.
    #[error("cart belongs to another customer")]
    NotOwner,
    /// The cart was checked out or abandoned and accepts no further changes.
    #[error("cart is closed")]
    CartClosed,
    /// The cart was already checked out into `order_id`; no second order is placed.
    #[error("cart already checked out as order {order_id}")]
    AlreadyCheckedOut {
        /// The order the cart became.
        order_id: Uuid,
    },
    /// The requested quantity is outside `1..=max`.
    #[error("quantity {quantity} must be between 1 and {max}")]
    InvalidQuantity {
        /// The quantity asked for.
        quantity: u32,
        /// The largest quantity allowed on a line.
        max: u32,
    },
    /// Adding to an existing line would take it above `max`.
    #[error("line {sku} would hold {quantity} items, more than {max}")]
    LineQuantityExceeded {
        /// The line's SKU.
        sku: String,
        /// The quantity the line would have reached.
        quantity: u32,
        /// The largest quantity allowed on a line.
        max: u32,
    },
    /// The cart already holds the maximum number of distinct lines.
    #[error("a cart holds at most {max} lines")]
    TooManyLines {
        /// The maximum number of lines.
        max: usize,
    },
    /// The SKU is empty, too long or contains characters outside `[A-Za-z0-9-_.]`.
    #[error("invalid sku '{sku}'")]
    InvalidSku {
        /// The SKU as given.
        sku: String,
    },
    /// The SKU is already in the cart for a different product.
    #[error("sku {sku} is already in the cart for another product")]
    SkuBelongsToAnotherProduct {
        /// The SKU.
        sku: String,
        /// The product the existing line belongs to.
        existing_product_id: Uuid,
    },
    /// The unit price is zero or negative.
    #[error("unit price must be positive")]
    NonPositivePrice,
    /// The price is not in the cart's currency.
    #[error("price in {found} but the cart is in {expected}")]
    CurrencyMismatch {
        /// The cart's currency.
        expected: Currency,
        /// The price's currency.
        found: Currency,
    },
    /// The product belongs to another store than the cart.
    #[error("product {product_id} is not sold in store '{cart_store}'")]
    ProductNotInStore {
        /// The product.
        product_id: Uuid,
        /// The cart's store.
        cart_store: String,
    },
    /// No line with this SKU is in the cart.
    #[error("sku {sku} is not in the cart")]
    ItemNotInCart {
        /// The SKU asked for.
        sku: String,
    },
    /// The coupon code is not 3 to 32 characters of `[A-Z0-9_-]` (case-insensitive).
    #[error("invalid coupon code '{code}'")]
    InvalidCouponCode {
        /// The code as given.
        code: String,
    },
    /// `RemoveCoupon` while no coupon is applied.
    #[error("no coupon is applied")]
    NoCouponApplied,
    /// The shipping address is incomplete or malformed.
    #[error("invalid shipping address: {0}")]
    InvalidAddress(#[from] AddressError),
    /// `CheckOut` on a cart without lines.
    #[error("cart is empty")]
    EmptyCart,
    /// `CheckOut` before a shipping address was set.
    #[error("shipping address is missing")]
    MissingShippingAddress,
    /// Money arithmetic failed (the subtotal would overflow).
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl CartError {
    /// A stable snake_case code for the error, used in problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            CartError::NotFound => "not_found",
            CartError::AlreadyExists => "already_exists",
            CartError::NotOwner => "not_owner",
            CartError::CartClosed => "cart_closed",
            CartError::AlreadyCheckedOut { .. } => "already_checked_out",
            CartError::InvalidQuantity { .. } => "invalid_quantity",
            CartError::LineQuantityExceeded { .. } => "line_quantity_exceeded",
            CartError::TooManyLines { .. } => "too_many_lines",
            CartError::InvalidSku { .. } => "invalid_sku",
            CartError::SkuBelongsToAnotherProduct { .. } => "sku_conflict",
            CartError::NonPositivePrice => "invalid_price",
            CartError::CurrencyMismatch { .. } => "currency_mismatch",
            CartError::ProductNotInStore { .. } => "product_not_in_store",
            CartError::ItemNotInCart { .. } => "item_not_in_cart",
            CartError::InvalidCouponCode { .. } => "invalid_coupon_code",
            CartError::NoCouponApplied => "no_coupon_applied",
            CartError::InvalidAddress(_) => "invalid_address",
            CartError::EmptyCart => "empty_cart",
            CartError::MissingShippingAddress => "missing_shipping_address",
            CartError::Money(MoneyError::CurrencyMismatch(..)) => "currency_mismatch",
            CartError::Money(_) => "amount_overflow",
        }
    }

    /// What kind of refusal this is: a missing cart or someone else's, a refusal by the cart's
    /// current state (closed, checked out, full, empty, no address yet), or invalid input.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CartError::NotFound | CartError::NotOwner => ErrorKind::NotFound,
            CartError::AlreadyExists
            | CartError::CartClosed
            | CartError::AlreadyCheckedOut { .. }
            | CartError::LineQuantityExceeded { .. }
            | CartError::TooManyLines { .. }
            | CartError::SkuBelongsToAnotherProduct { .. }
            | CartError::EmptyCart
            | CartError::MissingShippingAddress => ErrorKind::Conflict,
            CartError::InvalidQuantity { .. }
            | CartError::InvalidSku { .. }
            | CartError::NonPositivePrice
            | CartError::CurrencyMismatch { .. }
            | CartError::ProductNotInStore { .. }
            | CartError::ItemNotInCart { .. }
            | CartError::InvalidCouponCode { .. }
            | CartError::NoCouponApplied
            | CartError::InvalidAddress(_)
            | CartError::Money(_) => ErrorKind::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_kind::spec::assert_kinds_follow_codes;

    fn usd() -> Currency {
        Currency::parse("USD").expect("valid currency")
    }

    fn eur() -> Currency {
        Currency::parse("EUR").expect("valid currency")
    }

    fn sku() -> String {
        "TEE-M".to_string()
    }

    /// One value of every variant, and of both codes a money error can have.
    fn every_variant() -> Vec<CartError> {
        vec![
            CartError::NotFound,
            CartError::AlreadyExists,
            CartError::NotOwner,
            CartError::CartClosed,
            CartError::AlreadyCheckedOut {
                order_id: Uuid::from_u128(1),
            },
            CartError::InvalidQuantity {
                quantity: 0,
                max: 99,
            },
            CartError::LineQuantityExceeded {
                sku: sku(),
                quantity: 100,
                max: 99,
            },
            CartError::TooManyLines { max: 50 },
            CartError::InvalidSku {
                sku: "bad sku".into(),
            },
            CartError::SkuBelongsToAnotherProduct {
                sku: sku(),
                existing_product_id: Uuid::from_u128(2),
            },
            CartError::NonPositivePrice,
            CartError::CurrencyMismatch {
                expected: usd(),
                found: eur(),
            },
            CartError::ProductNotInStore {
                product_id: Uuid::nil(),
                cart_store: "default".into(),
            },
            CartError::ItemNotInCart { sku: sku() },
            CartError::InvalidCouponCode { code: "X".into() },
            CartError::NoCouponApplied,
            CartError::InvalidAddress(AddressError::InvalidCountry),
            CartError::EmptyCart,
            CartError::MissingShippingAddress,
            CartError::Money(MoneyError::CurrencyMismatch(usd(), eur())),
            CartError::Money(MoneyError::Overflow),
        ]
    }

    #[test]
    fn a_missing_cart_or_someone_elses_is_not_found() {
        assert_eq!(CartError::NotFound.kind(), ErrorKind::NotFound);
        assert_eq!(CartError::NotOwner.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn refusals_by_the_carts_state_are_conflicts() {
        assert_eq!(CartError::CartClosed.kind(), ErrorKind::Conflict);
        assert_eq!(CartError::EmptyCart.kind(), ErrorKind::Conflict);
        assert_eq!(
            CartError::TooManyLines { max: 50 }.kind(),
            ErrorKind::Conflict
        );
        let checked_out = CartError::AlreadyCheckedOut {
            order_id: Uuid::from_u128(1),
        };
        assert_eq!(checked_out.kind(), ErrorKind::Conflict);
    }

    #[test]
    fn malformed_input_is_invalid() {
        let quantity = CartError::InvalidQuantity {
            quantity: 0,
            max: 99,
        };
        assert_eq!(quantity.kind(), ErrorKind::Invalid);
        let address = CartError::InvalidAddress(AddressError::MissingField("city"));
        assert_eq!(address.kind(), ErrorKind::Invalid);
        assert_eq!(
            CartError::Money(MoneyError::Overflow).kind(),
            ErrorKind::Invalid
        );
    }

    #[test]
    fn every_error_keeps_its_status_kind() {
        assert_kinds_follow_codes(&every_variant(), CartError::kind, CartError::code);
    }
}
