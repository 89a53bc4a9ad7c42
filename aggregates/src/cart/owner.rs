//! Who owns a cart: a signed-in customer, or a guest known only by the cart's token.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The owner of a cart, and the caller a cart command names. A command is obeyed only when its
/// caller equals the cart's owner, so a guest's token never opens a customer's cart and a
/// customer never commands a guest's cart without claiming it first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CartOwner {
    /// A customer account.
    Customer {
        /// The customer.
        customer_id: Uuid,
    },
    /// A guest: whoever holds the token whose hash this is. The application hashes the token;
    /// the token itself is never recorded.
    Guest {
        /// The SHA-256 hash of the cart token, lower-case hex.
        token_hash: String,
    },
}

impl CartOwner {
    /// The customer, for a customer's cart.
    pub fn customer_id(&self) -> Option<Uuid> {
        match self {
            CartOwner::Customer { customer_id } => Some(*customer_id),
            CartOwner::Guest { .. } => None,
        }
    }

    /// The hash of the guest's cart token, for a guest's cart.
    pub fn guest_token_hash(&self) -> Option<&str> {
        match self {
            CartOwner::Guest { token_hash } => Some(token_hash),
            CartOwner::Customer { .. } => None,
        }
    }

    /// True for a guest.
    pub fn is_guest(&self) -> bool {
        matches!(self, CartOwner::Guest { .. })
    }
}

impl From<Uuid> for CartOwner {
    fn from(customer_id: Uuid) -> Self {
        CartOwner::Customer { customer_id }
    }
}
