//! Schema evolution: stored events keep the shape they were written in (the store is
//! append-only), and every reader upcasts them to the current version on the way in.
//!
//! An event type's payload changes shape only together with its `event_version`
//! ([`cqrs_es::DomainEvent::event_version`]); each change ships one step here that turns the
//! previous version's payload into the next. Steps chain, so a `1.0` event reaches the current
//! version through every step in between. Readers:
//!
//! - aggregate loads through cqrs-es ([`event_upcasters`], registered on the engine's
//!   `PersistedEventStore`s);
//! - everything built on stored rows or published envelopes (relay, replay, projections, the
//!   HTTP event feed) through [`upcast`].
//!
//! | event | version | change |
//! |---|---|---|
//! | `StockAdjusted` | `2.0` | adds `previous_on_hand` (`on_hand − adjustment`) |
//! | `OrderCancelled` | `1.1` | adds `refund_id` (null): a `1.0` cancellation's refund was counted with it |
//! | `OrderRefunded` | `1.1` | adds `refund_id` and `provider_reference` (null) and `lines` (empty): a `1.0` refund was of the whole total |
//! | `ProductCreated`, `CartCreated`, `OrderPlaced` | `1.1` | adds `store`: `"default"`, the store of everything recorded before stores |
//! | `CartCreated` | `1.2` | `customer_id` becomes `owner` `{"kind": "customer", "customer_id"}`: carts before guest carts were customers' |
//! | `OrderPlaced` | `1.2` | adds `guest_email` (null): orders before guest checkout were customers' |
//!
//! A payload a step cannot read (not the documented old shape) is left as it is: decoding it
//! then fails with the real reason instead of a half-upcast event.

use cqrs_es::persist::{EventUpcaster, SerializedEvent};
use serde_json::Value;

use crate::cart::CART_CREATED_VERSION;
use crate::order::{ORDER_CANCELLED_VERSION, ORDER_PLACED_VERSION, ORDER_REFUNDED_VERSION};
use crate::product::{PRODUCT_CREATED_VERSION, STOCK_ADJUSTED_VERSION};
use crate::store::DEFAULT_STORE;

/// The version of the first payload shape of every event type.
pub const INITIAL_VERSION: &str = "1.0";

/// The version `event_type` is written in today (`1.0` unless it evolved).
pub fn current_version(event_type: &str) -> &'static str {
    STEPS
        .iter()
        .rev()
        .find(|step| step.event_type == event_type)
        .map_or(INITIAL_VERSION, |step| step.to)
}

/// One change of an event type's payload, from `from` to `to`.
struct Step {
    event_type: &'static str,
    from: &'static str,
    to: &'static str,
    /// The new payload (the whole `{"<EventType>": {...}}` document), or `None` when the old
    /// one is not the documented shape.
    apply: fn(&Value) -> Option<Value>,
}

/// Every step, oldest first per event type.
const STEPS: &[Step] = &[
    Step {
        event_type: "StockAdjusted",
        from: "1.0",
        to: STOCK_ADJUSTED_VERSION,
        apply: stock_adjusted_v2,
    },
    Step {
        event_type: "OrderCancelled",
        from: "1.0",
        to: ORDER_CANCELLED_VERSION,
        apply: order_cancelled_v1_1,
    },
    Step {
        event_type: "OrderRefunded",
        from: "1.0",
        to: ORDER_REFUNDED_VERSION,
        apply: order_refunded_v1_1,
    },
    Step {
        event_type: "ProductCreated",
        from: "1.0",
        to: PRODUCT_CREATED_VERSION,
        apply: into_default_store,
    },
    Step {
        event_type: "CartCreated",
        from: "1.0",
        to: "1.1",
        apply: into_default_store,
    },
    Step {
        event_type: "CartCreated",
        from: "1.1",
        to: CART_CREATED_VERSION,
        apply: cart_created_v1_2,
    },
    Step {
        event_type: "OrderPlaced",
        from: "1.0",
        to: "1.1",
        apply: into_default_store,
    },
    Step {
        event_type: "OrderPlaced",
        from: "1.1",
        to: ORDER_PLACED_VERSION,
        apply: order_placed_v1_2,
    },
];

