//! What every line shares — a variant's, a cart's, an order's, a reservation's: the form of
//! a SKU and how many units one line may hold. The catalogue, the cart, the order and the
//! HTTP layer all take these rules from here.

/// Longest SKU, in characters.
pub const MAX_SKU_LEN: usize = 64;
/// Most units of one SKU on one cart or order line.
pub const MAX_LINE_QUANTITY: u32 = 99;

/// The SKU as the catalogue stores it: trimmed; `None` unless 1..=64 characters of
/// `[A-Za-z0-9-_.]`.
pub fn normalize_sku(sku: &str) -> Option<String> {
    let trimmed = sku.trim();
    let valid = !trimmed.is_empty()
        && trimmed.len() <= MAX_SKU_LEN
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    valid.then(|| trimmed.to_string())
}

/// True when one line may hold `quantity` units: `1..=MAX_LINE_QUANTITY`.
pub fn quantity_allowed(quantity: u32) -> bool {
    (1..=MAX_LINE_QUANTITY).contains(&quantity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sku_is_trimmed_and_keeps_its_case() {
        assert_eq!(normalize_sku("  Cup-W_1.0 ").as_deref(), Some("Cup-W_1.0"));
    }

    #[test]
    fn a_sku_outside_the_alphabet_or_the_length_is_refused() {
        assert_eq!(normalize_sku(""), None);
        assert_eq!(normalize_sku("   "), None);
        assert_eq!(normalize_sku("CUP W"), None);
        assert_eq!(normalize_sku("CUP/W"), None);
        assert_eq!(normalize_sku("ÉCU"), None);
        assert!(normalize_sku(&"A".repeat(MAX_SKU_LEN)).is_some());
        assert_eq!(normalize_sku(&"A".repeat(MAX_SKU_LEN + 1)), None);
    }

    #[test]
    fn a_line_holds_one_to_ninety_nine_units() {
        assert!(!quantity_allowed(0));
        assert!(quantity_allowed(1));
        assert!(quantity_allowed(MAX_LINE_QUANTITY));
        assert!(!quantity_allowed(MAX_LINE_QUANTITY + 1));
    }
}
