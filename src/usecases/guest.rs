//! Who acts on a cart: a signed-in customer, or a guest presenting the cart's token.
//!
//! A guest cart's token is 32 random bytes (64 hex characters) handed out once, when the
//! cart is opened. Only its SHA-256 hash is recorded (in the cart's `CartCreated` owner);
//! the token itself is never stored, logged or put in an event.

use std::fmt;

use commerce_aggregates::cart::CartOwner;
use uuid::Uuid;

use super::Caller;
use crate::auth::secret;
use crate::store::{Actor, CommandMetadata};

/// A guest cart's token, as the client holds it. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct CartToken(String);

impl CartToken {
    /// A fresh random token.
    pub fn generate() -> Self {
        Self(secret::generate())
    }

    /// The token a client sent (any string: a wrong one simply matches no cart).
    pub fn presented(token: &str) -> Self {
        Self(token.trim().to_owned())
    }

    /// The token, to hand to the client once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its SHA-256 hash, lower-case hex: what the cart records.
    pub fn hash(&self) -> String {
        secret::hex(&secret::digest(&self.0))
    }
}

impl fmt::Debug for CartToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CartToken(..)")
    }
}

/// Who acts on a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartHolder {
    /// A signed-in customer.
    Customer(Caller),
    /// Whoever holds the cart's token.
    Guest(CartToken),
}

impl CartHolder {
    /// The owner a command names for this holder: the customer, or the token's hash.
    pub fn owner(&self) -> CartOwner {
        match self {
            CartHolder::Customer(caller) => CartOwner::Customer {
                customer_id: caller.id,
            },
            CartHolder::Guest(token) => CartOwner::Guest {
                token_hash: token.hash(),
            },
        }
    }

    /// The signed-in customer, if any.
    pub fn customer(&self) -> Option<Caller> {
        match self {
            CartHolder::Customer(caller) => Some(*caller),
            CartHolder::Guest(_) => None,
        }
    }
}

/// The actor a guest's commands are recorded as: the cart, as a guest has no account.
pub fn guest_actor(cart_id: Uuid) -> Actor {
    Actor {
        id: format!("guest:{cart_id}"),
        role: "guest".to_owned(),
    }
}

/// Metadata for a guest's command on cart `cart_id` in request `request_id`.
pub fn guest_metadata(cart_id: Uuid, request_id: &str) -> CommandMetadata {
    CommandMetadata::new(guest_actor(cart_id), request_id)
}
