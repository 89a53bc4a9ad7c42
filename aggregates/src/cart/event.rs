//! What happened to a cart.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cart::aggregate::CartLine;
use crate::cart::owner::CartOwner;
use crate::common::Address;
use crate::money::{Currency, Money};

/// Payload version of `CartCreated`: `1.1` added `store` (stored `1.0` events are upcast by
/// [`crate::upcast`] into the default store); `1.2` replaced `customer_id` with `owner`, a
/// customer or a guest (a `1.1` cart is its customer's).
pub const CART_CREATED_VERSION: &str = "1.2";

/// An event in a cart's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum CartEvent {
    /// A cart was opened.
    CartCreated {
        /// The cart's identity.
        cart_id: Uuid,
        /// The owner: a customer, or a guest holding the cart's token (since `1.2`).
        owner: CartOwner,
        /// The cart's currency: its store's.
        currency: Currency,
        /// The store the cart shops in (since `1.1`; earlier carts are the default store's).
        store: String,
    },
    /// A new line was added.
    ItemAdded {
        /// The product the SKU belongs to.
        product_id: Uuid,
        /// The variant's SKU.
        sku: String,
        /// The line's quantity.
        quantity: u32,
        /// The price captured when the line was added.
        unit_price: Money,
    },
    /// A line's quantity changed (by `ChangeItemQuantity` or by adding a SKU again).
    ItemQuantityChanged {
        /// The line's SKU.
        sku: String,
        /// The line's new total quantity.
        quantity: u32,
    },
    /// A line was removed.
    ItemRemoved {
        /// The line's SKU.
        sku: String,
    },
    /// A coupon code was attached (normalised upper-case), replacing any previous one.
    CouponApplied {
        /// The normalised code.
        code: String,
    },
    /// The coupon code was detached.
    CouponRemoved {
        /// The code that was removed.
        code: String,
    },
    /// The shipping address was set.
    ShippingAddressSet {
        /// The new address.
        address: Address,
    },
    /// The cart was checked out; its content is copied so the order can be placed from it.
    CartCheckedOut {
        /// The order the cart becomes.
        order_id: Uuid,
        /// The lines at checkout, in insertion order.
        lines: Vec<CartLine>,
        /// The applied coupon code, if any.
        coupon_code: Option<String>,
        /// The shipping address.
        shipping_address: Address,
    },
    /// The cart was abandoned.
    CartAbandoned {},
    /// A customer claimed a guest's cart and now owns it: the cart token no longer opens it.
    CartClaimed {
        /// The new owner.
        customer_id: Uuid,
    },
    /// A guest's cart was merged into a customer's open cart and is closed.
    CartMergedInto {
        /// The customer's cart that received the lines.
        cart_id: Uuid,
        /// The customer who claimed it.
        customer_id: Uuid,
    },
    /// Lines of a guest's cart were merged into this cart: each is the line as it now stands
    /// (a SKU already here has the summed quantity, capped, at this cart's price).
    ItemsMerged {
        /// The guest's cart the lines came from.
        from_cart_id: Uuid,
        /// The new or changed lines.
        lines: Vec<CartLine>,
    },
}

impl DomainEvent for CartEvent {
    fn event_type(&self) -> String {
        match self {
            CartEvent::CartCreated { .. } => "CartCreated",
            CartEvent::ItemAdded { .. } => "ItemAdded",
            CartEvent::ItemQuantityChanged { .. } => "ItemQuantityChanged",
            CartEvent::ItemRemoved { .. } => "ItemRemoved",
            CartEvent::CouponApplied { .. } => "CouponApplied",
            CartEvent::CouponRemoved { .. } => "CouponRemoved",
            CartEvent::ShippingAddressSet { .. } => "ShippingAddressSet",
            CartEvent::CartCheckedOut { .. } => "CartCheckedOut",
            CartEvent::CartAbandoned {} => "CartAbandoned",
            CartEvent::CartClaimed { .. } => "CartClaimed",
            CartEvent::CartMergedInto { .. } => "CartMergedInto",
            CartEvent::ItemsMerged { .. } => "ItemsMerged",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        match self {
            CartEvent::CartCreated { .. } => CART_CREATED_VERSION,
            _ => "1.0",
        }
        .to_string()
    }
}
