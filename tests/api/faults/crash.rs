//! The whole engine (every role in one process) killed with SIGKILL under steady load, twice,
//! and restarted: every command it acknowledged is in the event store, every event reaches
//! JetStream once and every read model (equal to a fresh replay), and no order is left half
//! checked out — every order in the store was placed and confirmed in the commit that closed
//! its cart, and ends confirmed, paid or cancelled; stock reserved equals what the open orders
//! hold and the coupon's redemptions are exactly the open orders using it.
//!
//! The checks are `pub(super)`: the NATS outage test runs them too.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use commerce::store::{Loaded, Stores};
use commerce_aggregates::order::OrderStatus;
use futures_util::StreamExt;
use sqlx::PgPool;
use uuid::Uuid;

use super::engine::Engine;
use super::load::{route, Load, LoadSettings, Record, Shop};
use crate::helpers::TestDatabase;
use crate::nats_server::{stream_envelopes, NatsServer};
use crate::pipeline::{dump_read_models, projections_caught_up, stored_event_ids, wait_until};

/// Deadline of every wait: unacknowledged messages of a killed process come back after
/// JetStream's ack wait (30 s), and the machine is shared.
pub(super) const PATIENCE: Duration = Duration::from_secs(120);

/// True when no consumer of the stream has messages pending or unacknowledged.
async fn consumers_idle(js: &async_nats::jetstream::Context) -> bool {
    let Ok(stream) = js.get_stream("COMMERCE").await else {
        return false;
    };
    let names: Vec<_> = stream.consumer_names().collect().await;
    if names.is_empty() {
        return false;
    }
    for name in names {
        let Ok(name) = name else { return false };
        match stream.consumer_info(&name).await {
            Ok(info) if info.num_pending == 0 && info.num_ack_pending == 0 => {}
            _ => return false,
        }
    }
    true
}

/// The stream's last sequence (0 when unknown).
async fn last_sequence(js: &async_nats::jetstream::Context) -> u64 {
    match js.get_stream("COMMERCE").await {
        Ok(mut stream) => stream
            .info()
            .await
            .map(|i| i.state.last_sequence)
            .unwrap_or(0),
        Err(_) => 0,
    }
}

/// Waits until the engine is quiet: nothing left to publish, every consumer (projections,
/// mailer) idle, every projection caught up, every email sent — twice in a
/// row, with the stream unchanged in between.
pub(super) async fn settle(pool: &PgPool, nats: &NatsServer) {
    let js = nats.jetstream().await;
    let quiet_at = std::cell::Cell::new(None);
    wait_until("the engine to settle", PATIENCE, || {
        let (js, quiet_at) = (js.clone(), &quiet_at);
        async move {
            let pending_mail: i64 =
                sqlx::query_scalar("SELECT count(*) FROM emails WHERE status = 'pending'")
                    .fetch_one(pool)
                    .await
                    .unwrap_or(1);
            let quiet = commerce::relay::backlog(pool).await.unwrap_or(1) == 0
                && pending_mail == 0
                && consumers_idle(&js).await
                && projections_caught_up(pool).await
                && commerce::relay::backlog(pool).await.unwrap_or(1) == 0;
            let last = last_sequence(&js).await;
            let settled = quiet && quiet_at.get() == Some(last);
            quiet_at.set(quiet.then_some(last));
            if quiet && !settled {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            settled
        }
    })
    .await;
}

/// Every acknowledged command left an event carrying its request id (a retried checkout whose
/// earlier attempt had placed the order appends nothing: its order must then be placed); every
/// stored event is on the stream exactly once, in commit order. The number of events.
pub(super) async fn check_acknowledged_commands_stored(
    pool: &PgPool,
    nats: &NatsServer,
    record: &Record,
) -> usize {
    check_acknowledged_commands_counting_retries(pool, nats, record)
        .await
        .0
}

/// [`check_acknowledged_commands_stored`], also returning how many retried checkouts were
/// answered from the order their cut-off earlier attempt had placed (they append nothing).
pub(super) async fn check_acknowledged_commands_counting_retries(
    pool: &PgPool,
    nats: &NatsServer,
    record: &Record,
) -> (usize, usize) {
    let rows: Vec<(Option<String>, String, String)> =
        sqlx::query_as("SELECT metadata ->> 'request_id', aggregate_id, event_type FROM events")
            .fetch_all(pool)
            .await
            .expect("events");
    let mut by_request: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (request_id, aggregate_id, event_type) in rows {
        if let Some(request_id) = request_id {
            by_request
                .entry(request_id)
                .or_default()
                .push((aggregate_id, event_type));
        }
    }
    let placed: HashSet<String> = by_request
        .values()
        .flatten()
        .filter(|(_, t)| t == "OrderPlaced")
        .map(|(id, _)| id.clone())
        .collect();
    let mut missing = Vec::new();
    let mut eventless = 0;
    for ack in &record.acks {
        let Some(events) = by_request.get(&ack.request_id) else {
            let placed_before = ack.route == route::CHECKOUT
                && ack.retry
                && ack.id.as_ref().is_some_and(|id| placed.contains(id));
            if placed_before {
                eventless += 1;
            } else {
                missing.push(format!("{} {} ({:?})", ack.route, ack.request_id, ack.id));
            }
            continue;
        };
        // The events are about what the command answered with.
        let expected = match ack.route {
            route::CREATE_CART => Some("CartCreated"),
            route::CHECKOUT => Some("OrderPlaced"),
            route::PAY => Some("OrderPaid"),
            route::CANCEL => Some("OrderCancelled"),
            _ => None,
        };
        if let (Some(expected), Some(id)) = (expected, &ack.id) {
            assert!(
                events.iter().any(|(a, t)| a == id && t == expected),
                "{} {} answered {id} but stored {events:?}",
                ack.route,
                ack.request_id
            );
        }
    }
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );

    let stored = stored_event_ids(pool).await;
    let js = nats.jetstream().await;
    let published: Vec<Uuid> = stream_envelopes(&js, "COMMERCE")
        .await
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(
        published.len(),
        stored.len(),
        "each event on the stream once"
    );
    assert_eq!(
        published, stored,
        "the stream holds the store's events in commit order"
    );
    (stored.len(), eventless)
}