/// True when a stored `event_type` at `event_version` is older than the current version and
/// a step knows how to bring it forward.
pub fn needs_upcast(event_type: &str, event_version: &str) -> bool {
    STEPS
        .iter()
        .any(|step| step.event_type == event_type && step.from == event_version)
}

/// A stored event's payload brought to the current version of its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Upcast {
    /// The version the payload now has.
    pub version: String,
    /// The payload in that version's shape.
    pub payload: Value,
}

/// The payload of a stored `event_type` event of `event_version`, brought to the current
/// version. Current, unknown and unreadable events come back unchanged.
pub fn upcast(event_type: &str, event_version: &str, payload: Value) -> Upcast {
    let mut version = event_version.to_string();
    let mut payload = payload;
    while let Some(step) = STEPS
        .iter()
        .find(|step| step.event_type == event_type && step.from == version)
    {
        match (step.apply)(&payload) {
            Some(next) => {
                payload = next;
                version = step.to.to_string();
            }
            None => break,
        }
    }
    Upcast { version, payload }
}

/// `StockAdjusted` `1.0` → `2.0`: `previous_on_hand = on_hand − adjustment`.
fn stock_adjusted_v2(payload: &Value) -> Option<Value> {
    let fields = payload.get("StockAdjusted")?.as_object()?;
    let on_hand = fields.get("on_hand")?.as_i64()?;
    let adjustment = fields.get("adjustment")?.as_i64()?;
    let previous = u32::try_from(on_hand.checked_sub(adjustment)?).ok()?;
    let mut fields = fields.clone();
    fields.insert("previous_on_hand".into(), Value::from(previous));
    Some(serde_json::json!({ "StockAdjusted": fields }))
}

/// `OrderCancelled` `1.0` → `1.1`: no refund through the provider.
fn order_cancelled_v1_1(payload: &Value) -> Option<Value> {
    let mut fields = payload.get("OrderCancelled")?.as_object()?.clone();
    fields.insert("refund_id".into(), Value::Null);
    Some(serde_json::json!({ "OrderCancelled": fields }))
}

/// `OrderRefunded` `1.0` → `1.1`: the refund of the whole total, without an id, a provider
/// reference or lines.
fn order_refunded_v1_1(payload: &Value) -> Option<Value> {
    let fields = payload.get("OrderRefunded")?.as_object()?;
    let mut fields = fields.clone();
    fields.insert("refund_id".into(), Value::Null);
    fields.insert("provider_reference".into(), Value::Null);
    fields.insert("lines".into(), Value::Array(Vec::new()));
    Some(serde_json::json!({ "OrderRefunded": fields }))
}

/// `ProductCreated`, `CartCreated` and `OrderPlaced` `1.0` → `1.1`: recorded before stores,
/// so in the default store.
fn into_default_store(payload: &Value) -> Option<Value> {
    let (event_type, fields) = payload.as_object()?.iter().next()?;
    let mut fields = fields.as_object()?.clone();
    fields.insert("store".into(), Value::from(DEFAULT_STORE));
    Some(serde_json::json!({ event_type.as_str(): fields }))
}

/// `CartCreated` `1.1` → `1.2`: the cart of `customer_id`, recorded before guest carts.
fn cart_created_v1_2(payload: &Value) -> Option<Value> {
    let mut fields = payload.get("CartCreated")?.as_object()?.clone();
    let customer_id = fields.remove("customer_id")?;
    fields.insert(
        "owner".into(),
        serde_json::json!({"kind": "customer", "customer_id": customer_id}),
    );
    Some(serde_json::json!({ "CartCreated": fields }))
}

/// `OrderPlaced` `1.1` → `1.2`: a customer's order, without a guest email.
fn order_placed_v1_2(payload: &Value) -> Option<Value> {
    let mut fields = payload.get("OrderPlaced")?.as_object()?.clone();
    fields.insert("guest_email".into(), Value::Null);
    Some(serde_json::json!({ "OrderPlaced": fields }))
}

/// [`upcast`] as a cqrs-es upcaster, for `PersistedEventStore::with_upcasters`.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredEventUpcaster;

impl EventUpcaster for StoredEventUpcaster {
    fn can_upcast(&self, event_type: &str, event_version: &str) -> bool {
        needs_upcast(event_type, event_version)
    }

    fn upcast(&self, event: SerializedEvent) -> SerializedEvent {
        let current = upcast(&event.event_type, &event.event_version, event.payload);
        SerializedEvent {
            event_version: current.version,
            payload: current.payload,
            ..event
        }
    }
}

