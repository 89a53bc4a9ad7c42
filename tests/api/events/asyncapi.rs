//! `/asyncapi.json`: every event type of the catalogue has its channel, message and schema,
//! and the messages the engine really publishes validate against the documented schemas.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use super::schema_check::check;
use super::workload;
use crate::accounts::registered;
use crate::checkout::start_engine;
use crate::helpers::{spawn_app, TestApp};
use crate::nats_server::stream_len;
use crate::pipeline::wait_until;

/// The event catalogue as docs/events.md documents it, per aggregate.
pub const CATALOGUE: &[(&str, &[&str])] = &[
    (
        "product",
        &[
            "ProductCreated",
            "ProductDetailsUpdated",
            "VariantAdded",
            "VariantPriceChanged",
            "StockAdjusted",
            "StockReserved",
            "ReservationReleased",
            "ReservationCommitted",
            "ProductPublished",
            "ProductArchived",
            "LowStockThresholdCrossed",
            "TagLinked",
            "TagUnlinked",
            "ProductImageAdded",
            "ProductImageRemoved",
            "ProductImagesReordered",
        ],
    ),
    (
        "cart",
        &[
            "CartCreated",
            "ItemAdded",
            "ItemQuantityChanged",
            "ItemRemoved",
            "CouponApplied",
            "CouponRemoved",
            "ShippingAddressSet",
            "CartCheckedOut",
            "CartAbandoned",
            "CartClaimed",
            "CartMergedInto",
            "ItemsMerged",
        ],
    ),
    (
        "order",
        &[
            "OrderPlaced",
            "OrderConfirmed",
            "OrderRejected",
            "OrderPaid",
            "OrderShipped",
            "OrderDelivered",
            "OrderCancelled",
            "RefundRequested",
            "RefundFailed",
            "OrderRefunded",
            "ReturnRequested",
            "ReturnApproved",
            "ReturnRejected",
            "ReturnReceived",
            "OrderExpired",
        ],
    ),
    (
        "coupon",
        &[
            "CouponCreated",
            "CouponUpdated",
            "CouponDeactivated",
            "CouponRedeemed",
            "RedemptionReleased",
        ],
    ),
    (
        "store",
        &[
            "StoreCreated",
            "StoreUpdated",
            "StoreClosed",
            "StoreReopened",
        ],
    ),
    (
        "category",
        &[
            "CategoryCreated",
            "CategoryRenamed",
            "CategoryMoved",
            "CategoryDeleted",
        ],
    ),
    ("tag", &["TagCreated", "TagRenamed", "TagDeleted"]),
    (
        "account",
        &[
            "AccountRegistered",
            "EmailVerificationRequested",
            "EmailVerified",
            "PasswordResetRequested",
            "PasswordChanged",
            "RoleChanged",
            "NameChanged",
            "EmailChangeRequested",
            "EmailChanged",
            "AccountDeactivated",
            "AccountReactivated",
            "VerificationResent",
            "AddressAdded",
            "AddressUpdated",
            "AddressRemoved",
            "DefaultAddressChanged",
        ],
    ),
    (
        "contact_message",
        &["ContactMessageReceived", "ContactMessageResolved"],
    ),
];

async fn document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/asyncapi.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

#[tokio::test]
async fn the_document_describes_every_event_type_of_the_catalogue() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert_eq!(doc["asyncapi"], "3.0.0");
    let mut documented: BTreeSet<String> = BTreeSet::new();
    for (name, message) in doc["components"]["messages"].as_object().expect("messages") {
        if name != "DeadLetter" {
            documented.insert(name.clone());
            assert_eq!(message["contentType"], "application/json");
            assert!(message["headers"].is_object(), "{name}: headers");
        }
    }
    let mut catalogued = BTreeSet::new();
    for (aggregate, events) in CATALOGUE {
        for event in *events {
            catalogued.insert(event.to_string());
            let channel = &doc["channels"][event];
            assert_eq!(
                channel["address"],
                format!("commerce.{aggregate}.{{aggregateId}}.{event}"),
                "{event}"
            );
            let message = &doc["components"]["messages"][event];
            assert_eq!(message["x-aggregate-type"], *aggregate, "{event}");
            let payload = &doc["components"]["schemas"][format!("{event}Payload")];
            assert_eq!(payload["required"], serde_json::json!([event]), "{event}");
            assert!(
                doc["operations"][format!("receive{event}")].is_object(),
                "{event}"
            );
        }
    }
    assert_eq!(documented, catalogued, "messages = the catalogue");
    assert_eq!(
        doc["components"]["messages"]["StockAdjusted"]["x-event-version"],
        "2.0"
    );
    assert_eq!(
        doc["channels"]["deadLetters"]["address"],
        "deadletter.{projection}.{aggregateType}.{aggregateId}.{eventType}"
    );
    let headers = &doc["components"]["schemas"]["MessageHeaders"];
    assert_eq!(headers["required"], serde_json::json!(["Nats-Msg-Id"]));
    // Every field of a money amount is documented down to its type.
    let money = &doc["components"]["schemas"]["Money"];
    assert_eq!(money["properties"]["amount"]["type"], "integer");
}

#[tokio::test]
async fn every_published_message_validates_against_its_documented_schema() {
    let engine = start_engine().await;
    let app = &engine.app;
    workload::run(&app.stores, 0).await;
    registered(app, "asyncapi@example.com").await;
    let js = engine.nats.jetstream().await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    wait_until(
        "every event published",
        std::time::Duration::from_secs(30),
        || async {
            // Events stored after the count (the expiry sweep's): at least the stored ones.
            stream_len(&js, "COMMERCE").await >= stored as u64
        },
    )
    .await;
    let doc = document(app).await;
    let stream = js.get_stream("COMMERCE").await.expect("stream");
    let last = stream.get_info().await.expect("info").state.last_sequence;
    let mut seen = BTreeSet::new();
    for sequence in 1..=last {
        let message = stream.get_raw_message(sequence).await.expect("message");
        let body: Value = serde_json::from_slice(&message.payload).expect("json");
        let event_type = body["event_type"].as_str().expect("event_type").to_string();
        let schema = &doc["components"]["messages"][&event_type]["payload"];
        assert!(schema.is_object(), "{event_type} is not documented");
        if let Err(violation) = check(&doc, schema, &body, "$") {
            panic!("{event_type} does not match its schema: {violation}\n{body:#}");
        }
        let headers = message.headers;
        assert_eq!(
            headers.get("Nats-Msg-Id").map(|v| v.as_str().to_string()),
            body["event_id"].as_str().map(str::to_string),
            "Nats-Msg-Id is the event id"
        );
        seen.insert(event_type);
    }
    // The workload and a registration cover most of the catalogue.
    assert!(seen.len() >= 25, "{} types: {seen:?}", seen.len());
}
