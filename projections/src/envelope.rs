//! The message published for every stored event: its JetStream subject and JSON envelope.

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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
