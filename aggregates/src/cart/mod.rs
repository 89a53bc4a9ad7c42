//! The cart aggregate: one customer's (or guest's) basket of SKUs, a coupon code and a
//! shipping address, closed for good once it is checked out, abandoned or merged into another
//! cart; and what it would cost if checked out now (`pricing`).

mod aggregate;
mod command;
mod decide;
mod error;
mod event;
mod merge;
mod owner;
mod pricing;
pub(crate) mod validate;

pub use crate::line::MAX_SKU_LEN;
pub use aggregate::{Cart, CartLine, CartStatus, MAX_LINES, MAX_LINE_QUANTITY};
pub use command::CartCommand;
pub use error::CartError;
pub use event::{CartEvent, CART_CREATED_VERSION};
pub use owner::CartOwner;
pub use pricing::{price_cart, CartPricing, CouponOffer, CouponRefusal};
pub use validate::{MAX_COUPON_CODE_LEN, MIN_COUPON_CODE_LEN};

#[cfg(test)]
mod tests;
