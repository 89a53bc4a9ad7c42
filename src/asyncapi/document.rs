//! The AsyncAPI 3.0 document: one channel, message and receive operation per event type
//! (`commerce.<aggregate>.{aggregateId}.<EventType>`), the dead-letter channel, the envelope
//! and headers every message carries, and the payload schemas of the catalogue.

use serde_json::{json, Map, Value};

use super::{catalog, EventType, SCHEMAS_PATH};

const DESCRIPTION: &str = "\
Every change of the commerce engine is an event appended to its Postgres event store and \
published, in per-aggregate order and exactly once in effect, to the JetStream stream \
`COMMERCE` (subjects `commerce.>`). Each message body is the JSON envelope of one event; \
its `payload` is `{\"<EventType>\": {fields}}`. Subscribe with a subject filter: \
`commerce.order.>` (every order event), `commerce.*.*.OrderPlaced` (one type), \
`commerce.product.<id>.>` (one product).\n\n\
Delivery: `Nats-Msg-Id` is the event id, so JetStream drops a re-published duplicate; per \
aggregate, `sequence` grows by one without gaps. `global_position` is unique across the \
store.\n\n\
Without NATS: `GET /api/v1/events?after=<position>` pages the same envelopes in the same \
order, and `GET /api/v1/events/stream` tails them as server-sent events (admins and \
auditors).\n\n\
Versioning: an event type's payload changes shape only together with its `event_version` \
(`x-event-version` on each message; all `1.0` except where noted). Events stored in an older \
version are upcast when read, so every consumer (NATS, feed, stream) receives the current \
version. Adding an event type is not a breaking change; consumers ignore types they do not \
know. Projections that give up on an event after bounded retries copy its message to \
`deadletter.<projection>.<aggregate>.<aggregateId>.<EventType>` (stream \
`COMMERCE_DEADLETTER`).";

/// The AsyncAPI document, generated from the catalogue.
pub fn document() -> Value {
    let catalog = catalog();
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for event in &catalog.events {
        let id = event.name.clone();
        channels.insert(id.clone(), channel(event));
        operations.insert(
            format!("receive{id}"),
            json!({
                "action": "receive",
                "title": format!("Receive {id}"),
                "channel": {"$ref": format!("#/channels/{id}")},
                "messages": [{"$ref": format!("#/channels/{id}/messages/{id}")}],
            }),
        );
        messages.insert(id, message(event));
    }
    channels.insert("deadLetters".into(), dead_letter_channel());
    operations.insert(
        "receiveDeadLetters".into(),
        json!({
            "action": "receive",
            "title": "Receive dead-lettered events",
            "channel": {"$ref": "#/channels/deadLetters"},
            "messages": [{"$ref": "#/channels/deadLetters/messages/DeadLetter"}],
        }),
    );
    messages.insert("DeadLetter".into(), dead_letter_message());
    let mut schemas = catalog.schemas.clone();
    schemas.insert("Envelope".into(), envelope_schema());
    schemas.insert("MessageHeaders".into(), headers_schema());
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": "commerce events",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "servers": {
            "nats": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "The engine's NATS server (`NATS_URL`), JetStream enabled; \
                                stream `COMMERCE` (`NATS_STREAM`).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": schemas,
            "parameters": {
                "aggregateId": {
                    "description": "The aggregate's id: a UUID, a coupon's upper-case code, or a \
                                    category's or tag's slug (`.`, `*`, `>` and whitespace \
                                    become `_`).",
                },
                "projection": {
                    "description": "The projection that gave up (`catalog`, `carts`, `orders`, \
                                    `coupons`, `inventory`, `checkout`, `mailer`, …).",
                },
                "aggregateType": {
                    "description": "The aggregate type of the event.",
                    "enum": ["product", "cart", "order", "coupon", "category", "tag", "account",
                             "contact_message"],
                },
                "eventType": {"description": "The event type."},
            },
            "correlationIds": {
                "correlation": {
                    "description": "The request that started the chain of events.",
                    "location": "$message.payload#/metadata/correlation_id",
                }
            },
        },
    })
}

fn channel(event: &EventType) -> Value {
    json!({
        "address": format!("commerce.{}.{{aggregateId}}.{}", event.aggregate_type, event.name),
        "title": format!("{} ({})", event.name, event.aggregate_type),
        "description": event.description,
        "parameters": {"aggregateId": {"$ref": "#/components/parameters/aggregateId"}},
        "messages": {
            event.name.clone(): {"$ref": format!("#/components/messages/{}", event.name)}
        },
    })
}

fn message(event: &EventType) -> Value {
    json!({
        "name": event.name,
        "title": format!("{} (version {})", event.name, event.version),
        "summary": event.description,
        "contentType": "application/json",
        "headers": {"$ref": format!("#{SCHEMAS_PATH}/MessageHeaders")},
        "correlationId": {"$ref": "#/components/correlationIds/correlation"},
        "payload": {
            "allOf": [
                {"$ref": format!("#{SCHEMAS_PATH}/Envelope")},
                {
                    "type": "object",
                    "properties": {
                        "aggregate_type": {"const": event.aggregate_type},
                        "event_type": {"const": event.name},
                        "event_version": {"const": event.version},
                        "payload": {"$ref": format!("#{SCHEMAS_PATH}/{}", event.schema_name())},
                    },
                },
            ],
        },
        "x-aggregate-type": event.aggregate_type,
        "x-event-version": event.version,
    })
}