/// Rebuilds every read model with `replay` and compares it with the live one.
pub(super) async fn check_read_models_equal_replay(pool: &PgPool) {
    let live = dump_read_models(pool).await;
    for projection in commerce_projections::read_models::all(Default::default()) {
        commerce_projections::replay::replay(pool, projection.as_ref())
            .await
            .expect("replay succeeds");
    }
    let rebuilt = dump_read_models(pool).await;
    for (table, rows) in &live {
        assert_eq!(
            Some(rows),
            rebuilt.get(table),
            "{table}: live and replayed differ"
        );
    }
    assert_eq!(live.len(), rebuilt.len());
}

/// No order is left half checked out; returns the orders per status.
pub(super) async fn check_orders_settled(pool: &PgPool, shop: &Shop) -> BTreeMap<String, usize> {
    let stores = Stores::new(pool.clone(), 10);
    // Every order was placed and confirmed in the transaction that closed its cart.
    let apart: Vec<String> = sqlx::query_scalar(
        "SELECT o.aggregate_id FROM events o
          WHERE o.aggregate_type = 'order' AND o.event_type = 'OrderPlaced' AND NOT (
                EXISTS (SELECT 1 FROM events c WHERE c.event_type = 'CartCheckedOut'
                           AND c.payload -> 'CartCheckedOut' ->> 'order_id' = o.aggregate_id
                           AND c.commit_xid = o.commit_xid)
            AND EXISTS (SELECT 1 FROM events f WHERE f.aggregate_id = o.aggregate_id
                           AND f.event_type = 'OrderConfirmed' AND f.commit_xid = o.commit_xid))",
    )
    .fetch_all(pool)
    .await
    .expect("placed orders");
    assert!(
        apart.is_empty(),
        "orders not placed with their cart's checkout and confirmation: {apart:?}"
    );
    // Every closed cart placed its order.
    let orphans: Vec<String> = sqlx::query_scalar(
        "SELECT c.payload -> 'CartCheckedOut' ->> 'order_id' FROM events c
          WHERE c.event_type = 'CartCheckedOut' AND NOT EXISTS (
                SELECT 1 FROM events o WHERE o.aggregate_type = 'order'
                   AND o.aggregate_id = c.payload -> 'CartCheckedOut' ->> 'order_id'
                   AND o.event_type = 'OrderPlaced')",
    )
    .fetch_all(pool)
    .await
    .expect("checked-out carts");
    assert!(
        orphans.is_empty(),
        "carts closed without their order: {orphans:?}"
    );

    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT aggregate_id FROM events WHERE aggregate_type = 'order'",
    )
    .fetch_all(pool)
    .await
    .expect("orders");
    let mut statuses = BTreeMap::new();
    let mut held: HashMap<String, u32> = HashMap::new();
    let mut open_with_coupon = HashSet::new();
    let mut orders = Vec::new();
    for id in ids {
        let Loaded {
            aggregate: order, ..
        } = stores.orders.load(&id).await.expect("order loads");
        let status = order.status().expect("placed");
        *statuses
            .entry(format!("{status:?}").to_lowercase())
            .or_insert(0) += 1;
        let open = match status {
            OrderStatus::Confirmed | OrderStatus::Paid => true,
            OrderStatus::Cancelled => false,
            other => panic!("order {id} is {other:?} after settling"),
        };
        if open {
            for line in order.lines() {
                *held.entry(line.sku.clone()).or_insert(0) += line.quantity;
            }
            if order.coupon().is_some() {
                open_with_coupon.insert(order.order_id().expect("id"));
            }
        }
        orders.push((order, open));
    }
    for item in &shop.items {
        let Loaded {
            aggregate: product, ..
        } = stores
            .products
            .load(&item.product_id)
            .await
            .expect("product");
        let variant = product.variant(&item.sku).expect("variant");
        let holding = held.get(&item.sku).copied().unwrap_or(0);
        assert_eq!(
            variant.reserved, holding,
            "{}: reserved vs open orders",
            item.sku
        );
        for (order, open) in &orders {
            let id = order.order_id().expect("id");
            let has_line = order.lines().iter().any(|l| l.sku == item.sku);
            assert_eq!(
                product.reservation(id).is_some(),
                *open && has_line,
                "order {id} ({:?}) and its reservation of {}",
                order.status(),
                item.sku
            );
        }
    }
    let Loaded {
        aggregate: coupon, ..
    } = stores.coupons.load(&shop.coupon).await.expect("coupon");
    assert_eq!(
        coupon.redemption_count() as usize,
        open_with_coupon.len(),
        "redemptions vs open orders"
    );
    for id in &open_with_coupon {
        assert!(
            coupon.redemption(*id).is_some(),
            "order {id} holds a redemption"
        );
    }
    statuses
}

