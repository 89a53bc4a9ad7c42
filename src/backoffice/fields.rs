//! Form fields every section reads the same way: the version a page showed, an optional
//! count, an instant typed in a `datetime-local` field.

use chrono::{DateTime, NaiveDateTime, Utc};

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
}
