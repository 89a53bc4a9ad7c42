//! The coupon aggregate: a discount code with its terms, identified by its normalised
//! upper-case code, that is never redeemed beyond its limits.

mod aggregate;
mod command;
mod decide;
mod error;
mod event;
mod types;
mod validate;

pub use aggregate::Coupon;
pub use command::CouponCommand;
pub use decide::REDEMPTION_EVENTS;
pub use error::CouponError;
pub use event::CouponEvent;
pub use types::CouponTerms;
pub use validate::{canonical_code, normalize_code, MAX_CODE_LEN, MAX_REASON_LEN, MIN_CODE_LEN};

#[cfg(test)]
mod tests;