#[tokio::test]
async fn killing_the_engine_under_load_loses_no_acknowledged_command_and_no_order_halfway() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let mut engine = Engine::start(&db.url, &nats.url()).await;
    let shop = Shop::create(&engine, &LoadSettings::default()).await;
    let load = Load::start(&shop);
    let mut kills = 0;

    // Once mid-run.
    load.wait_for_acks(150, PATIENCE).await;
    engine.kill9();
    kills += 1;
    tokio::time::sleep(Duration::from_millis(500)).await;
    engine.restart().await;
    // Once right after a burst of checkouts.
    load.wait_for_checkouts(12, PATIENCE).await;
    engine.kill9();
    kills += 1;
    tokio::time::sleep(Duration::from_millis(500)).await;
    engine.restart().await;
    load.wait_for_acks(150, PATIENCE).await;
    let record = load.stop().await;

    let stopped_at = std::time::Instant::now();
    settle(&db.pool, &nats).await;
    let settled_in = stopped_at.elapsed();
    let (events, retried) =
        check_acknowledged_commands_counting_retries(&db.pool, &nats, &record).await;
    let statuses = check_orders_settled(&db.pool, &shop).await;
    let emails = super::nats_outage::check_emails(&db.pool, &engine).await;
    // A clean stop, then the read models against a replay with nothing running.
    let stopped = engine.stop().await.expect("engine was running");
    assert!(stopped.success(), "clean shutdown: {stopped}");
    check_read_models_equal_replay(&db.pool).await;

    let cut_off = record.failures.iter().filter(|f| f.status == 0).count();
    eprintln!(
        "faults::crash: {} commands acknowledged ({} checkouts, {} payments, {} cancels; {retried} \
         checkout retries answered from the order their cut-off attempt placed), \
         {} not acknowledged ({cut_off} without answer), {kills} SIGKILLs, settled {:.1} s \
         after the load stopped, {events} events checked in store, stream and read models, \
         orders {statuses:?}, emails {emails:?}, refusals {:?}",
        record.acks.len(),
        record.count(route::CHECKOUT),
        record.count(route::PAY),
        record.count(route::CANCEL),
        record.failures.len(),
        settled_in.as_secs_f64(),
        record.failure_summary(),
    );
}
