//! Webhook signatures in Stripe's scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<raw body>">` in `Stripe-Signature` (Stripe's webhooks) or `Payment-Signature` (the
//! `test` provider's). Several `v1` entries are accepted, so a secret can be rotated; other
//! schemes are ignored. The timestamp must be within a tolerance of
//! now, which bounds replays of a captured request.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header carrying the signature of the `test` provider's webhook.
pub const SIGNATURE_HEADER: &str = "Payment-Signature";
/// The header carrying the signature of Stripe's webhook.
pub const STRIPE_SIGNATURE_HEADER: &str = "Stripe-Signature";
/// How far (seconds) the signed timestamp may be from now.
pub const DEFAULT_TOLERANCE_SECONDS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// Why a signature is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No header, or not `t=…,v1=…`.
    #[error("missing or malformed signature header (expected t=<unix>,v1=<hex>)")]
    Malformed,
    /// The timestamp is outside the tolerance.
    #[error("the signature timestamp is outside the {DEFAULT_TOLERANCE_SECONDS} s tolerance")]
    Expired,
    /// No `v1` entry matches the body under the secret.
    #[error("no signature matches the request body")]
    Mismatch,
}

/// `v1=` of `payload` signed at `timestamp` with `secret`: lowercase hex HMAC-SHA256 of
/// `"<timestamp>.<payload>"`.
pub fn sign(secret: &[u8], timestamp: i64, payload: &[u8]) -> String {
    let mac = mac(secret, timestamp, payload);
    hex(&mac.finalize().into_bytes())
}

/// The full header value for `payload` signed at `timestamp`.
pub fn header_value(secret: &[u8], timestamp: i64, payload: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, payload))
}

/// Checks `header` against `payload` and `secret` at `now` (unix seconds): the format, then
/// the tolerance, then every `v1` entry in constant time. The signed timestamp on success.
pub fn verify(
    header: Option<&str>,
    payload: &[u8],
    secret: &[u8],
    now: i64,
    tolerance_seconds: i64,
) -> Result<i64, SignatureError> {
    let header = header.ok_or(SignatureError::Malformed)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key.trim() {
            "t" => {
                let t = value
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed)?;
                if timestamp.replace(t).is_some() {
                    return Err(SignatureError::Malformed);
                }
            }
            "v1" => signatures.push(unhex(value.trim()).ok_or(SignatureError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > tolerance_seconds.unsigned_abs() {
        return Err(SignatureError::Expired);
    }
    let matched = signatures.iter().any(|candidate| {
        mac(secret, timestamp, payload)
            .verify_slice(candidate)
            .is_ok()
    });
    if matched {
        Ok(timestamp)
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn mac(secret: &[u8], timestamp: i64, payload: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;
    const NOW: i64 = 1_800_000_000;

    fn check(header: &str) -> Result<i64, SignatureError> {
        verify(Some(header), BODY, SECRET, NOW, DEFAULT_TOLERANCE_SECONDS)
    }

    #[test]
    fn a_fresh_signature_of_the_exact_body_verifies() {
        assert_eq!(check(&header_value(SECRET, NOW - 10, BODY)), Ok(NOW - 10));
    }

    #[test]
    fn any_matching_v1_entry_verifies() {
        let good = sign(SECRET, NOW, BODY);
        let header = format!("t={NOW},v1={},v0=abc,v1={good}", "00".repeat(32));
        assert_eq!(check(&header), Ok(NOW));
    }

    #[test]
    fn wrong_secret_tampered_body_and_stale_timestamps_are_refused() {
        assert_eq!(
            check(&header_value(b"other", NOW, BODY)),
            Err(SignatureError::Mismatch)
        );
        let tampered = header_value(SECRET, NOW, br#"{"id":"evt_2"}"#);
        assert_eq!(check(&tampered), Err(SignatureError::Mismatch));
        assert_eq!(
            check(&header_value(SECRET, NOW - 301, BODY)),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            check(&header_value(SECRET, NOW + 301, BODY)),
            Err(SignatureError::Expired)
        );
    }

    #[test]
    fn malformed_headers_are_refused() {
        for header in [
            "",
            "t=1",
            "v1=00",
            "t=x,v1=00",
            "t=1,v1=zz",
            "t=1,t=2,v1=00",
            "garbage",
        ] {
            assert_eq!(check(header), Err(SignatureError::Malformed), "{header}");
        }
        assert_eq!(
            verify(None, BODY, SECRET, NOW, DEFAULT_TOLERANCE_SECONDS),
            Err(SignatureError::Malformed)
        );
    }
}
