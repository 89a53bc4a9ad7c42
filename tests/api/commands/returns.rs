//! Returns through HTTP: requested by the owner of a delivered order, approved or rejected
//! and received by an admin (restocked when asked, the units' share refunded through the
//! `test` provider), listed per order and across orders; refused outside the window, before
//! delivery, twice, and for bad input, writing nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{Client, Ship};
use crate::fixtures::{event_count, events_of_type, last_payload, paid_order};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::queries::refresh_one;

/// A delivered order (2 units of one SKU, 29.99 paid): its customer, id and SKU.
async fn delivered(app: &TestApp) -> (Client<'_>, String, String) {
    let (customer, order) = paid_order(app).await;
    let admin = app.as_admin();
    admin
        .ship(
            &order,
            &Ship {
                carrier: "DHL".into(),
                tracking_number: "JD1".into(),
            },
        )
        .await
        .command(200, 4);
    admin.deliver(&order).await.command(200, 5);
    let placed = last_payload(app, &order, "OrderPlaced").await;
    let sku = placed["lines"][0]["sku"].as_str().expect("sku").to_string();
    (customer, order, sku)
}

fn return_of(sku: &str, quantity: u32) -> Value {
    json!({"lines": [{"sku": sku, "quantity": quantity}], "reason": "too small"})
}

async fn ask(customer: &Client<'_>, order: &str, body: &Value) -> crate::client::Reply {
    customer
        .send_json(Method::POST, &format!("/orders/{order}/returns"), body)
        .await
}

async fn step(app: &TestApp, return_id: &str, step: &str, body: Value) -> crate::client::Reply {
    app.as_admin()
        .send_json(Method::POST, &format!("/returns/{return_id}/{step}"), &body)
        .await
}

/// On-hand stock of the variant `sku` of order `order`'s product.
async fn on_hand(app: &TestApp, order: &str, sku: &str) -> u32 {
    let placed = last_payload(app, order, "OrderPlaced").await;
    let product = placed["lines"][0]["product_id"].as_str().expect("product");
    let loaded = app.stores.products.load(product).await.expect("product");
    loaded.aggregate.variant(sku).expect("variant").on_hand
}

#[tokio::test]
async fn a_return_goes_from_request_to_refund_and_its_units_back_to_stock() {
    let app = spawn_app().await;
    let (customer, order, sku) = delivered(&app).await;
    let stock = on_hand(&app, &order, &sku).await;

    let requested = ask(&customer, &order, &return_of(&sku, 1)).await;
    assert_eq!(requested.status.as_u16(), 201, "{}", requested.text);
    let return_id = requested.body["return_id"]
        .as_str()
        .expect("id")
        .to_string();
    let approved = step(&app, &return_id, "approve", json!(null)).await;
    assert_eq!(approved.status.as_u16(), 200, "{}", approved.text);
    let received = step(&app, &return_id, "receive", json!({"restock": true})).await;

    assert_eq!(received.status.as_u16(), 200, "{}", received.text);
    assert_eq!(received.body["id"], order.as_str());
    assert_eq!(received.body["refund_id"], return_id.as_str());
    assert_eq!(on_hand(&app, &order, &sku).await, stock + 1);
    let refunded = last_payload(&app, &order, "OrderRefunded").await;
    assert_eq!(refunded["refund_id"], return_id.as_str());
    assert_eq!(refunded["amount"]["amount"], 1499);
    assert_eq!(refunded["lines"][0]["quantity"], 1);

    refresh_one(&app.db.pool, "orders").await;
    let listed = customer
        .send(Method::GET, &format!("/orders/{order}/returns"))
        .await;
    assert_eq!(listed.body[0]["status"], "received", "{}", listed.text);
    assert_eq!(listed.body[0]["restocked"], true);
    let all = app
        .as_admin()
        .send(Method::GET, "/returns?status=received")
        .await;
    assert_eq!(all.body["total"], 1, "{}", all.text);
    assert_eq!(all.body["items"][0]["order_id"], order.as_str());
    assert_eq!(all.body["items"][0]["return_id"], return_id.as_str());
    customer
        .send(Method::GET, "/returns")
        .await
        .problem(403, "forbidden");
}

#[tokio::test]
async fn a_return_received_without_restock_leaves_the_stock_and_is_refunded_once() {
    let app = spawn_app().await;
    let (customer, order, sku) = delivered(&app).await;
    let stock = on_hand(&app, &order, &sku).await;
    let return_id = ask(&customer, &order, &return_of(&sku, 2)).await.body["return_id"]
        .as_str()
        .expect("id")
        .to_string();
    step(&app, &return_id, "approve", json!(null)).await;

    let received = step(&app, &return_id, "receive", json!({"restock": false})).await;
    let again = step(&app, &return_id, "receive", json!({"restock": false})).await;

    assert_eq!(received.status.as_u16(), 200, "{}", received.text);
    assert_eq!(again.status.as_u16(), 200, "{}", again.text);
    assert_eq!(on_hand(&app, &order, &sku).await, stock);
    assert_eq!(events_of_type(&app, "ReturnReceived").await, 1);
    assert_eq!(events_of_type(&app, "OrderRefunded").await, 1);
    let order_status: String = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE aggregate_id = $1 ORDER BY sequence DESC LIMIT 1",
    )
    .bind(&order)
    .fetch_one(&app.db.pool)
    .await
    .expect("last event");
    assert_eq!(order_status, "OrderRefunded");
}