/// The upcasters every event store of the engine registers.
pub fn event_upcasters() -> Vec<Box<dyn EventUpcaster>> {
    vec![Box::new(StoredEventUpcaster)]
}

#[cfg(test)]
mod tests {
    use cqrs_es::DomainEvent;
    use serde_json::json;

    use super::*;
    use crate::product::ProductEvent;

    fn v1() -> Value {
        json!({"StockAdjusted": {
            "sku": "MUG-1", "adjustment": -3, "reason": "breakage", "on_hand": 7, "available": 5
        }})
    }

    #[test]
    fn stock_adjusted_1_0_gains_previous_on_hand() {
        let Upcast { version, payload } = upcast("StockAdjusted", "1.0", v1());
        assert_eq!(version, "2.0");
        let event: ProductEvent = serde_json::from_value(payload).expect("current shape");
        assert_eq!(
            event,
            ProductEvent::StockAdjusted {
                sku: "MUG-1".into(),
                adjustment: -3,
                reason: "breakage".into(),
                previous_on_hand: 10,
                on_hand: 7,
                available: 5,
            }
        );
        assert_eq!(event.event_version(), current_version("StockAdjusted"));
    }

    #[test]
    fn order_refunded_1_0_is_a_refund_of_the_whole_total_without_id_or_lines() {
        let old = json!({"OrderRefunded": {
            "amount": {"amount": 2999, "currency": "USD"}, "reason": "damaged",
            "refunded_at": "2026-11-30T10:00:00Z"
        }});
        assert!(serde_json::from_value::<crate::order::OrderEvent>(old.clone()).is_err());
        let Upcast { version, payload } = upcast("OrderRefunded", "1.0", old);
        assert_eq!(version, current_version("OrderRefunded"));
        match serde_json::from_value(payload).expect("current shape") {
            crate::order::OrderEvent::OrderRefunded {
                amount,
                refund_id,
                provider_reference,
                lines,
                ..
            } => {
                assert_eq!(amount.minor, 2999);
                assert_eq!((refund_id, provider_reference), (None, None));
                assert!(lines.is_empty());
            }
            other => panic!("not a refund: {other:?}"),
        }
    }

    #[test]
    fn the_old_shape_does_not_decode_without_the_upcaster() {
        assert!(serde_json::from_value::<ProductEvent>(v1()).is_err());
    }

    #[test]
    fn current_unknown_and_unreadable_events_are_left_alone() {
        let current = json!({"StockAdjusted": {"sku": "X", "previous_on_hand": 1}});
        assert_eq!(
            upcast("StockAdjusted", "2.0", current.clone()),
            Upcast {
                version: "2.0".into(),
                payload: current
            }
        );
        let other = json!({"ProductPublished": {}});
        assert_eq!(
            upcast("ProductPublished", "1.0", other.clone()),
            Upcast {
                version: "1.0".into(),
                payload: other
            }
        );
        let broken = json!({"StockAdjusted": {"sku": "X"}});
        assert_eq!(
            upcast("StockAdjusted", "1.0", broken.clone()),
            Upcast {
                version: "1.0".into(),
                payload: broken
            }
        );
        let negative = json!({"StockAdjusted": {"on_hand": 1, "adjustment": 5}});
        assert_eq!(
            upcast("StockAdjusted", "1.0", negative.clone()).version,
            "1.0"
        );
    }

    #[test]
    fn events_recorded_before_stores_are_the_default_stores() {
        let product = json!({"ProductCreated": {
            "product_id": "8d0c5a44-5b6e-4f0e-9a57-0b0c8f6f2b11",
            "details": {"name": "Mug", "description": "", "category": "kitchen", "tags": [],
                        "images": []},
            "low_stock_threshold": 5,
            "variants": [{"sku": "MUG-1", "options": {},
                          "price": {"amount": 900, "currency": "USD"}, "stock": 3}]
        }});
        let Upcast { version, payload } = upcast("ProductCreated", "1.0", product);
        assert_eq!(version, "1.1");
        let event: ProductEvent = serde_json::from_value(payload).expect("current shape");
        let ProductEvent::ProductCreated { store, .. } = event else {
            panic!("a ProductCreated");
        };
        assert_eq!(store, DEFAULT_STORE);

        let cart = json!({"CartCreated": {"cart_id": "8d0c5a44-5b6e-4f0e-9a57-0b0c8f6f2b11",
            "customer_id": "8d0c5a44-5b6e-4f0e-9a57-0b0c8f6f2b12", "currency": "EUR"}});
        let Upcast { version, payload } = upcast("CartCreated", "1.0", cart);
        assert_eq!(version, crate::cart::CART_CREATED_VERSION);
        assert_eq!(payload["CartCreated"]["store"], DEFAULT_STORE);
        assert_eq!(payload["CartCreated"]["currency"], "EUR");
        assert!(serde_json::from_value::<crate::cart::CartEvent>(payload).is_ok());
    }

