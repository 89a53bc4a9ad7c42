//! What a caller can ask a cart to do.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::common::Address;
use crate::money::{Currency, Money};

/// A command on a cart. Every command but `CreateCart` names the calling customer and is
/// refused with `NotOwner` unless it is the cart's owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CartCommand {
    /// Opens an empty cart for `customer_id` in a store (resolved by the application from an
    /// admitting [`Store`](crate::store::Store)).
    CreateCart {
        /// The new cart's identity.
        cart_id: Uuid,
        /// The owner.
        customer_id: Uuid,
        /// The store's slug.
        store: String,
        /// The store's currency: every price in the cart must be in it.
        currency: Currency,
    },
    /// Adds `quantity` of a SKU at the current `unit_price` (resolved by the application).
    /// A SKU already in the cart gets its quantity increased instead.
    AddItem {
        /// The caller.
        customer_id: Uuid,
        /// The product the SKU belongs to.
        product_id: Uuid,
        /// The variant's SKU.
        sku: String,
        /// How many to add, `1..=MAX_LINE_QUANTITY`.
        quantity: u32,
        /// The variant's price now; captured on the line.
        unit_price: Money,
        /// The store the product belongs to: the cart's own, or the item is refused.
        store: String,
    },
    /// Sets the quantity of a line already in the cart.
    ChangeItemQuantity {
        /// The caller.
        customer_id: Uuid,
        /// The line's SKU.
        sku: String,
        /// The new quantity, `1..=MAX_LINE_QUANTITY`.
        quantity: u32,
    },
    /// Removes a line.
    RemoveItem {
        /// The caller.
        customer_id: Uuid,
        /// The line's SKU.
        sku: String,
    },
    /// Attaches a coupon code (format-checked only; validity is checked at checkout).
    ApplyCoupon {
        /// The caller.
        customer_id: Uuid,
        /// The code, any case.
        code: String,
    },
    /// Detaches the applied coupon code.
    RemoveCoupon {
        /// The caller.
        customer_id: Uuid,
    },
    /// Sets (or replaces) the shipping address.
    SetShippingAddress {
        /// The caller.
        customer_id: Uuid,
        /// The address.
        address: Address,
    },
    /// Closes the cart as the source of order `order_id`.
    CheckOut {
        /// The caller.
        customer_id: Uuid,
        /// The identity of the order to be placed.
        order_id: Uuid,
    },
    /// Closes the cart without an order.
    AbandonCart {
        /// The caller.
        customer_id: Uuid,
    },
}

impl CartCommand {
    /// The customer named by the command: the caller, or the owner for `CreateCart`.
    pub fn customer_id(&self) -> Uuid {
        match self {
            CartCommand::CreateCart { customer_id, .. }
            | CartCommand::AddItem { customer_id, .. }
            | CartCommand::ChangeItemQuantity { customer_id, .. }
            | CartCommand::RemoveItem { customer_id, .. }
            | CartCommand::ApplyCoupon { customer_id, .. }
            | CartCommand::RemoveCoupon { customer_id }
            | CartCommand::SetShippingAddress { customer_id, .. }
            | CartCommand::CheckOut { customer_id, .. }
            | CartCommand::AbandonCart { customer_id } => *customer_id,
        }
    }
}
