//! Set a cart's shipping address: one the shopper gives, or an entry of the customer's address
//! book named by its id, resolved here (a guest has no book). Either way the cart keeps a copy (and the order placed from
//! it a copy of that), so a later edit or removal of the book entry changes neither.

use commerce_aggregates::cart::{CartCommand, CartError};
use commerce_aggregates::Address;
use sqlx::PgPool;
use uuid::Uuid;

use super::guest::CartHolder;
use crate::auth::addresses;
use crate::store::{CommandMetadata, ExecuteError, Stores};

/// Where the address comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressSource {
    /// The address itself.
    Given(Address),
    /// The entry of the customer's address book with this id.
    Book(Uuid),
}

/// Set the shipping address of cart `cart_id`.
#[derive(Debug, Clone)]
pub struct SetShippingAddress {
    /// The cart.
    pub cart_id: Uuid,
    /// Its owner: a customer, or a guest with the cart's token.
    pub holder: CartHolder,
    /// The address, or the book entry to copy.
    pub source: AddressSource,
    /// The cart version the customer saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Why the address was not set (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum SetShippingAddressError {
    /// The id names no entry of the customer's own address book (a guest has none).
    #[error("address {0} is not in your address book")]
    UnknownAddress(Uuid),
    /// The cart refused (someone else's, closed, an invalid address), or the store failed.
    #[error(transparent)]
    Cart(ExecuteError<CartError>),
    /// Reading the address book failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Sets the address; the cart's new version.
#[tracing::instrument(skip_all, fields(cart_id = %input.cart_id), err(level = "debug"))]
pub async fn set_shipping_address(
    pool: &PgPool,
    stores: &Stores,
    input: SetShippingAddress,
    metadata: &CommandMetadata,
) -> Result<usize, SetShippingAddressError> {
    let address = match input.source {
        AddressSource::Given(address) => address,
        AddressSource::Book(id) => {
            let customer = input
                .holder
                .customer()
                .ok_or(SetShippingAddressError::UnknownAddress(id))?;
            addresses::find(pool, customer.id, id)
                .await?
                .ok_or(SetShippingAddressError::UnknownAddress(id))?
                .address
        }
    };
    let command = CartCommand::SetShippingAddress {
        shopper: input.holder.owner(),
        address,
    };
    super::execute_on_cart(
        stores,
        input.cart_id,
        command,
        metadata,
        input.expected_version,
    )
    .await
    .map_err(SetShippingAddressError::Cart)
}