    #[test]
    fn carts_and_orders_recorded_before_guests_are_customers() {
        let customer = "8d0c5a44-5b6e-4f0e-9a57-0b0c8f6f2b12";
        let cart = json!({"CartCreated": {"cart_id": "8d0c5a44-5b6e-4f0e-9a57-0b0c8f6f2b11",
            "customer_id": customer, "currency": "EUR", "store": "outlet"}});
        let Upcast { version, payload } = upcast("CartCreated", "1.1", cart);
        assert_eq!(version, "1.2");
        let event: crate::cart::CartEvent = serde_json::from_value(payload).expect("current");
        let crate::cart::CartEvent::CartCreated { owner, store, .. } = event else {
            panic!("a CartCreated");
        };
        assert_eq!(
            owner.customer_id().map(|id| id.to_string()).as_deref(),
            Some(customer)
        );
        assert_eq!(store, "outlet");

        let old = json!({"CartCreated": {"cart_id": "8d0c5a44-5b6e-4f0e-9a57-0b0c8f6f2b11",
            "customer_id": customer, "currency": "EUR"}});
        let Upcast { version, payload } = upcast("CartCreated", "1.0", old);
        assert_eq!(version, "1.2");
        assert_eq!(payload["CartCreated"]["owner"]["customer_id"], customer);
        assert_eq!(payload["CartCreated"]["store"], DEFAULT_STORE);

        let placed = json!({"OrderPlaced": {"customer_id": customer, "store": "outlet"}});
        let Upcast { version, payload } = upcast("OrderPlaced", "1.1", placed);
        assert_eq!(version, "1.2");
        assert_eq!(payload["OrderPlaced"]["guest_email"], Value::Null);
        assert_eq!(payload["OrderPlaced"]["customer_id"], customer);
    }

    #[test]
    fn versions_are_known_per_event_type() {
        assert_eq!(current_version("StockAdjusted"), "2.0");
        assert_eq!(current_version("OrderPlaced"), "1.2");
        assert_eq!(current_version("CartCreated"), "1.2");
        assert_eq!(current_version("OrderConfirmed"), "1.0");
        assert_eq!(current_version("OrderRefunded"), "1.1");
        assert_eq!(current_version("OrderCancelled"), "1.1");
        let old = serde_json::json!({"OrderCancelled": {"reason": "r", "refund": null,
            "by": "customer", "cancelled_at": "2026-11-30T10:00:00Z"}});
        let Upcast { payload, .. } = upcast("OrderCancelled", "1.0", old);
        assert!(serde_json::from_value::<crate::order::OrderEvent>(payload).is_ok());
        assert!(needs_upcast("StockAdjusted", "1.0"));
        assert!(!needs_upcast("StockAdjusted", "2.0"));
        assert!(needs_upcast("OrderPlaced", "1.0"));
        assert!(!needs_upcast("OrderConfirmed", "1.0"));
    }

    #[test]
    fn the_cqrs_upcaster_rewrites_version_and_payload() {
        let upcaster = StoredEventUpcaster;
        assert!(upcaster.can_upcast("StockAdjusted", "1.0"));
        let event = SerializedEvent::new(
            "p-1".into(),
            4,
            "product".into(),
            "StockAdjusted".into(),
            "1.0".into(),
            v1(),
            json!({}),
        );
        let upcast = upcaster.upcast(event);
        assert_eq!(upcast.event_version, "2.0");
        assert_eq!(upcast.payload["StockAdjusted"]["previous_on_hand"], 10);
        assert_eq!(upcast.sequence, 4);
    }
}
