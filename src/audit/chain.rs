//! The hash chain's arithmetic: the canonical bytes of an event, its content digest and the
//! link hash that chains it to its predecessor. Pure functions; the sealer and the verifier
//! both go through them, so what is sealed and what is checked can never drift apart.
//!
//! - `content_hash = SHA-256(field…)` over the event's content, each field prefixed with its
//!   length (8 bytes, big-endian): aggregate type, aggregate id, event type, event version,
//!   payload and metadata as canonical JSON (object keys sorted, no whitespace), event id (16
//!   bytes) and `recorded_at` (microseconds since the Unix epoch, 8 bytes big-endian).
//! - `hash = SHA-256(prev_hash ‖ link ‖ global_position ‖ sequence ‖ content_hash)`, integers
//!   as 8 bytes big-endian, `prev_hash` of the first link [`GENESIS`].
//!
//! The positions (link, global position, sequence) are hashed in the link rather than in the
//! content digest, so the verifier tells an event that moved (same content, other place) from
//! one that was edited.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The `prev_hash` of the first link.
pub const GENESIS: Hash = [0; 32];

/// The content of one stored event, as the chain seals it.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    /// `product`, `cart`, `order`, `coupon`, `account`.
    pub aggregate_type: &'a str,
    /// The aggregate's id.
    pub aggregate_id: &'a str,
    /// e.g. `OrderPaid`.
    pub event_type: &'a str,
    /// e.g. `1.0`.
    pub event_version: &'a str,
    /// The stored payload.
    pub payload: &'a Value,
    /// The stored metadata.
    pub metadata: &'a Value,
    /// The event's id.
    pub event_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// The content digest of an event.
pub fn content_hash(content: &Content<'_>) -> Hash {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(content.aggregate_type.as_bytes());
    field(content.aggregate_id.as_bytes());
    field(content.event_type.as_bytes());
    field(content.event_version.as_bytes());
    field(canonical_json(content.payload).as_bytes());
    field(canonical_json(content.metadata).as_bytes());
    field(content.event_id.as_bytes());
    field(&content.recorded_at.timestamp_micros().to_be_bytes());
    hasher.finalize().into()
}

/// Where a link puts an event, and its content digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkFields {
    /// The link's number, from 1, without gaps.
    pub link: i64,
    /// The event's global position.
    pub global_position: i64,
    /// The event's sequence in its stream.
    pub sequence: i64,
    /// Its [`content_hash`].
    pub content_hash: Hash,
}

/// The hash of a link following `prev`.
pub fn link_hash(prev: &Hash, fields: &LinkFields) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(fields.link.to_be_bytes());
    hasher.update(fields.global_position.to_be_bytes());
    hasher.update(fields.sequence.to_be_bytes());
    hasher.update(fields.content_hash);
    hasher.finalize().into()
}

/// A stored digest as a [`Hash`]; `None` when it does not have 32 bytes.
pub fn to_hash(bytes: &[u8]) -> Option<Hash> {
    bytes.try_into().ok()
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// `value` as canonical JSON: object keys sorted by their bytes, no insignificant whitespace,
/// strings and numbers as serde_json writes them. Independent of how the JSON was stored or
/// parsed (map ordering features included), so anyone holding a copy of the stored row (an
/// export, a backup) can recompute its digest. (Published envelopes carry payloads upcast to
/// the current version, not the stored bytes.)
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content<'a>(payload: &'a Value, metadata: &'a Value) -> Content<'a> {
        Content {
            aggregate_type: "order",
            aggregate_id: "o-1",
            event_type: "OrderPaid",
            event_version: "1.0",
            payload,
            metadata,
            event_id: Uuid::nil(),
            recorded_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).expect("time"),
        }
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_drops_whitespace() {
        let value: Value = serde_json::from_str(
            r#"{ "b": [1, {"z": null, "a": "x\"y"}], "a": {"d": 2.5, "c": true} }"#,
        )
        .expect("json");
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"c":true,"d":2.5},"b":[1,{"a":"x\"y","z":null}]}"#
        );
    }

    #[test]
    fn the_content_hash_changes_with_any_field_and_not_with_key_order() {
        let metadata = json!({"actor_id": "u", "actor_role": "customer"});
        let reordered = json!({"actor_role": "customer", "actor_id": "u"});
        let payload = json!({"OrderPaid": {"amount": 1}});
        let base = content_hash(&content(&payload, &metadata));
        assert_eq!(base, content_hash(&content(&payload, &reordered)));
        let edited = json!({"OrderPaid": {"amount": 2}});
        assert_ne!(base, content_hash(&content(&edited, &metadata)));
        let mut later = content(&payload, &metadata);
        later.recorded_at += chrono::Duration::microseconds(1);
        assert_ne!(base, content_hash(&later));
        // Length prefixes: moving a character between two fields changes the digest.
        let mut shifted = content(&payload, &metadata);
        shifted.aggregate_type = "orde";
        shifted.aggregate_id = "ro-1";
        assert_ne!(base, content_hash(&shifted));
    }

    #[test]
    fn a_link_hash_depends_on_its_predecessor_and_position() {
        let fields = LinkFields {
            link: 1,
            global_position: 7,
            sequence: 2,
            content_hash: [9; 32],
        };
        let first = link_hash(&GENESIS, &fields);
        assert_ne!(first, link_hash(&[1; 32], &fields));
        let moved = LinkFields {
            sequence: 3,
            ..fields
        };
        assert_ne!(first, link_hash(&GENESIS, &moved));
        assert_eq!(hex(&first).len(), 64);
        assert_eq!(to_hash(&first), Some(first));
        assert_eq!(to_hash(&[0; 31]), None);
    }
}
