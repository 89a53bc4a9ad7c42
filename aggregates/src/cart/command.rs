//! What a caller can ask a cart to do.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cart::aggregate::CartLine;
use crate::cart::owner::CartOwner;
use crate::common::Address;
use crate::money::{Currency, Money};

/// A command on a cart. Every command but `CreateCart` names its caller (`shopper`, or the
/// claiming customer and the guest's token hash) and is refused with `NotOwner` unless the
/// caller is the cart's owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CartCommand {
    /// Opens an empty cart for `owner` in a store (resolved by the application from an
    /// admitting [`Store`](crate::store::Store)).
    CreateCart {
        /// The new cart's identity.
        cart_id: Uuid,
        /// The owner: a customer or a guest.
        owner: CartOwner,
        /// The store's slug.
        store: String,
        /// The store's currency: every price in the cart must be in it.
        currency: Currency,
    },
    /// Adds `quantity` of a SKU at the current `unit_price` (resolved by the application).
    /// A SKU already in the cart gets its quantity increased instead.
    AddItem {
        /// The caller.
        shopper: CartOwner,
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
        shopper: CartOwner,
        /// The line's SKU.
        sku: String,
        /// The new quantity, `1..=MAX_LINE_QUANTITY`.
        quantity: u32,
    },
    /// Removes a line.
    RemoveItem {
        /// The caller.
        shopper: CartOwner,
        /// The line's SKU.
        sku: String,
    },
    /// Attaches a coupon code (format-checked only; validity is checked at checkout).
    ApplyCoupon {
        /// The caller.
        shopper: CartOwner,
        /// The code, any case.
        code: String,
    },
    /// Detaches the applied coupon code.
    RemoveCoupon {
        /// The caller.
        shopper: CartOwner,
    },
    /// Sets (or replaces) the shipping address.
    SetShippingAddress {
        /// The caller.
        shopper: CartOwner,
        /// The address.
        address: Address,
    },
    /// Closes the cart as the source of order `order_id`.
    CheckOut {
        /// The caller.
        shopper: CartOwner,
        /// The identity of the order to be placed.
        order_id: Uuid,
    },
    /// Closes the cart without an order.
    AbandonCart {
        /// The caller.
        shopper: CartOwner,
    },
    /// A customer holding a guest cart's token takes the cart over.
    ClaimCart {
        /// The claiming customer.
        customer_id: Uuid,
        /// The hash of the token the customer sent: the guest owner's, or the claim is refused.
        token_hash: String,
    },
    /// A customer holding a guest cart's token closes it into their cart `into_cart_id`
    /// (whose `MergeItems` is decided in the same commit).
    MergeInto {
        /// The claiming customer.
        customer_id: Uuid,
        /// The hash of the token the customer sent.
        token_hash: String,
        /// The customer's cart.
        into_cart_id: Uuid,
    },
    /// Merges a guest cart's lines (and its coupon, when this cart has none and the
    /// application found it still applies) into the customer's open cart.
    MergeItems {
        /// The caller: the cart's owner.
        shopper: CartOwner,
        /// The guest's cart.
        from_cart_id: Uuid,
        /// The guest cart's lines.
        lines: Vec<CartLine>,
        /// The guest cart's coupon, when it is to be kept.
        coupon_code: Option<String>,
    },
}

impl CartCommand {
    /// Who the command acts as: the caller, the owner for `CreateCart`, and the guest (by the
    /// token hash sent) for a claim.
    pub fn acting_as(&self) -> CartOwner {
        match self {
            CartCommand::CreateCart { owner: shopper, .. }
            | CartCommand::AddItem { shopper, .. }
            | CartCommand::ChangeItemQuantity { shopper, .. }
            | CartCommand::RemoveItem { shopper, .. }
            | CartCommand::ApplyCoupon { shopper, .. }
            | CartCommand::RemoveCoupon { shopper }
            | CartCommand::SetShippingAddress { shopper, .. }
            | CartCommand::CheckOut { shopper, .. }
            | CartCommand::AbandonCart { shopper }
            | CartCommand::MergeItems { shopper, .. } => shopper.clone(),
            CartCommand::ClaimCart { token_hash, .. }
            | CartCommand::MergeInto { token_hash, .. } => CartOwner::Guest {
                token_hash: token_hash.clone(),
            },
        }
    }
}
