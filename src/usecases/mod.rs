//! The application layer: one module per use case, between the transports (HTTP handlers,
//! the CLI, tests) and the event store.
//!
//! A use case is a plain async function with a typed input and a typed error. It loads every
//! aggregate its decision needs, lets each decide (their pure `handle`), and commits all the
//! resulting events in one transaction, each stream at the version it was decided on
//! ([`crate::store::Transaction`]). A cross-aggregate rule (no oversell, coupon limits) is
//! therefore one decision and one commit, never a saga, and the caller learns the outcome
//! before it answers. A commit that loses a race to another process reads its streams again
//! and decides again, a bounded number of times ([`attempts`]).

pub mod add_image;
pub mod add_item;
pub mod add_variant;
pub mod apply_coupon;
mod attempts;
pub mod cancel;
pub mod categories;
pub mod checkout;
pub mod claim_cart;
pub mod contact;
pub mod coupons;
pub mod create_product;
pub mod deliver;
pub mod expire;
pub mod guest;
mod order_change;
pub mod pay;
pub mod payment_webhook;
pub mod price_cart;
pub mod product_change;
mod reasons;
pub mod refund;
pub mod returns;
pub mod set_shipping_address;
pub mod settle_placed;
pub mod ship;
mod sku_registry;
pub mod stores;
pub mod tags;
mod taxonomy_lookup;

use commerce_aggregates::cart::{CartCommand, CartError};
use commerce_aggregates::Role;
use uuid::Uuid;

use crate::store::{CommandMetadata, ExecuteError, Stores};

pub use order_change::OrderChangeError;

/// Who asks: a signed-in user's id and role (the transports authenticate; use cases decide
/// what the role may see and do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The user's id.
    pub id: Uuid,
    /// The user's role.
    pub role: Role,
}

/// Runs a customer's `command` on cart `cart_id` at the version they saw (`If-Match`), if
/// any; the cart's new version.
async fn execute_on_cart(
    stores: &Stores,
    cart_id: Uuid,
    command: CartCommand,
    metadata: &CommandMetadata,
    expected_version: Option<usize>,
) -> Result<usize, ExecuteError<CartError>> {
    stores
        .carts
        .execute(&cart_id.to_string(), command, metadata, expected_version)
        .await
        .map(|committed| committed.version)
}
