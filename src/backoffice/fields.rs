//! Form fields every section reads the same way: the version a page showed, an optional
//! count, a currency and an amount typed in it, an instant typed in a `datetime-local` field,
//! and a list's filter by name.

use chrono::{DateTime, NaiveDateTime, Utc};
use commerce_aggregates::{Currency, Money};

use super::PageError;

/// How a `datetime-local` field shows an instant (UTC, to the minute).
pub const LOCAL_MINUTES: &str = "%Y-%m-%dT%H:%M";

/// The version the form's page showed (its hidden `version` field), for `If-Match`.
pub fn version(text: &str) -> Result<usize, PageError> {
    text.trim().parse().map_err(|_| no_version())
}

/// The refusal of a form without a readable version.
pub fn no_version() -> PageError {
    PageError::bad_request("the form's version is missing or not a number")
}

/// An optional whole number from 0 (blank is none); `what` names it in the refusal.
pub fn optional_count(text: &str, what: &str) -> Result<Option<u32>, PageError> {
    match text.trim() {
        "" => Ok(None),
        number => number
            .parse()
            .map(Some)
            .map_err(|_| PageError::BadRequest(format!("{what} must be a whole number from 0"))),
    }
}

/// A currency typed in a field: an ISO-4217 code, any case.
pub fn currency(text: &str) -> Result<Currency, PageError> {
    Currency::parse(text.trim())
        .map_err(|_| PageError::bad_request("the currency must be an ISO-4217 code, e.g. USD"))
}

/// An amount typed as `12`, `12.5` or `12.50` in `currency` (not negative, at most the
/// currency's decimals); `what` names it in the refusal. Whether the amount is allowed is the
/// domain's to say.
pub fn amount(text: &str, currency: Currency, what: &str) -> Result<Money, PageError> {
    let minor = currency.parse_minor(text).ok_or_else(|| {
        PageError::BadRequest(format!(
            "{what} must be an amount with at most {} decimals, e.g. {}",
            currency.minor_digits(),
            currency.format_minor(1250)
        ))
    })?;
    Ok(Money::new(minor, currency))
}

/// A list's filter by name: blank is no filter, a name `named` knows is its value, any other
/// is refused (a 400 saying the `what` is unknown).
pub fn filter<T>(
    text: &str,
    named: impl FnOnce(&str) -> Option<T>,
    what: &str,
) -> Result<Option<T>, PageError> {
    match text {
        "" => Ok(None),
        name => named(name)
            .map(Some)
            .ok_or_else(|| PageError::BadRequest(format!("unknown {what}"))),
    }
}

/// A `datetime-local` value (`2026-12-07T09:30`, seconds and their fractions optional) read
/// as UTC.
pub fn local_instant(text: &str) -> Option<DateTime<Utc>> {
    [LOCAL_MINUTES, "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text.trim(), format).ok())
        .map(|local| local.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_or_refused() {
        assert_eq!(version(" 7 ").ok(), Some(7));
        assert!(version("seven").is_err());
        assert_eq!(optional_count("", "x").ok(), Some(None));
        assert_eq!(optional_count("12", "x").ok(), Some(Some(12)));
        assert!(optional_count("-1", "x").is_err());
        let at = local_instant("2026-12-07T09:30").expect("minutes");
        assert_eq!(at.format(LOCAL_MINUTES).to_string(), "2026-12-07T09:30");
        assert!(local_instant("2026-12-07T09:30:15.5").is_some());
        assert_eq!(local_instant("yesterday"), None);
    }

    #[test]
    fn amounts_read_with_the_currency_decimals() {
        let usd = currency("usd").expect("valid");
        let minor = |text: &str| amount(text, usd, "x").ok().map(|money| money.minor);
        assert_eq!(minor("12.5"), Some(1250));
        assert_eq!(minor("12.505"), None);
        assert_eq!(minor("-1"), None);
        let jpy = Currency::parse("JPY").expect("valid");
        assert_eq!(
            amount("1999", jpy, "x").ok().map(|money| money.minor),
            Some(1999)
        );
        assert!(currency("XYZ").is_err());
    }

    #[test]
    fn a_blank_filter_is_none_and_an_unknown_one_refused() {
        let named = |name: &str| (name == "open").then_some(1);
        assert_eq!(filter("", named, "status").ok(), Some(None));
        assert_eq!(filter("open", named, "status").ok(), Some(Some(1)));
        assert!(filter("shut", named, "status").is_err());
    }
}
