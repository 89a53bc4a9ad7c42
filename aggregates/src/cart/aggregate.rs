//! The cart aggregate: its state, the rules its commands obey and how events change it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cart::command::CartCommand;
use crate::cart::decide::decide;
use crate::cart::error::CartError;
use crate::cart::event::CartEvent;
use crate::cart::owner::CartOwner;
use crate::common::Address;
use crate::money::{Currency, Money, MoneyError};

/// Largest quantity of one SKU in a cart.
pub use crate::line::MAX_LINE_QUANTITY;
/// Largest number of distinct SKUs in a cart.
pub const MAX_LINES: usize = 50;

/// One SKU in the cart with the price captured when it was first added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CartLine {
    /// The product the SKU belongs to.
    pub product_id: Uuid,
    /// The variant's SKU; unique within the cart.
    pub sku: String,
    /// How many, `1..=MAX_LINE_QUANTITY`.
    pub quantity: u32,
    /// Price per item captured when the SKU was first added.
    pub unit_price: Money,
}

impl CartLine {
    /// `unit_price × quantity`.
    pub fn line_total(&self) -> Result<Money, MoneyError> {
        self.unit_price.checked_mul(i64::from(self.quantity))
    }
}

/// Where a cart is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CartStatus {
    /// Accepting changes.
    Open,
    /// Closed: it became order `order_id`.
    CheckedOut {
        /// The order placed from this cart.
        order_id: Uuid,
    },
    /// Closed without an order.
    Abandoned,
    /// Closed: a customer claimed this guest cart and its lines went into their cart `cart_id`.
    MergedInto {
        /// The customer's cart.
        cart_id: Uuid,
    },
}

/// A customer's or guest's cart. `Default` is the not-yet-created cart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    state: Option<CartState>,
}

/// The state of a created cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CartState {
    pub(crate) cart_id: Uuid,
    pub(crate) owner: CartOwner,
    pub(crate) store: String,
    pub(crate) currency: Currency,
    pub(crate) lines: Vec<CartLine>,
    pub(crate) coupon_code: Option<String>,
    pub(crate) shipping_address: Option<Address>,
    pub(crate) status: CartStatus,
}

impl CartState {
    pub(crate) fn line(&self, sku: &str) -> Option<&CartLine> {
        self.lines.iter().find(|line| line.sku == sku)
    }

    fn line_mut(&mut self, sku: &str) -> Option<&mut CartLine> {
        self.lines.iter_mut().find(|line| line.sku == sku)
    }

    /// The subtotal if the line `sku` held `quantity` (lines without that SKU unchanged).
    pub(crate) fn subtotal_with(&self, sku: &str, quantity: u32) -> Result<Money, MoneyError> {
        self.lines
            .iter()
            .try_fold(Money::zero(self.currency), |acc, line| {
                let quantity = if line.sku == sku {
                    quantity
                } else {
                    line.quantity
                };
                acc.checked_add(&line.unit_price.checked_mul(i64::from(quantity))?)
            })
    }

    pub(crate) fn subtotal(&self) -> Result<Money, MoneyError> {
        self.lines
            .iter()
            .try_fold(Money::zero(self.currency), |acc, line| {
                acc.checked_add(&line.line_total()?)
            })
    }
}

impl Cart {
    /// The cart's identity, once created.
    pub fn cart_id(&self) -> Option<Uuid> {
        self.state.as_ref().map(|s| s.cart_id)
    }

    /// The owning customer, once created (`None` for a guest's cart).
    pub fn customer_id(&self) -> Option<Uuid> {
        self.state.as_ref().and_then(|s| s.owner.customer_id())
    }

    /// The owner, once created.
    pub fn owner(&self) -> Option<&CartOwner> {
        self.state.as_ref().map(|s| &s.owner)
    }

    /// The store the cart shops in, once created.
    pub fn store(&self) -> Option<&str> {
        self.state.as_ref().map(|s| s.store.as_str())
    }

    /// The cart's currency, once created.
    pub fn currency(&self) -> Option<Currency> {
        self.state.as_ref().map(|s| s.currency)
    }

    /// The lines in insertion order (empty before creation).
    pub fn lines(&self) -> &[CartLine] {
        self.state.as_ref().map_or(&[], |s| s.lines.as_slice())
    }

    /// The applied coupon code, normalised upper-case.
    pub fn coupon_code(&self) -> Option<&str> {
        self.state.as_ref().and_then(|s| s.coupon_code.as_deref())
    }

    /// The shipping address, if set.
    pub fn shipping_address(&self) -> Option<&Address> {
        self.state
            .as_ref()
            .and_then(|s| s.shipping_address.as_ref())
    }

    /// The cart's status, once created.
    pub fn status(&self) -> Option<CartStatus> {
        self.state.as_ref().map(|s| s.status)
    }

    /// The order this cart was checked out into, if it was.
    pub fn order_id(&self) -> Option<Uuid> {
        match self.status() {
            Some(CartStatus::CheckedOut { order_id }) => Some(order_id),
            _ => None,
        }
    }

    /// Σ unit price × quantity over the lines, in the cart's currency.
    pub fn subtotal(&self) -> Result<Money, CartError> {
        let state = self.state.as_ref().ok_or(CartError::NotFound)?;
        Ok(state.subtotal()?)
    }
}

crate::common::impl_aggregate! {
    Cart: "cart", CartCommand => CartEvent, CartError,
    decide: |cart, command| decide(cart.state.as_ref(), command),
    apply: Cart::evolve,
}

impl Cart {
    /// How an event changes the cart: the `apply` of its [`cqrs_es::Aggregate`] impl.
    fn evolve(&mut self, event: CartEvent) {
        if let CartEvent::CartCreated {
            cart_id,
            owner,
            currency,
            store,
        } = event
        {
            self.state = Some(CartState {
                cart_id,
                owner,
                store,
                currency,
                lines: Vec::new(),
                coupon_code: None,
                shipping_address: None,
                status: CartStatus::Open,
            });
            return;
        }
        let Some(state) = self.state.as_mut() else {
            return;
        };
        match event {
            CartEvent::CartCreated { .. } => {}
            CartEvent::ItemAdded {
                product_id,
                sku,
                quantity,
                unit_price,
            } => state.lines.push(CartLine {
                product_id,
                sku,
                quantity,
                unit_price,
            }),
            CartEvent::ItemQuantityChanged { sku, quantity } => {
                if let Some(line) = state.line_mut(&sku) {
                    line.quantity = quantity;
                }
            }
            CartEvent::ItemRemoved { sku } => state.lines.retain(|line| line.sku != sku),
            CartEvent::CouponApplied { code } => state.coupon_code = Some(code),
            CartEvent::CouponRemoved { .. } => state.coupon_code = None,
            CartEvent::ShippingAddressSet { address } => state.shipping_address = Some(address),
            CartEvent::CartCheckedOut { order_id, .. } => {
                state.status = CartStatus::CheckedOut { order_id };
            }
            CartEvent::CartAbandoned {} => state.status = CartStatus::Abandoned,
            CartEvent::CartClaimed { customer_id } => {
                state.owner = CartOwner::Customer { customer_id };
            }
            CartEvent::CartMergedInto { cart_id, .. } => {
                state.status = CartStatus::MergedInto { cart_id };
            }
            CartEvent::ItemsMerged { lines, .. } => {
                for merged in lines {
                    match state.line_mut(&merged.sku) {
                        Some(line) => line.quantity = merged.quantity,
                        None => state.lines.push(merged),
                    }
                }
            }
        }
    }
}
