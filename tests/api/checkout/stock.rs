//! 200 customers race for 10 units: exactly 10 orders confirmed, the rest refused with
//! `out_of_stock` (their carts open, nothing of theirs written), and the event store, the
//! aggregate and the read model agree.

use commerce::store::Loaded;
use std::collections::HashSet;
use std::time::Duration;

use uuid::Uuid;

use super::{cart_is_open, check_out_all, quantile, reserved_orders, shoppers, start_engine};
use crate::fixtures::active_product;
use crate::pipeline::{projections_caught_up, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_checkouts_for_ten_units_confirm_exactly_ten() {
    let engine = start_engine().await;
    let app = &engine.app;
    let sku = format!("HOT-{}", Uuid::new_v4().simple());
    let product = active_product(&app.as_admin(), &sku, 10).await;
    let shoppers = shoppers(app, 200, &product, &sku, None).await;

    let (replies, latencies, elapsed) = check_out_all(&shoppers).await;

    let mut confirmed = HashSet::new();
    let mut refused = 0;
    for (reply, shopper) in replies.iter().zip(&shoppers) {
        match reply.status.as_u16() {
            201 => {
                assert_eq!(reply.body["status"], "confirmed", "{}", reply.text);
                let location = reply.headers.get("location").expect("Location");
                let id = reply.body["id"].as_str().expect("order id");
                assert_eq!(location, &format!("/api/v1/orders/{id}"));
                confirmed.insert(id.parse::<Uuid>().expect("uuid"));
            }
            409 => {
                reply.problem(409, "out_of_stock");
                let detail = reply.body["detail"].as_str().unwrap_or_default();
                assert!(detail.contains(&sku), "{}", reply.text);
                assert!(cart_is_open(app, &shopper.cart).await, "refused, closed");
                refused += 1;
            }
            _ => panic!("unexpected answer {}", reply.text),
        }
    }
    let decided = replies.len() as f64 / elapsed.as_secs_f64();
    eprintln!(
        "checkout throughput: 200 concurrent checkouts (10 units) decided in {elapsed:.3?}: \
         {} confirmed, {refused} refused; {decided:.1} decided orders/s, {:.1} confirmed orders/s; \
         latency p50 {:.1?}, p99 {:.1?}",
        confirmed.len(),
        confirmed.len() as f64 / elapsed.as_secs_f64(),
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.99),
    );
    assert_eq!(confirmed.len(), 10);
    assert_eq!(refused, 190);

    // The aggregate: nothing left, ten held.
    let Loaded { aggregate, .. } = app.stores.products.load(&product).await.expect("product");
    let variant = aggregate.variant(&sku).expect("variant");
    assert_eq!(variant.available(), 0);
    assert_eq!(variant.reserved, 10);
    assert_eq!(variant.on_hand, 10);

    // The event store: exactly ten reservations and ten orders, all confirmed.
    let reserved = reserved_orders(app, &product).await;
    assert_eq!(reserved.len(), 10);
    assert_eq!(reserved.iter().copied().collect::<HashSet<_>>(), confirmed);
    let placed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'OrderPlaced'")
            .fetch_one(&app.db.pool)
            .await
            .expect("orders placed");
    assert_eq!(placed, 10);

    // The read model, once every projection caught up.
    let pool = app.db.pool.clone();
    wait_until("projections caught up", Duration::from_secs(30), || {
        projections_caught_up(&pool)
    })
    .await;
    let available: i64 = sqlx::query_scalar(
        "SELECT available FROM catalog_variants WHERE product_id = $1::uuid AND sku = $2",
    )
    .bind(&product)
    .bind(&sku)
    .fetch_one(&app.db.pool)
    .await
    .expect("catalog variant");
    assert_eq!(available, 0);

    // The stream carries exactly the stored reservations, once each.
    wait_until(
        "an empty relay backlog",
        Duration::from_secs(30),
        || async { commerce::relay::backlog(&pool).await.expect("backlog") == 0 },
    )
    .await;
    let js = engine.nats.jetstream().await;
    let streamed: Vec<Uuid> = crate::nats_server::stream_envelopes(&js, "COMMERCE")
        .await
        .into_iter()
        .filter(|e| e.aggregate_id == product && e.event_type == "StockReserved")
        .map(|e| {
            e.payload["StockReserved"]["order_id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .expect("order id")
        })
        .collect();
    assert_eq!(streamed.len(), 10);
    assert_eq!(streamed.into_iter().collect::<HashSet<_>>(), confirmed);
}
