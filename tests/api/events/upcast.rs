//! Schema evolution: `StockAdjusted` is at version `2.0` (it gained `previous_on_hand`). An
//! event stored in the `1.0` shape — written here with SQL, as the engine wrote it before —
//! still loads into the aggregate, still projects (live through the relay, and in a replay),
//! and reaches every consumer in the current shape.

use std::time::Duration;

use commerce_aggregates::product::ProductEvent;
use commerce_projections::{read_models, replay};
use serde_json::{json, Value};

use super::{auditor, get_feed, insert_raw};
use crate::checkout::start_engine;
use crate::client::StockAdjustment;
use crate::fixtures::active_product;
use crate::nats_server::stream_envelopes;
use crate::pipeline::{dump_read_models, projections_caught_up, wait_until};
use crate::queries::get_json;

#[tokio::test]
async fn a_stock_adjusted_stored_as_1_0_still_loads_projects_and_is_served_as_2_0() {
    let engine = start_engine().await;
    let app = &engine.app;
    let admin = app.as_admin();
    let product = active_product(&admin, "OLD-1", 10).await;

    // The old shape: no `previous_on_hand`, version 1.0.
    let old = json!({"StockAdjusted": {
        "sku": "OLD-1", "adjustment": 5, "reason": "delivery", "on_hand": 15, "available": 15
    }});
    let mut tx = app.db.pool.begin().await.expect("begin");
    insert_raw(
        &mut tx,
        "product",
        &product,
        3,
        ("StockAdjusted", "1.0"),
        &old,
    )
    .await;
    tx.commit().await.expect("commit");
    let stored: (String, Value) = sqlx::query_as(
        "SELECT event_version, payload FROM events WHERE aggregate_id = $1 AND sequence = 3",
    )
    .bind(&product)
    .fetch_one(&app.db.pool)
    .await
    .expect("row");
    assert_eq!(stored, ("1.0".to_string(), old), "stored as written");

    // The aggregate loads it, upcast: its state has the adjusted stock...
    let events = app.stores.products.events(&product).await.expect("loads");
    assert_eq!(
        events[2].payload,
        ProductEvent::StockAdjusted {
            sku: "OLD-1".into(),
            adjustment: 5,
            reason: "delivery".into(),
            previous_on_hand: 10,
            on_hand: 15,
            available: 15,
        }
    );
    // Live: the relay publishes it, and the read models apply it (not dead-letter it).
    wait_until("read models caught up", Duration::from_secs(30), || async {
        projections_caught_up(&app.db.pool).await
    })
    .await;
    let (status, view) = get_json(
        app,
        &format!("/products/{product}?min_version=3"),
        Some(admin.token()),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["variants"][0]["on_hand"], 15, "{view}");
    let inventory: (i64, i64) =
        sqlx::query_as("SELECT on_hand, version FROM inventory_levels WHERE product_id = $1::uuid")
            .bind(&product)
            .fetch_one(&app.db.pool)
            .await
            .expect("inventory row");
    assert_eq!(inventory, (15, 3));

    // The next command starts from the upcast state (`previous_on_hand` 15, below).
    admin
        .adjust_stock(
            &product,
            "OLD-1",
            &StockAdjustment {
                adjustment: -2,
                reason: "breakage".into(),
            },
        )
        .await
        .command(200, 4);

    // Both reached the read models and JetStream, in the current shape.
    wait_until("read models caught up", Duration::from_secs(30), || async {
        projections_caught_up(&app.db.pool).await
    })
    .await;
    let (_, view) = get_json(
        app,
        &format!("/products/{product}?min_version=4"),
        Some(admin.token()),
    )
    .await;
    assert_eq!(view["variants"][0]["on_hand"], 13, "{view}");
    let js = engine.nats.jetstream().await;
    let published = stream_envelopes(&js, "COMMERCE").await;
    let adjusted: Vec<_> = published
        .iter()
        .filter(|e| e.event_type == "StockAdjusted")
        .collect();
    assert_eq!(adjusted.len(), 2);
    assert_eq!(adjusted[0].event_version, "2.0");
    assert_eq!(adjusted[0].payload["StockAdjusted"]["previous_on_hand"], 10);
    assert_eq!(adjusted[1].payload["StockAdjusted"]["previous_on_hand"], 15);

    // The HTTP feed serves the current version too.
    let (_, page) = get_feed(app, &auditor(app), "?types=StockAdjusted").await;
    let served = &page["events"][0];
    assert_eq!(served["event_version"], "2.0");
    assert_eq!(served["payload"]["StockAdjusted"]["previous_on_hand"], 10);

    // A replay from the event store rebuilds exactly the live read models.
    let live = dump_read_models(&app.db.pool).await;
    assert!(
        live["inventory_levels"]
            .iter()
            .any(|row| row.contains("\"on_hand\": 13")),
        "{live:?}"
    );
    for projection in read_models::all(app.config.inventory_levels) {
        replay::replay(&app.db.pool, projection.as_ref())
            .await
            .expect("replays");
    }
    assert_eq!(dump_read_models(&app.db.pool).await, live);
    let dead: i64 = sqlx::query_scalar("SELECT count(*) FROM projection_dead_letters")
        .fetch_one(&app.db.pool)
        .await
        .expect("dead letters");
    assert_eq!(dead, 0, "no projection gave up on the old event");
}
