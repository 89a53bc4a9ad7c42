//! The reason given for a change (a stock adjustment, a released redemption, a cancellation
//! or a refund): one rule for every aggregate that asks for one.

/// Longest reason, in characters.
pub const MAX_REASON_LEN: usize = 500;

/// `value` trimmed, when it is present and at most [`MAX_REASON_LEN`] characters; else the
/// aggregate's own error: `missing`, or `too_long(MAX_REASON_LEN)`.
pub fn checked_reason<E>(
    value: &str,
    missing: E,
    too_long: impl FnOnce(usize) -> E,
) -> Result<String, E> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(missing);
    }
    if trimmed.chars().count() > MAX_REASON_LEN {
        return Err(too_long(MAX_REASON_LEN));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_required_and_bounded() {
        let check = |value: &str| checked_reason(value, "missing", |_| "too long");
        assert_eq!(
            check("  damaged in transit "),
            Ok("damaged in transit".to_string())
        );
        assert_eq!(check("   "), Err("missing"));
        assert_eq!(
            check(&"é".repeat(MAX_REASON_LEN)).map(|r| r.chars().count()),
            Ok(500)
        );
        assert_eq!(check(&"é".repeat(MAX_REASON_LEN + 1)), Err("too long"));
    }
}
