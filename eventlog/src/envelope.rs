//! The message published for every stored event: its JetStream subject and JSON envelope.
//!
//! Envelopes always carry the current version of their event's payload: one built from a
//! stored row goes through [`Envelope::upcast`], and decoding one from JSON (a message
//! published before the event type evolved, say) upcasts it too, through
//! [`commerce_aggregates::upcast`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Prefix of every subject the engine publishes.
pub const SUBJECT_PREFIX: &str = "commerce";

/// `commerce.<aggregate>.<aggregate_id>.<EventType>`, e.g.
/// `commerce.order.0b6c…​.OrderPlaced`.
///
/// Subject tokens cannot contain `.`, `*`, `>` or whitespace; the few aggregate ids that
/// could (coupon codes are `[A-Z0-9_-]`, the rest are UUIDs) are mapped to `_`.
pub fn subject(aggregate_type: &str, aggregate_id: &str, event_type: &str) -> String {
    format!(
        "{SUBJECT_PREFIX}.{}.{}.{}",
        token(aggregate_type),
        token(aggregate_id),
        token(event_type)
    )
}

/// The aggregate type a subject names (its second token), without decoding the message.
pub fn subject_aggregate_type(subject: &str) -> Option<&str> {
    subject
        .strip_prefix(SUBJECT_PREFIX)?
        .strip_prefix('.')?
        .split('.')
        .next()
}

fn token(raw: &str) -> String {
    if raw.is_empty() {
        return "_".into();
    }
    raw.chars()
        .map(|c| match c {
            '.' | '*' | '>' => '_',
            c if c.is_whitespace() => '_',
            c => c,
        })
        .collect()
}

/// The JSON body of every published message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredEnvelope")]
pub struct Envelope {
    /// Stable event identity; also the `Nats-Msg-Id` used for de-duplication.
    pub event_id: Uuid,
    /// `product`, `cart`, `order` or `coupon`.
    pub aggregate_type: String,
    /// The aggregate's id (a UUID, or a coupon code).
    pub aggregate_id: String,
    /// Position of the event in its aggregate's stream, from 1.
    pub sequence: u64,
    /// Position in the whole store (allocation order).
    pub global_position: i64,
    /// e.g. `OrderPlaced`.
    pub event_type: String,
    /// Payload schema version, e.g. `1.0`.
    pub event_version: String,
    /// When the event was stored.
    pub recorded_at: DateTime<Utc>,
    /// Actor id and role, correlation, causation and request ids.
    pub metadata: HashMap<String, String>,
    /// The event itself, as stored.
    pub payload: serde_json::Value,
}

impl Envelope {
    /// The subject this envelope is published on.
    pub fn subject(&self) -> String {
        subject(&self.aggregate_type, &self.aggregate_id, &self.event_type)
    }

    /// The same event with its payload brought to the current version of its event type
    /// (unchanged when it already is, or when no upcaster knows its version).
    pub fn upcast(self) -> Self {
        let current = commerce_aggregates::upcast::upcast(
            &self.event_type,
            &self.event_version,
            self.payload,
        );
        Self {
            event_version: current.version,
            payload: current.payload,
            ..self
        }
    }
}

/// An envelope as it was serialised, before upcasting; decoding goes through it.
#[derive(Deserialize)]
struct StoredEnvelope {
    event_id: Uuid,
    aggregate_type: String,
    aggregate_id: String,
    sequence: u64,
    global_position: i64,
    event_type: String,
    event_version: String,
    recorded_at: DateTime<Utc>,
    metadata: HashMap<String, String>,
    payload: serde_json::Value,
}

impl From<StoredEnvelope> for Envelope {
    fn from(stored: StoredEnvelope) -> Self {
        Envelope {
            event_id: stored.event_id,
            aggregate_type: stored.aggregate_type,
            aggregate_id: stored.aggregate_id,
            sequence: stored.sequence,
            global_position: stored.global_position,
            event_type: stored.event_type,
            event_version: stored.event_version,
            recorded_at: stored.recorded_at,
            metadata: stored.metadata,
            payload: stored.payload,
        }
        .upcast()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_names_its_aggregate_type() {
        let subject = subject("order", &Uuid::nil().to_string(), "OrderPlaced");
        assert_eq!(subject_aggregate_type(&subject), Some("order"));
        assert_eq!(subject_aggregate_type("elsewhere.order.x.Y"), None);
    }

    #[test]
    fn subjects_follow_the_documented_scheme() {
        let id = Uuid::nil().to_string();
        assert_eq!(
            subject("order", &id, "OrderPlaced"),
            format!("commerce.order.{id}.OrderPlaced")
        );
    }

    #[test]
    fn subject_tokens_never_contain_wildcards_or_separators() {
        assert_eq!(subject("coupon", "A.B *>", "X"), "commerce.coupon.A_B___.X");
        assert_eq!(subject("coupon", "", "X"), "commerce.coupon._.X");
    }

    #[test]
    fn envelope_round_trips_through_json() {
        let envelope = Envelope {
            event_id: Uuid::new_v4(),
            aggregate_type: "cart".into(),
            aggregate_id: Uuid::new_v4().to_string(),
            sequence: 3,
            global_position: 42,
            event_type: "ItemAdded".into(),
            event_version: "1.0".into(),
            recorded_at: Utc::now(),
            metadata: HashMap::from([("actor_role".to_string(), "customer".to_string())]),
            payload: serde_json::json!({"ItemAdded": {"sku": "CUP-W"}}),
        };
        let json = serde_json::to_string(&envelope).expect("serialises");
        let back: Envelope = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, envelope);
        assert!(envelope.subject().starts_with("commerce.cart."));
    }

    #[test]
    fn decoding_an_old_envelope_upcasts_its_payload() {
        let old = serde_json::json!({
            "event_id": Uuid::new_v4(), "aggregate_type": "product",
            "aggregate_id": Uuid::new_v4(), "sequence": 3, "global_position": 9,
            "event_type": "StockAdjusted", "event_version": "1.0",
            "recorded_at": Utc::now(), "metadata": {},
            "payload": {"StockAdjusted": {"sku": "MUG-1", "adjustment": 4, "reason": "delivery",
                        "on_hand": 9, "available": 9}}
        });
        let envelope: Envelope = serde_json::from_value(old).expect("deserialises");
        assert_eq!(envelope.event_version, "2.0");
        assert_eq!(envelope.payload["StockAdjusted"]["previous_on_hand"], 5);
        let event: commerce_aggregates::product::ProductEvent =
            serde_json::from_value(envelope.payload).expect("current shape");
        assert!(matches!(
            event,
            commerce_aggregates::product::ProductEvent::StockAdjusted { .. }
        ));
    }
}
