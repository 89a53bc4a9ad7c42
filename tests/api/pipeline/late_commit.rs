//! A transaction that takes its position early and commits late is published, before the
//! events committed after it, and per-aggregate order holds on the stream.

use std::collections::HashMap;
use std::time::Duration;

use commerce::app::Roles;
use commerce::store::Stores;
use uuid::Uuid;

use super::{start, stored_event_ids, wait_until, PATIENCE};
use crate::helpers::{admin_metadata, TestDatabase};
use crate::nats_server::{stream_envelopes, stream_len, NatsServer};
use crate::products::create_product;

async fn insert_raw_event(
    tx: &mut sqlx::PgConnection,
    aggregate_id: &str,
    sequence: i64,
    payload: &str,
) {
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('product', $1, $2, 'ProductPublished', '1.0', $3::jsonb,
                 '{\"actor_id\":\"test\",\"actor_role\":\"system\",\"correlation_id\":\"c\",\"causation_id\":\"c\",\"request_id\":\"r\"}')",
    )
    .bind(aggregate_id)
    .bind(sequence)
    .bind(payload)
    .execute(tx)
    .await
    .expect("raw insert");
}

/// Creates a product with one variant `sku` through `stores`; returns its id.
async fn new_product(stores: &Stores, sku: &str) -> String {
    let id = Uuid::new_v4();
    stores
        .products
        .execute(
            &id.to_string(),
            create_product(id, sku, 5),
            &admin_metadata(),
            None,
        )
        .await
        .expect("created");
    id.to_string()
}

#[tokio::test]
async fn a_late_committing_transaction_is_published_in_order() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let relay = start(&db, &nats.url(), Roles::RELAY).await;
    let js = nats.jetstream().await;

    // The late transaction takes its transaction id and global position first...
    let late_id = format!("late-{}", Uuid::new_v4());
    let mut late = db.pool.begin().await.expect("begin");
    insert_raw_event(&mut late, &late_id, 1, r#"{"ProductPublished":{}}"#).await;

    // ...then other transactions commit events after it.
    let mut later = Vec::new();
    for n in 0..5 {
        later.push(new_product(&relay.state.stores, &format!("LATE-{n}")).await);
    }
    // While it is open, nothing behind it may be published (it would be skipped forever).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(stream_len(&js, "COMMERCE").await, 0);

    insert_raw_event(&mut late, &late_id, 2, r#"{"ProductArchived":{}}"#).await;
    late.commit().await.expect("late commit");

    let stored = stored_event_ids(&db.pool).await;
    assert_eq!(stored.len(), 7);
    wait_until("every event published", PATIENCE, || async {
        stream_len(&js, "COMMERCE").await == stored.len() as u64
    })
    .await;
    let stream = stream_envelopes(&js, "COMMERCE").await;
    let ids: Vec<_> = stream.iter().map(|e| e.event_id).collect();
    assert_eq!(ids, stored);
    // The late events come first: commit-safe order, not commit-time order.
    assert_eq!(stream[0].aggregate_id, late_id);
    assert_eq!((stream[0].sequence, stream[1].sequence), (1, 2));
    assert!(stream[2..].iter().all(|e| later.contains(&e.aggregate_id)));
    // Per-aggregate sequences only grow along the stream.
    let mut last: HashMap<&str, u64> = HashMap::new();
    for envelope in &stream {
        let previous = last
            .insert(&envelope.aggregate_id, envelope.sequence)
            .unwrap_or(0);
        assert_eq!(
            envelope.sequence,
            previous + 1,
            "order of {}",
            envelope.aggregate_id
        );
    }
    relay.stop().await;
}

#[tokio::test]
async fn an_open_read_model_transaction_does_not_hold_publication_back() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let relay = start(&db, &nats.url(), Roles::RELAY).await;
    let js = nats.jetstream().await;

    // A projection batch's transaction: marked, holding a transaction id, left open.
    let mut batch = db.pool.begin().await.expect("begin");
    sqlx::query("SELECT set_config('application_name', $1, true)")
        .bind(commerce_projections::reader::READ_MODEL_TRANSACTION)
        .execute(&mut *batch)
        .await
        .expect("marked");
    sqlx::query(
        "INSERT INTO projection_positions (projection, aggregate_type, aggregate_id, last_sequence)
         VALUES ('test', 'product', 'open-batch', 1)",
    )
    .execute(&mut *batch)
    .await
    .expect("position written");

    new_product(&relay.state.stores, "BEHIND-BATCH").await;
    // Published while the batch is still open.
    let first = stored_event_ids(&db.pool).await.len() as u64;
    wait_until("the product published", PATIENCE, || async {
        stream_len(&js, "COMMERCE").await == first
    })
    .await;

    // Unmarked, the same open transaction holds the next event back.
    sqlx::query("SELECT set_config('application_name', 'someone else', true)")
        .execute(&mut *batch)
        .await
        .expect("unmarked");
    new_product(&relay.state.stores, "BEHIND-OTHER").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(stream_len(&js, "COMMERCE").await, first);
    batch.rollback().await.expect("rolled back");
    let all = stored_event_ids(&db.pool).await.len() as u64;
    assert!(all > first);
    wait_until("the second product published", PATIENCE, || async {
        stream_len(&js, "COMMERCE").await == all
    })
    .await;
    relay.stop().await;
}