fn dead_letter_channel() -> Value {
    json!({
        "address": "deadletter.{projection}.{aggregateType}.{aggregateId}.{eventType}",
        "title": "Dead letters",
        "description": "Events a projection gave up on after `PROJECTION_MAX_DELIVER` \
                        deliveries (stream `COMMERCE_DEADLETTER`); the message is the original \
                        one. Also recorded in the table `projection_dead_letters`.",
        "parameters": {
            "projection": {"$ref": "#/components/parameters/projection"},
            "aggregateType": {"$ref": "#/components/parameters/aggregateType"},
            "aggregateId": {"$ref": "#/components/parameters/aggregateId"},
            "eventType": {"$ref": "#/components/parameters/eventType"},
        },
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
    })
}

fn dead_letter_message() -> Value {
    json!({
        "name": "DeadLetter",
        "title": "A dead-lettered event",
        "summary": "The envelope of the event the projection could not apply.",
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "properties": {
                "Nats-Msg-Id": {
                    "type": "string",
                    "description": "`<projection>:<event id>`: one dead letter per projection \
                                    and event.",
                }
            },
            "required": ["Nats-Msg-Id"],
        },
        "payload": {"$ref": format!("#{SCHEMAS_PATH}/Envelope")},
    })
}

/// The envelope every message body is (`commerce_eventlog::Envelope`).
pub(super) fn envelope_schema() -> Value {
    let text = |description: &str| json!({"type": "string", "description": description});
    json!({
        "type": "object",
        "description": "One stored event as published.",
        "properties": {
            "event_id": {"type": "string", "format": "uuid",
                         "description": "Stable identity of the event; the `Nats-Msg-Id`."},
            "aggregate_type": text("`product`, `cart`, `order`, `coupon` or `account`."),
            "aggregate_id": text("The aggregate's id (a UUID, a coupon code, or a slug)."),
            "sequence": {"type": "integer", "minimum": 1,
                         "description": "Position in the aggregate's stream, from 1, no gaps."},
            "global_position": {"type": "integer", "minimum": 1,
                                "description": "Unique position in the whole store; the \
                                                HTTP feed's `after` cursor."},
            "event_type": text("e.g. `OrderPlaced`: the last subject token."),
            "event_version": text("Payload version, e.g. `1.0`."),
            "recorded_at": {"type": "string", "format": "date-time",
                            "description": "When the event was stored."},
            "metadata": {
                "type": "object",
                "description": "Who and why.",
                "properties": {
                    "actor_id": text("The user (or `system:<name>`) that caused it."),
                    "actor_role": text("The actor's role."),
                    "correlation_id": text("The request that started the chain."),
                    "causation_id": text("What directly caused it."),
                    "request_id": text("The HTTP request id (`x-request-id`)."),
                },
                "required": ["actor_id", "actor_role", "correlation_id", "causation_id",
                             "request_id"],
                "additionalProperties": {"type": "string"},
            },
            "payload": {"type": "object",
                        "description": "The event: `{\"<EventType>\": {fields}}`."},
        },
        "required": ["event_id", "aggregate_type", "aggregate_id", "sequence",
                     "global_position", "event_type", "event_version", "recorded_at",
                     "metadata", "payload"],
    })
}

fn headers_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "Nats-Msg-Id": {
                "type": "string",
                "format": "uuid",
                "description": "The event id: JetStream drops a re-published duplicate within \
                                its duplicate window (10 minutes).",
            },
            "Nats-Expected-Last-Msg-Id": {
                "type": "string",
                "format": "uuid",
                "description": "Within a relay batch, the previous message's id: a message \
                                lost in a reconnect is never overtaken by its successors.",
            },
        },
        "required": ["Nats-Msg-Id"],
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use commerce_eventlog::Envelope;

    use super::*;

    #[test]
    fn the_envelope_schema_lists_exactly_the_envelope_fields() {
        let envelope = Envelope {
            event_id: uuid::Uuid::nil(),
            aggregate_type: "cart".into(),
            aggregate_id: "c".into(),
            sequence: 1,
            global_position: 1,
            event_type: "CartAbandoned".into(),
            event_version: "1.0".into(),
            recorded_at: chrono::Utc::now(),
            metadata: HashMap::new(),
            payload: json!({"CartAbandoned": {}}),
        };
        let serialised = serde_json::to_value(&envelope).expect("serialises");
        let mut fields: Vec<&String> = serialised.as_object().expect("object").keys().collect();
        fields.sort();
        let schema = envelope_schema();
        let mut documented: Vec<&String> = schema["properties"]
            .as_object()
            .expect("props")
            .keys()
            .collect();
        documented.sort();
        assert_eq!(fields, documented);
    }

    #[test]
    fn every_event_type_has_a_channel_message_and_operation() {
        let doc = document();
        assert_eq!(doc["asyncapi"], "3.0.0");
        for event in &catalog().events {
            let channel = &doc["channels"][&event.name];
            assert_eq!(
                channel["address"],
                format!(
                    "commerce.{}.{{aggregateId}}.{}",
                    event.aggregate_type, event.name
                )
            );
            assert!(doc["components"]["messages"][&event.name].is_object());
            assert!(doc["operations"][format!("receive{}", event.name)].is_object());
        }
        assert!(doc["channels"]["deadLetters"].is_object());
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(refs.len() > 100, "{}", refs.len());
        for reference in refs {
            let pointer = reference.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "dangling {reference}");
        }
    }

    fn collect_refs(value: &Value, refs: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("$ref", Value::String(r)) => refs.push(r.clone()),
                        _ => collect_refs(value, refs),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
            _ => {}
        }
    }
}
