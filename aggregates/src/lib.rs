//! The pure domain model of the commerce engine: the Product, Cart, Order, Coupon, Store,
//! Category, Tag and ContactMessage aggregates, their commands, events and typed errors, and
//! the money type they share; and an account's address book rules.
//!
//! Nothing here does I/O. Whatever a command needs from outside (a price, the current time,
//! the customer's role) is resolved before the command is built and travels inside it.

pub mod address_book;
pub mod cart;
pub mod category;
pub mod common;
pub mod contact;
pub mod coupon;
mod error_kind;
mod iso4217;
pub mod line;
pub mod money;
pub mod order;
pub mod product;
pub mod reason;
pub mod slug;
pub mod store;
pub mod tag;
pub mod upcast;

pub use common::{Address, AddressError, Discount, Role};
pub use error_kind::ErrorKind;
pub use money::{Currency, Money, MoneyError};
