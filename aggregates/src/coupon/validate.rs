//! Code normalisation and validation of coupon terms, with the limits they enforce.

use super::error::CouponError;
use super::types::CouponTerms;
use crate::common::Discount;

/// Shortest coupon code, in characters.
pub const MIN_CODE_LEN: usize = 3;
/// Longest coupon code, in characters.
pub const MAX_CODE_LEN: usize = 32;
use crate::reason::checked_reason;
pub use crate::reason::MAX_REASON_LEN;

/// Normalises a coupon code: trimmed, upper-cased, then 3..=32 characters of `[A-Z0-9_-]`.
///
/// The result is the coupon's identity (its aggregate id).
pub fn normalize_code(code: &str) -> Result<String, CouponError> {
    let normalised = canonical_code(code);
    let valid = (MIN_CODE_LEN..=MAX_CODE_LEN).contains(&normalised.len())
        && normalised
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if valid {
        Ok(normalised)
    } else {
        Err(CouponError::InvalidCode {
            code: code.to_string(),
        })
    }
}

/// The case and spacing a stored code has: trimmed, upper-cased, not validated. Look-ups of
/// a typed code compare this form with the stored codes.
pub fn canonical_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// Checks a complete set of terms and drops duplicate roles (first occurrence kept).
pub(super) fn terms(mut terms: CouponTerms) -> Result<CouponTerms, CouponError> {
    match terms.discount {
        Discount::Percent(percent) if !(1..=100).contains(&percent) => {
            return Err(CouponError::InvalidPercent { percent });
        }
        Discount::Fixed(amount) if amount.minor <= 0 => {
            return Err(CouponError::InvalidFixedAmount { amount });
        }
        _ => {}
    }
    if let Some(minimum) = terms.min_subtotal {
        if minimum.is_negative() {
            return Err(CouponError::InvalidMinSubtotal { amount: minimum });
        }
        if let Discount::Fixed(amount) = terms.discount {
            if amount.currency != minimum.currency {
                return Err(CouponError::CurrencyMismatch {
                    expected: amount.currency,
                    found: minimum.currency,
                });
            }
        }
    }
    if let (Some(starts_at), Some(expires_at)) = (terms.starts_at, terms.expires_at) {
        if expires_at <= starts_at {
            return Err(CouponError::InvalidValidityWindow {
                starts_at,
                expires_at,
            });
        }
    }
    if terms.max_redemptions == Some(0) {
        return Err(CouponError::InvalidLimit {
            field: "max_redemptions",
        });
    }
    if terms.max_per_customer == Some(0) {
        return Err(CouponError::InvalidLimit {
            field: "max_per_customer",
        });
    }
    let mut roles = Vec::with_capacity(terms.eligible_roles.len());
    for role in terms.eligible_roles {
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    terms.eligible_roles = roles;
    Ok(terms)
}

/// Trims a reason and checks it is present and short enough.
pub(super) fn reason(value: &str) -> Result<String, CouponError> {
    checked_reason(value, CouponError::ReasonRequired, |max| {
        CouponError::ReasonTooLong { max }
    })
}
