//! Audit: what auditors need beyond the read models.
//!
//! - [`stored`]: stored events as they are, and an order's history across streams (its own
//!   events, and the reservations, redemptions and checkout that name it).
//! - [`as_of`]: an order rebuilt from its events up to a moment.
//! - [`chain`], [`sealer`], [`verify`]: tamper evidence. A hash chain over every stored event
//!   in commit order, appended by the sealer (run with the relay), and the verification that
//!   walks it and names the first event edited, deleted, reordered or inserted behind its back.
//!
//! `commerce audit …` is in `crate::cli::audit`; the HTTP routes are in
//! `http::queries::history`.

pub mod as_of;
pub mod chain;
pub mod sealer;
pub mod stored;
pub mod verify;

use chrono::{DateTime, Utc};

/// An RFC 3339 instant.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| format!("'{text}' is not an RFC 3339 instant ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_rfc_3339() {
        let at = parse_instant("2026-11-21T13:05:22.5+01:00").expect("valid");
        assert_eq!(at.to_rfc3339(), "2026-11-21T12:05:22.500+00:00");
        assert!(parse_instant("yesterday").is_err());
        assert!(parse_instant("2026-11-21").is_err());
    }
}
