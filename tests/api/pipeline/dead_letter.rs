//! An event a projection cannot apply is retried a bounded number of times, then
//! dead-lettered (subject, table) and skipped; other aggregates are applied meanwhile.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use commerce::app::Roles;
use commerce_aggregates::product::{NewVariant, ProductDetails, ProductEvent};
use commerce_aggregates::{Currency, Money};
use commerce_projections::stream::{ensure_streams, StreamSettings};
use commerce_projections::Envelope;
use uuid::Uuid;

use super::{start_with, wait_until, PATIENCE};
use crate::helpers::TestDatabase;
use crate::nats_server::{stream_len, NatsServer};

fn envelope(aggregate_id: Uuid, event_type: &str, payload: serde_json::Value) -> Envelope {
    Envelope {
        event_id: Uuid::new_v4(),
        aggregate_type: "product".into(),
        aggregate_id: aggregate_id.to_string(),
        sequence: 1,
        global_position: 1,
        event_type: event_type.into(),
        event_version: "1.0".into(),
        recorded_at: Utc::now(),
        metadata: HashMap::new(),
        payload,
    }
}

#[tokio::test]
async fn a_poison_event_is_dead_lettered_without_blocking_other_aggregates() {
    let nats = NatsServer::start().await;
    let js = nats.jetstream().await;
    let settings = StreamSettings::default();
    ensure_streams(&js, &settings).await.expect("streams");

    let (poisoned, healthy) = (Uuid::new_v4(), Uuid::new_v4());
    let valid = ProductEvent::ProductCreated {
        product_id: healthy,
        details: ProductDetails {
            name: "Teapot".into(),
            description: "Cast iron".into(),
            category: "kitchen".into(),
            tags: vec![],
            images: vec![],
        },
        low_stock_threshold: 2,
        variants: vec![NewVariant {
            sku: "POT-1".into(),
            options: BTreeMap::new(),
            price: Money::new(3900, Currency::parse("USD").expect("valid")),
            stock: 5,
        }],
        store: "default".into(),
    };
    for message in [
        envelope(
            poisoned,
            "ProductCreated",
            serde_json::json!({"NoSuchEvent": {}}),
        ),
        envelope(
            healthy,
            "ProductCreated",
            serde_json::to_value(&valid).expect("json"),
        ),
    ] {
        let payload = serde_json::to_vec(&message).expect("serialises");
        js.publish(message.subject(), payload.into())
            .await
            .expect("publish")
            .await
            .expect("stored");
    }

    let db = TestDatabase::create().await;
    let workers = start_with(
        &db,
        &nats.url(),
        Roles::WORKER,
        &[("PROJECTION_MAX_DELIVER", "2")],
    )
    .await;
    wait_until("the healthy product in the catalog", PATIENCE, || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM catalog_products WHERE id = $1")
            .bind(healthy)
            .fetch_one(&db.pool)
            .await
            .expect("count")
            == 1
    })
    .await;
    // Both product projections (catalog, inventory) give up on the poisoned event.
    wait_until("two dead letters", PATIENCE, || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM projection_dead_letters WHERE aggregate_id = $1",
        )
        .bind(poisoned.to_string())
        .fetch_one(&db.pool)
        .await
        .expect("count")
            == 2
    })
    .await;
    let deliveries: Vec<i64> =
        sqlx::query_scalar("SELECT deliveries FROM projection_dead_letters ORDER BY projection")
            .fetch_all(&db.pool)
            .await
            .expect("rows");
    assert_eq!(deliveries, [2, 2], "bounded by PROJECTION_MAX_DELIVER");
    assert_eq!(stream_len(&js, &settings.dead_letter_name()).await, 2);
    // The aggregate moved past it: its later events are not blocked.
    let position: i64 = sqlx::query_scalar(
        "SELECT last_sequence FROM projection_positions WHERE projection = 'catalog' AND aggregate_id = $1",
    )
    .bind(poisoned.to_string())
    .fetch_one(&db.pool)
    .await
    .expect("position");
    assert_eq!(position, 1);
    workers.stop().await;
}
