//! Add a SKU to a cart at the product's current price.
//!
//! The product is read as this process last knew it (within [`RECENT`]): the price and the
//! status an item is added at are checked again on the state the checkout commits on, so a
//! change another process made a moment ago is caught there. The cart itself decides the
//! rest (owner, open, quantity limits, currency).

use std::time::Duration;

use commerce_aggregates::cart::{CartCommand, CartError};
use commerce_aggregates::line;
use commerce_aggregates::product::{ProductError, ProductStatus};
use uuid::Uuid;

use super::guest::CartHolder;
use crate::store::{CommandMetadata, ExecuteError, Stores};

/// How old a kept product or coupon may be when a command reads it for something the
/// checkout checks again (see the module documentation).
pub const RECENT: Duration = Duration::from_secs(1);

/// Add `quantity` × `sku` of `product_id` to cart `cart_id`.
#[derive(Debug, Clone)]
pub struct AddItem {
    /// The cart.
    pub cart_id: Uuid,
    /// Its owner.
    pub holder: CartHolder,
    /// The product.
    pub product_id: Uuid,
    /// The variant's SKU, as the customer sent it.
    pub sku: String,
    /// How many.
    pub quantity: u32,
    /// The cart version the customer saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Why the item was not added.
#[derive(Debug, thiserror::Error)]
pub enum AddItemError {
    /// No such product.
    #[error("product {0} does not exist")]
    UnknownProduct(Uuid),
    /// The product cannot be sold (not active, no such SKU).
    #[error(transparent)]
    Product(ProductError),
    /// The cart refused, or the store failed.
    #[error(transparent)]
    Cart(ExecuteError<CartError>),
}

/// Adds the item; the cart's new version.
#[tracing::instrument(skip_all, fields(cart_id = %input.cart_id), err(level = "debug"))]
pub async fn add_item(
    stores: &Stores,
    input: AddItem,
    metadata: &CommandMetadata,
) -> Result<usize, AddItemError> {
    let sku = line::normalize_sku(&input.sku).ok_or_else(|| {
        AddItemError::Cart(ExecuteError::Domain(CartError::InvalidSku {
            sku: input.sku.clone(),
        }))
    })?;
    // The cart is not loaded here: the aggregate refuses a missing or foreign cart when the
    // command runs. The product is checked first, so a foreign cart with an unknown product
    // is refused for the product, which says nothing about the cart. Read in place: the
    // kept product is not copied for the three facts needed.
    let (exists, status, price, store) = stores
        .products
        .read_recent(&input.product_id.to_string(), RECENT, |product, _| {
            let price = product.variant(&sku).map(|variant| variant.price);
            let store = product.store().to_owned();
            (product.exists(), product.status(), price, store)
        })
        .await
        .map_err(|error| AddItemError::Cart(ExecuteError::Store(error.into_store_error())))?;
    if !exists {
        return Err(AddItemError::UnknownProduct(input.product_id));
    }
    if status != ProductStatus::Active {
        return Err(AddItemError::Product(ProductError::NotAvailable { status }));
    }
    let unit_price = price.ok_or(AddItemError::Product(ProductError::UnknownSku {
        sku: sku.clone(),
    }))?;
    let command = CartCommand::AddItem {
        shopper: input.holder.owner(),
        product_id: input.product_id,
        sku,
        quantity: input.quantity,
        unit_price,
        store,
    };
    super::execute_on_cart(
        stores,
        input.cart_id,
        command,
        metadata,
        input.expected_version,
    )
    .await
    .map_err(AddItemError::Cart)
}
