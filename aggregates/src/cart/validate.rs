//! Small, pure input checks shared by the cart and the order: coupon-code format and address
//! normalisation (the SKU's form is [`crate::line`]'s).

use crate::common::{Address, AddressError};

/// Shortest accepted coupon code, in characters (the coupon aggregate's rule).
pub const MIN_COUPON_CODE_LEN: usize = crate::coupon::MIN_CODE_LEN;
/// Longest accepted coupon code, in characters (the coupon aggregate's rule).
pub const MAX_COUPON_CODE_LEN: usize = crate::coupon::MAX_CODE_LEN;

/// A coupon code in the coupon aggregate's normal form ([`crate::coupon::normalize_code`]),
/// or `None` when it is malformed.
///
/// Only the format is checked; whether the coupon exists and applies is the coupon
/// aggregate's business, at checkout.
pub(crate) fn normalized_coupon_code(code: &str) -> Option<String> {
    crate::coupon::normalize_code(code).ok()
}

/// Trims every field of an address (an empty second line becomes `None`) and validates it.
pub(crate) fn normalized_address(address: Address) -> Result<Address, AddressError> {
    let line2 = address
        .line2
        .map(|line| line.trim().to_string())
        .filter(|line| !line.is_empty());
    let normalized = Address {
        name: address.name.trim().to_string(),
        line1: address.line1.trim().to_string(),
        line2,
        city: address.city.trim().to_string(),
        postal_code: address.postal_code.trim().to_string(),
        country: address.country.trim().to_string(),
    };
    normalized.validate()?;
    Ok(normalized)
}
