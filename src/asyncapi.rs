//! The event catalogue and the AsyncAPI 3.0 document of the event streams (`/asyncapi.json`),
//! generated from the Rust event types: every event type's JSON Schema comes from
//! `schemars::JsonSchema` on the event enums (`ProductEvent`, `CartEvent`, `OrderEvent`,
//! `CouponEvent`, `StoreEvent`, `AccountEvent`) and the value types they contain, so the document cannot
//! drift from what the engine stores and publishes.
//!
//! The catalogue ([`catalog`]) is also what the HTTP event feed validates its `types` filter
//! against.

mod document;

use std::sync::OnceLock;

use commerce_aggregates::cart::CartEvent;
use commerce_aggregates::category::CategoryEvent;
use commerce_aggregates::contact::ContactEvent;
use commerce_aggregates::coupon::CouponEvent;
use commerce_aggregates::order::OrderEvent;
use commerce_aggregates::product::ProductEvent;
use commerce_aggregates::store::StoreEvent;
use commerce_aggregates::tag::TagEvent;
use commerce_aggregates::upcast::current_version;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::auth::events::{AccountEvent, AGGREGATE_TYPE as ACCOUNT, EVENT_VERSION};

pub use document::document;

/// Where schemas live in the document (`#/components/schemas/<Name>`).
const SCHEMAS_PATH: &str = "/components/schemas";

/// One event type of the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct EventType {
    /// The aggregate that records it (`product`, `cart`, `order`, `coupon`, `store`,
    /// `account`).
    pub aggregate_type: &'static str,
    /// Its name (`OrderPlaced`): the `event_type` column and the subject's last token.
    pub name: String,
    /// The payload version it is published in (older stored versions are upcast).
    pub version: &'static str,
    /// What it means (the variant's documentation).
    pub description: String,
    /// The schema of its payload, `{"<name>": {fields}}`, with `$ref`s into
    /// [`Catalog::schemas`].
    pub payload_schema: Value,
}

impl EventType {
    /// Name of its payload schema in `components/schemas` (`OrderPlacedPayload`).
    pub fn schema_name(&self) -> String {
        format!("{}Payload", self.name)
    }
}

/// Every event type the engine records, with the schemas they use.
#[derive(Debug)]
pub struct Catalog {
    /// Event types, grouped by aggregate, in declaration order.
    pub events: Vec<EventType>,
    /// Shared schemas (money, address, lines, the event enums…), by name.
    pub schemas: Map<String, Value>,
}

impl Catalog {
    /// The event type called `name`.
    pub fn get(&self, name: &str) -> Option<&EventType> {
        self.events.iter().find(|e| e.name == name)
    }

    /// Every event type's name, in catalogue order.
    pub fn names(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.name.as_str()).collect()
    }
}

/// The catalogue, generated once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(generate)
}

fn generate() -> Catalog {
    let mut settings = SchemaSettings::draft07().for_serialize();
    settings.definitions_path = SCHEMAS_PATH.into();
    settings.meta_schema = None;
    let mut generator = settings.into_generator();
    let enums = [
        ("product", enum_schema::<ProductEvent>(&mut generator)),
        ("cart", enum_schema::<CartEvent>(&mut generator)),
        ("order", enum_schema::<OrderEvent>(&mut generator)),
        ("coupon", enum_schema::<CouponEvent>(&mut generator)),
        ("store", enum_schema::<StoreEvent>(&mut generator)),
        ("category", enum_schema::<CategoryEvent>(&mut generator)),
        ("tag", enum_schema::<TagEvent>(&mut generator)),
        (ACCOUNT, enum_schema::<AccountEvent>(&mut generator)),
        (
            "contact_message",
            enum_schema::<ContactEvent>(&mut generator),
        ),
    ];
    let mut schemas = generator.take_definitions(true);
    let mut events = Vec::new();
    for (aggregate_type, enum_name) in enums {
        let Some(Value::Object(enum_schema)) = schemas.get_mut(&enum_name) else {
            continue;
        };
        let mut refs = Vec::new();
        for variant in variants(enum_schema) {
            let Some(name) = variant_name(&variant) else {
                continue;
            };
            let version = if aggregate_type == ACCOUNT {
                EVENT_VERSION
            } else {
                current_version(&name)
            };
            let description = variant
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let event = EventType {
                aggregate_type,
                name,
                version,
                description,
                payload_schema: variant,
            };
            refs.push(serde_json::json!({
                "$ref": format!("#{SCHEMAS_PATH}/{}", event.schema_name())
            }));
            events.push(event);
        }
        // The enum itself: one of its events' payloads.
        enum_schema.remove("anyOf");
        enum_schema.insert("oneOf".into(), Value::Array(refs));
    }
    for event in &events {
        schemas.insert(event.schema_name(), event.payload_schema.clone());
    }
    Catalog { events, schemas }
}

/// Adds `T`'s schema (and everything it uses) to the generator; its name.
fn enum_schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> String {
    generator.subschema_for::<T>();
    T::schema_name().into_owned()
}

/// The variants of an externally tagged enum's schema (`oneOf`, or `anyOf`).
fn variants(enum_schema: &Map<String, Value>) -> Vec<Value> {
    ["oneOf", "anyOf"]
        .iter()
        .filter_map(|key| enum_schema.get(*key).and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect()
}

/// The tag of one externally tagged variant: its only required property.
fn variant_name(variant: &Value) -> Option<String> {
    match variant.get("required")?.as_array()?.as_slice() {
        [Value::String(name)] => Some(name.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_aggregate_contributes_its_events_once() {
        let catalog = catalog();
        let mut names = catalog.names();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "event type names are unique");
        for aggregate in [
            "product",
            "cart",
            "order",
            "coupon",
            "store",
            "category",
            "tag",
            "account",
            "contact_message",
        ] {
            assert!(
                catalog.events.iter().any(|e| e.aggregate_type == aggregate),
                "{aggregate}"
            );
        }
        let adjusted = catalog.get("StockAdjusted").expect("StockAdjusted");
        assert_eq!(
            (adjusted.aggregate_type, adjusted.version),
            ("product", "2.0")
        );
        assert!(
            adjusted.payload_schema["properties"]["StockAdjusted"]["required"]
                .as_array()
                .expect("required fields")
                .contains(&Value::from("previous_on_hand"))
        );
        assert_eq!(catalog.get("OrderPlaced").expect("placed").version, "1.2");
        assert_eq!(catalog.get("CartCreated").expect("created").version, "1.2");
        assert!(catalog.get("CartClaimed").is_some() && catalog.get("ItemsMerged").is_some());
        assert_eq!(catalog.get("OrderPaid").expect("paid").version, "1.0");
    }

    #[test]
    fn shared_types_are_schemas_of_their_own() {
        let schemas = &catalog().schemas;
        for name in ["Money", "Currency", "Address", "OrderLine", "ProductEvent"] {
            assert!(schemas.contains_key(name), "{name}");
        }
        let money = &schemas["Money"];
        assert!(money["properties"]["amount"].is_object(), "{money}");
    }
}
