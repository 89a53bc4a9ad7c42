//! The kind of a refused command, declared by every domain error so that callers (the HTTP
//! layer) classify errors by kind rather than by their code strings.

/// What kind of refusal a domain error is; each error's `kind()` says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input is malformed or breaks a rule of the input itself (HTTP 422).
    Invalid,
    /// The aggregate is missing, or it is not the caller's (HTTP 404).
    NotFound,
    /// The caller's role may not do this (HTTP 403).
    Forbidden,
    /// The aggregate's current state refuses the command (HTTP 409).
    Conflict,
}

/// The published classification of the stable error codes, as clients see it through the
/// HTTP statuses: the specification that every error's `kind()` is tested against.
#[cfg(test)]
pub(crate) mod spec {
    use std::fmt::Debug;

    use super::ErrorKind;

    /// The kind clients expect for a stable code: `not_found`/`not_owner` are missing,
    /// `forbidden` is forbidden, the codes below are conflicts, every other code is invalid.
    pub(crate) fn kind_of_code(code: &str) -> ErrorKind {
        match code {
            "not_found" | "not_owner" | "refund_not_found" | "return_not_found"
            | "image_not_found" => ErrorKind::NotFound,
            "forbidden" => ErrorKind::Forbidden,
            "already_exists"
            | "already_archived"
            | "already_published"
            | "already_inactive"
            | "archived"
            | "product_archived"
            | "product_not_available"
            | "out_of_stock"
            | "reservation_closed"
            | "reservation_not_found"
            | "stock_below_reserved"
            | "negative_stock"
            | "duplicate_sku"
            | "duplicate_image"
            | "cart_closed"
            | "already_checked_out"
            | "empty_cart"
            | "missing_shipping_address"
            | "sku_conflict"
            | "invalid_state"
            | "coupon_exhausted"
            | "coupon_customer_limit"
            | "coupon_inactive"
            | "coupon_expired"
            | "coupon_not_started"
            | "coupon_not_eligible"
            | "coupon_min_subtotal"
            | "redemption_closed"
            | "max_redemptions_below_count"
            | "not_yet_due"
            | "amount_mismatch"
            | "line_quantity_exceeded"
            | "refund_exceeds_paid"
            | "refund_quantity_exceeded"
            | "refund_not_pending"
            | "return_window_closed"
            | "return_quantity_exceeded"
            | "invalid_return_state"
            | "too_many_lines"
            | "store_closed"
            | "category_cycle"
            | "category_not_empty" => ErrorKind::Conflict,
            _ => ErrorKind::Invalid,
        }
    }

    /// Asserts that each error's kind is the one its code is published with.
    pub(crate) fn assert_kinds_follow_codes<E: Debug>(
        errors: &[E],
        kind: impl Fn(&E) -> ErrorKind,
        code: impl Fn(&E) -> &'static str,
    ) {
        for error in errors {
            assert_eq!(
                kind(error),
                kind_of_code(code(error)),
                "{error:?} (code {})",
                code(error)
            );
        }
    }
}
