//! Guest carts through HTTP: a cart opened without a token answers a `Cart-Token`; a guest
//! fills it, checks out with an email (which receives the confirmation), and reads the order
//! and invoice with the token; a customer claims a guest cart (merged or adopted).

mod claim;

use reqwest::Method;
use sha2::{Digest, Sha256};

use crate::client::{AddItem, Client, Pay};
use crate::fixtures::{active_product, address, event_count, last_payload, unique_sku};
use crate::helpers::{spawn_app, TestApp};
use crate::mailer::{engine, mail_dir, message_to};

/// A guest cart: (its id, its token).
pub(crate) async fn guest_cart(app: &TestApp) -> (String, String) {
    let reply = app.anonymous().create_cart().await;
    let id = reply.command(201, 1);
    let token = reply.body["cart_token"]
        .as_str()
        .expect("cart_token")
        .to_string();
    (id, token)
}

/// A guest cart holding `quantity` × a new product's SKU, with an address, at version 3:
/// (cart, token, product, sku).
pub(crate) async fn ready_guest_cart(
    app: &TestApp,
    quantity: i64,
) -> (String, String, String, String) {
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 50).await;
    let (cart, token) = guest_cart(app).await;
    let guest = app.anonymous().with_cart_token(&token);
    guest
        .add_item(&cart, &AddItem::new(&product, &sku, quantity))
        .await
        .command(200, 2);
    guest.set_address(&cart, &address()).await.command(200, 3);
    (cart, token, product, sku)
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn guest<'a>(app: &'a TestApp, token: &str) -> Client<'a> {
    app.anonymous().with_cart_token(token)
}

#[tokio::test]
async fn a_cart_opened_without_a_token_is_a_guests_and_only_its_hash_is_recorded() {
    let app = spawn_app().await;

    let reply = app.anonymous().create_cart().await;

    let cart = reply.command(201, 1);
    let token = reply.body["cart_token"].as_str().expect("cart_token");
    assert_eq!(reply.header("cart-token"), Some(token));
    assert_eq!(token.len(), 64, "256 random bits, hex");
    let created = last_payload(&app, &cart, "CartCreated").await;
    assert_eq!(created["owner"]["kind"], "guest");
    assert_eq!(created["owner"]["token_hash"], sha256_hex(token));
    let stored: String = sqlx::query_scalar(
        "SELECT payload::text || metadata::text FROM events WHERE aggregate_id = $1",
    )
    .bind(&cart)
    .fetch_one(&app.db.pool)
    .await
    .expect("event");
    assert!(!stored.contains(token), "the token itself is never stored");
}

#[tokio::test]
async fn a_guest_fills_the_cart_with_its_token_and_another_token_is_told_nothing() {
    let app = spawn_app().await;
    let (cart, token, product, sku) = ready_guest_cart(&app, 2).await;
    let before = event_count(&app).await;

    let (_, other) = guest_cart(&app).await;
    let after_other_cart = event_count(&app).await;
    let item = AddItem::new(&product, &sku, 1);
    guest(&app, &other)
        .add_item(&cart, &item)
        .await
        .problem(404, "not_found");
    app.as_customer()
        .add_item(&cart, &item)
        .await
        .problem(404, "not_found");
    app.anonymous()
        .add_item(&cart, &item)
        .await
        .problem(401, "unauthorized");

    assert_eq!(event_count(&app).await, after_other_cart);
    assert_eq!(after_other_cart, before + 1);
    guest(&app, &token)
        .add_item(&cart, &item)
        .await
        .command(200, 4);
}

#[tokio::test]
async fn a_customers_cart_never_accepts_a_cart_token() {
    let app = spawn_app().await;
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 5).await;
    let customer = app.as_customer();
    let cart = customer.create_cart().await.command(201, 1);
    let (_, token) = guest_cart(&app).await;

    let reply = guest(&app, &token)
        .add_item(&cart, &AddItem::new(&product, &sku, 1))
        .await;

    reply.problem(404, "not_found");
}

#[tokio::test]
async fn a_guest_checkout_needs_a_valid_email_and_a_customer_sends_none() {
    let app = spawn_app().await;
    let (cart, token, _, _) = ready_guest_cart(&app, 1).await;
    let before = event_count(&app).await;

    guest(&app, &token)
        .checkout(&cart)
        .await
        .problem(422, "validation_failed");
    guest(&app, &token)
        .checkout_with_email(&cart, "not-an-address")
        .await
        .problem(422, "validation_failed");
    let unknown = serde_json::json!({"email": "a@example.com", "extra": 1});
    let reply = guest(&app, &token)
        .send_json(Method::POST, &format!("/carts/{cart}/checkout"), &unknown)
        .await;
    assert!(matches!(reply.status.as_u16(), 400 | 422), "{}", reply.text);
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 5).await;
    let customer = app.as_customer();
    let own = crate::fixtures::ready_cart(&customer, &product, &sku, 1).await;
    let mid = event_count(&app).await;
    customer
        .checkout_with_email(&own, "someone@example.com")
        .await
        .problem(422, "validation_failed");

    assert_eq!(event_count(&app).await, mid);
    assert_eq!(mid, before + 5, "only the customer's product and cart");
}

#[tokio::test]
async fn a_guest_buys_with_an_email_receives_the_confirmation_and_reads_the_order_with_the_token() {
    let dir = mail_dir();
    let engine = engine(&dir).await;
    let app = &engine.app;
    let (cart, token, _, _) = ready_guest_cart(app, 2).await;
    let email = format!("guest-{}@example.com", uuid::Uuid::new_v4().simple());

    let reply = guest(app, &token).checkout_with_email(&cart, &email).await;

    let order = reply.command(201, 2);
    let message = message_to(&dir, &email, "Thank you for your order").await;
    assert!(message.contains(&order), "{message}");
    let placed = last_payload(app, &order, "OrderPlaced").await;
    assert_eq!(placed["customer_id"], serde_json::Value::Null);
    assert_eq!(placed["guest_email"], email.as_str());

    let read = guest(app, &token).get_order_at(&order, 2).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["customer_id"], serde_json::Value::Null);
    assert_eq!(read.body["guest_email"], email.as_str());
    let invoice = guest(app, &token).invoice(&order).await;
    assert_eq!(invoice.status, 200, "{}", invoice.text);
    assert_eq!(invoice.body["customer"]["email"], email.as_str());

    let (_, other) = guest_cart(app).await;
    guest(app, &other)
        .get_order(&order)
        .await
        .problem(404, "not_found");
    guest(app, &other)
        .invoice(&order)
        .await
        .problem(404, "not_found");
    app.as_customer()
        .get_order(&order)
        .await
        .problem(404, "not_found");
    app.anonymous()
        .get_order(&order)
        .await
        .problem(401, "unauthorized");
    let admin = app.as_admin().get_order(&order).await;
    assert_eq!(admin.body["guest_email"], email.as_str(), "{}", admin.text);
}

#[tokio::test]
async fn a_guest_pays_its_order_with_the_token_and_nobody_else_can() {
    let app = spawn_app().await;
    let (cart, token, _, _) = ready_guest_cart(&app, 1).await;
    let order = guest(&app, &token)
        .checkout_with_email(&cart, "payer@example.com")
        .await
        .command(201, 2);
    let (_, other) = guest_cart(&app).await;

    guest(&app, &other)
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .problem(404, "not_found");
    app.as_customer()
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .problem(404, "not_found");
    guest(&app, &token)
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
}
