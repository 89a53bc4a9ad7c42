//! Audit: an order's history across streams, as-of views rebuilt from the events (HTTP and
//! `commerce audit order`), and the hash chain with `commerce audit verify` naming tampered
//! events. The full engine (HTTP, relay with the sealer, workers)
//! runs against a per-test nats-server where the pipeline matters.

mod as_of;
mod history;
mod verify;

use std::process::Output;
use std::time::Duration;

use commerce_aggregates::Role;
use serde_json::Value;
use uuid::Uuid;

use crate::client::{NewCoupon, Pay, Reply};
use crate::fixtures::{active_product, ready_cart};
use crate::helpers::TestApp;
use crate::pipeline::wait_until;

/// A customer's order, checked out with a coupon, and paid.
pub struct Purchase {
    /// The buyer.
    pub customer: Uuid,
    /// The buyer's token.
    pub token: String,
    /// The order.
    pub order: String,
    /// The product bought.
    pub product: String,
    /// Its SKU.
    pub sku: String,
}

/// Creates a product and the coupon `code` (10 %), then a customer checks out 2 units with
/// the coupon (confirmed in the checkout's commit) and pays with the `test` provider.
pub async fn paid_order(app: &TestApp, code: &str) -> Purchase {
    let admin = app.as_admin();
    let sku = format!("CUP-{}", Uuid::new_v4().simple());
    let product = active_product(&admin, &sku, 10).await;
    admin
        .create_coupon(&NewCoupon {
            max_redemptions: Some(10),
            ..NewCoupon::percent(code, 10)
        })
        .await
        .command(201, 1);
    let purchase = checked_out(app, &product, &sku, Some(code)).await;
    app.with_token(&purchase.token)
        .pay(&purchase.order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
    purchase
}

/// A new customer checks out 2 × `sku` (with `coupon`); the order is confirmed (version 2).
pub async fn checked_out(
    app: &TestApp,
    product: &str,
    sku: &str,
    coupon: Option<&str>,
) -> Purchase {
    let client = app.as_role(Role::Customer);
    let cart = ready_cart(&client, product, sku, 2).await;
    if let Some(code) = coupon {
        client.apply_coupon(&cart, code).await.command(200, 4);
    }
    let reply = client.checkout(&cart).await;
    let order = reply.command(201, 2);
    assert_eq!(reply.body["status"], "confirmed", "{}", reply.text);
    Purchase {
        customer: client.user(),
        token: client.token().to_string(),
        order,
        product: product.to_string(),
        sku: sku.to_string(),
    }
}

/// `GET path` with `token`.
pub async fn get(app: &TestApp, path: &str, token: &str) -> Reply {
    app.with_token(token).send(reqwest::Method::GET, path).await
}

/// `GET orders/{order}/history` as `token`, asserting 200; its events.
pub async fn history(app: &TestApp, order: &str, token: &str) -> Vec<Value> {
    let reply = get(app, &format!("/orders/{order}/history"), token).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["order_id"], order);
    reply.body["events"].as_array().expect("events").clone()
}

/// The first event of `history` of `event_type`.
pub fn event<'a>(history: &'a [Value], event_type: &str) -> &'a Value {
    history
        .iter()
        .find(|e| e["event_type"] == event_type)
        .unwrap_or_else(|| panic!("no {event_type} in {history:#?}"))
}

/// Rows in the events table.
pub async fn stored_events(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

/// Waits until the sealer has sealed every stored event.
pub async fn wait_sealed(app: &TestApp) {
    wait_until("every event sealed", Duration::from_secs(30), || async {
        let sealed: i64 = sqlx::query_scalar("SELECT count(*) FROM event_chain")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        sealed == stored_events(app).await
    })
    .await;
}

/// Runs `statements` in one transaction with the append-only triggers of `events` and
/// `event_chain` disabled, as someone with the table owner's rights could.
pub async fn tamper(app: &TestApp, statements: &[&str]) {
    let mut tx = app.db.pool.begin().await.expect("tx");
    for sql in [
        "ALTER TABLE events DISABLE TRIGGER events_append_only",
        "ALTER TABLE event_chain DISABLE TRIGGER event_chain_append_only",
    ]
    .iter()
    .chain(statements)
    .chain(&[
        "ALTER TABLE events ENABLE TRIGGER events_append_only",
        "ALTER TABLE event_chain ENABLE TRIGGER event_chain_append_only",
    ]) {
        sqlx::query(sql).execute(&mut *tx).await.expect(sql);
    }
    tx.commit().await.expect("commit");
}

/// Runs the `commerce` binary with `args` against the test's database.
pub async fn commerce(app: &TestApp, args: &[&str]) -> Output {
    let url = app.db.url.clone();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_commerce"))
            .args(&args)
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("commerce runs")
    })
    .await
    .expect("joined")
}

/// Its standard output and error, as text.
pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}