#[tokio::test]
async fn a_rejected_return_cannot_be_received_and_frees_its_units() {
    let app = spawn_app().await;
    let (customer, order, sku) = delivered(&app).await;
    let return_id = ask(&customer, &order, &return_of(&sku, 2)).await.body["return_id"]
        .as_str()
        .expect("id")
        .to_string();

    let rejected = step(&app, &return_id, "reject", json!({"reason": "worn"})).await;

    assert_eq!(rejected.status.as_u16(), 200, "{}", rejected.text);
    step(&app, &return_id, "receive", json!({"restock": true}))
        .await
        .problem(409, "invalid_return_state");
    assert_eq!(events_of_type(&app, "OrderRefunded").await, 0);
    let again = ask(&customer, &order, &return_of(&sku, 2)).await;
    assert_eq!(again.status.as_u16(), 201, "{}", again.text);
}

#[tokio::test]
async fn only_a_delivered_order_within_the_window_can_be_returned() {
    let app = spawn_app().await;
    let (customer, order) = paid_order(&app).await;
    ask(&customer, &order, &return_of("ANY", 1))
        .await
        .problem(409, "invalid_state");

    let closed = spawn_app_with(&[("RETURN_WINDOW_DAYS", "0")]).await;
    let (customer, order, sku) = delivered(&closed).await;
    ask(&customer, &order, &return_of(&sku, 1))
        .await
        .problem(409, "return_window_closed");
}

#[tokio::test]
async fn bad_returns_are_problems_and_write_nothing() {
    let app = spawn_app().await;
    let (customer, order, sku) = delivered(&app).await;
    let before = event_count(&app).await;

    for body in [
        json!([]),
        json!({"lines": [], "reason": "none"}),
        json!({"lines": [{"sku": "NOPE", "quantity": 1}], "reason": "not a line"}),
        json!({"lines": [{"sku": sku, "quantity": 0}], "reason": "no units"}),
        json!({"lines": [{"sku": sku, "quantity": 1}], "reason": ""}),
        json!({"lines": [{"sku": sku, "quantity": 1}], "reason": "x", "extra": true}),
    ] {
        let reply = ask(&customer, &order, &body).await;
        assert_eq!(reply.status.as_u16(), 422, "{body}: {}", reply.text);
    }
    ask(&customer, &order, &return_of(&sku, 3))
        .await
        .problem(409, "return_quantity_exceeded");
    ask(&app.as_customer(), &order, &return_of(&sku, 1))
        .await
        .problem(404, "not_found");
    let unknown = uuid::Uuid::new_v4().to_string();
    step(&app, &unknown, "approve", json!(null))
        .await
        .problem(404, "return_not_found");
    customer
        .send(Method::POST, &format!("/returns/{unknown}/approve"))
        .await
        .problem(403, "forbidden");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_received_returns_refund_counts_in_the_analytics_of_its_day() {
    let app = spawn_app().await;
    let (customer, order, sku) = delivered(&app).await;
    let return_id = ask(&customer, &order, &return_of(&sku, 1)).await.body["return_id"]
        .as_str()
        .expect("id")
        .to_string();
    step(&app, &return_id, "approve", json!(null)).await;
    step(&app, &return_id, "receive", json!({"restock": true})).await;
    refresh_one(&app.db.pool, "analytics").await;

    let today = chrono::Utc::now().date_naive();
    let range = format!("from={}&to={today}", today - chrono::Duration::days(1));
    let admin = app.as_admin();
    let sales = admin
        .send(Method::GET, &format!("/admin/analytics/sales?{range}"))
        .await;
    let products = admin
        .send(Method::GET, &format!("/admin/analytics/products?{range}"))
        .await;

    let totals = &sales.body["currencies"][0]["totals"];
    assert_eq!(totals["refunded_orders"], 1, "{}", sales.text);
    assert_eq!(totals["refunds"]["amount"], 1499, "{}", sales.text);
    let product = &products.body["currencies"][0]["products"][0];
    assert_eq!(product["sku"], sku.as_str(), "{}", products.text);
    assert_eq!(product["units_refunded"], 1, "{}", products.text);
    assert_eq!(product["net_units"], 1, "{}", products.text);
}
