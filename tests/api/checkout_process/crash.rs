//! The checkout process killed after each step in turn (`CHECKOUT_FAULT`, a real
//! `commerce worker` process that aborts) and restarted in-process: every order ends
//! confirmed or rejected, no reservation or redemption is left without a live order, and
//! no command took effect twice.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use commerce::app::Roles;
use commerce::http::Api;
use commerce_aggregates::order::OrderStatus;
use commerce_aggregates::Role;
use serde_json::json;
use uuid::Uuid;

use super::order_of_cart;
use crate::commands::{active_product, admin, post, post_empty, put, ready_cart};
use crate::helpers::{spawn_app_with_roles, TestApp};
use crate::nats_server::NatsServer;
use crate::pipeline::{start, wait_until};

/// Long enough for the JetStream redelivery of the unacknowledged message (ack wait 30 s).
const PATIENCE: Duration = Duration::from_secs(90);

/// Two products, each order takes 1 of the first and 2 of the second with coupon `ONCE`.
struct Catalog {
    products: [(String, String); 2],
}

/// A customer's cart of 1 × first product and 2 × second, with the coupon; the cart id.
async fn cart_with_coupon(app: &TestApp, catalog: &Catalog) -> (String, String) {
    let (_, token) = app.token(Role::Customer);
    let [(p1, s1), (p2, s2)] = &catalog.products;
    let cart = ready_cart(app, &token, p1, s1, 1).await;
    post(
        app,
        &format!("/carts/{cart}/items"),
        &token,
        &json!({"product_id": p2, "sku": s2, "quantity": 2}),
    )
    .await
    .command(200, 4);
    put(
        app,
        &format!("/carts/{cart}/coupon"),
        &token,
        &json!({"code": "ONCE"}),
    )
    .await
    .command(200, 5);
    (token, cart)
}

/// Runs a `commerce worker` with `CHECKOUT_FAULT=step` until it aborts.
async fn crash_worker(app: &TestApp, nats_url: &str, step: &str) {
    let mut worker = Command::new(env!("CARGO_BIN_EXE_commerce"))
        .arg("worker")
        .env("DATABASE_URL", &app.db.url)
        .env("NATS_URL", nats_url)
        .env("HTTP_ADDR", "127.0.0.1:0")
        .env("CHECKOUT_FAULT", step)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("worker process starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = worker.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > PATIENCE {
            worker.kill().ok();
            panic!("the faulty worker never reached {step}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // SIGABRT: the fault fired (not a startup error).
    assert_eq!(status.signal(), Some(6), "aborted at {step}: {status:?}");
}

/// Event rows that appear more than once for one (event type, aggregate, order).
async fn duplicated_effects(app: &TestApp) -> Vec<(String, String, String, i64)> {
    sqlx::query_as(
        "SELECT event_type, aggregate_id,
                coalesce(payload -> event_type ->> 'order_id', aggregate_id), count(*)
           FROM events
          WHERE event_type IN ('StockReserved', 'ReservationReleased', 'CouponRedeemed',
                               'RedemptionReleased', 'OrderConfirmed', 'OrderRejected')
          GROUP BY 1, 2, 3 HAVING count(*) > 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("event counts")
}

async fn killed_at(step: &str) {
    let nats = NatsServer::start().await;
    let url = nats.url();
    // HTTP and relay here; the checkout process runs only in the worker processes.
    let roles = Roles {
        http: Some(Api::Both),
        relay: true,
        workers: false,
    };
    let app = spawn_app_with_roles(
        &[("NATS_URL", url.as_str()), ("CHECKOUT_WAIT_MS", "100")],
        roles,
    )
    .await;
    let admin = admin(&app);
    let mut products = Vec::new();
    for _ in 0..2 {
        let sku = format!("CRASH-{}", Uuid::new_v4().simple());
        products.push((active_product(&app, &admin, &sku, 10).await, sku));
    }
    let catalog = Catalog {
        products: products.try_into().expect("two products"),
    };
    post(
        &app,
        "/coupons",
        &admin,
        &json!({"code": "ONCE", "discount": {"percent": 10}, "max_redemptions": 1}),
    )
    .await
    .command(201, 1);
    // The first order processed reserves, redeems and confirms; the second reserves, finds
    // the coupon exhausted, releases and is rejected: every step is reached.
    let mut orders = Vec::new();
    for _ in 0..2 {
        let (token, cart) = cart_with_coupon(&app, &catalog).await;
        let reply = post_empty(&app, &format!("/carts/{cart}/checkout"), &token).await;
        assert!(
            [201, 202, 409].contains(&reply.status.as_u16()),
            "{}",
            reply.text
        );
        orders.push(order_of_cart(&app, &cart).await);
    }

    crash_worker(&app, &url, step).await;

    let worker = start(&app.db, &url, Roles::WORKER).await;
    let statuses = || async {
        let mut statuses = Vec::new();
        for order in &orders {
            let (order, _) = app
                .stores
                .orders
                .load(&order.to_string())
                .await
                .expect("order");
            statuses.push(order.status());
        }
        statuses
    };
    wait_until("every order decided", PATIENCE, || async {
        statuses().await.iter().all(|s| {
            matches!(
                s,
                Some(OrderStatus::Confirmed) | Some(OrderStatus::Rejected)
            )
        })
    })
    .await;
    let statuses = statuses().await;
    let confirmed: Vec<Uuid> = orders
        .iter()
        .zip(&statuses)
        .filter(|(_, s)| **s == Some(OrderStatus::Confirmed))
        .map(|(o, _)| *o)
        .collect();
    let rejected: Vec<Uuid> = orders
        .iter()
        .zip(&statuses)
        .filter(|(_, s)| **s == Some(OrderStatus::Rejected))
        .map(|(o, _)| *o)
        .collect();
    assert_eq!((confirmed.len(), rejected.len()), (1, 1), "{step}");
    let (rejected_order, _) = app
        .stores
        .orders
        .load(&rejected[0].to_string())
        .await
        .expect("order");
    assert_eq!(
        rejected_order.rejection().map(|r| r.code()),
        Some("coupon_exhausted"),
        "{step}"
    );

    for ((product, sku), quantity) in catalog.products.iter().zip([1u32, 2]) {
        let (aggregate, _) = app.stores.products.load(product).await.expect("product");
        for order in &rejected {
            assert!(
                aggregate.reservation(*order).is_none(),
                "{step}: rejected {order} holds {sku}"
            );
        }
        for order in &confirmed {
            let lines = aggregate
                .reservation(*order)
                .expect("confirmed holds stock");
            assert_eq!(lines.len(), 1, "{step}");
            assert_eq!(
                (&lines[0].sku, lines[0].quantity),
                (sku, quantity),
                "{step}"
            );
        }
        let variant = aggregate.variant(sku).expect("variant");
        assert_eq!(
            variant.reserved, quantity,
            "{step}: reserved units of {sku}"
        );
    }
    let (coupon, _) = app.stores.coupons.load("ONCE").await.expect("coupon");
    assert_eq!(coupon.redemption_count(), 1, "{step}");
    assert!(coupon.redemption(confirmed[0]).is_some(), "{step}");
    assert!(coupon.redemption(rejected[0]).is_none(), "{step}");
    assert_eq!(
        duplicated_effects(&app).await,
        vec![],
        "{step}: applied twice"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_after_reserving_the_checkout_converges() {
    killed_at("after-reserve").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_after_redeeming_the_checkout_converges() {
    killed_at("after-redeem").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_after_releasing_the_checkout_converges() {
    killed_at("after-release").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_before_confirming_the_checkout_converges() {
    killed_at("before-confirm").await;
}
