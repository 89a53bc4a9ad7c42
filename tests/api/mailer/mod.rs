//! The mailer end to end: events → `emails` outbox (exactly once) → `.eml` files in a
//! per-test `MAIL_DIR` (here) or a real SMTP server ([`smtp`]), and the `GET admin/emails`
//! log. HTTP, relay and workers run against a per-test nats-server.

mod smtp;
mod smtp_server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use commerce::mailer::{MailSettings, MailerProcess};
use commerce_aggregates::Role;
use commerce_projections::{Envelope, EventHandler};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::accounts::{logged_in, registered};
use crate::checkout::{start_engine_with, Engine};
use crate::fixtures::{active_product, ready_cart, unique_sku};
use crate::guests::ready_guest_cart;
use crate::helpers::{spawn_app, TestApp};

/// A fresh, empty mail directory.
pub(crate) fn mail_dir() -> PathBuf {
    std::env::temp_dir().join(format!("commerce-mail-{}", Uuid::new_v4().simple()))
}

/// The engine writing its emails to `dir`.
pub(crate) async fn engine(dir: &Path) -> Engine {
    let dir = dir.to_string_lossy().to_string();
    start_engine_with(&[
        ("MAIL_DIR", &dir),
        ("PUBLIC_BASE_URL", "https://shop.example"),
    ])
    .await
}

/// Every `.eml` in `dir`.
pub(crate) fn messages(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

/// Waits (up to 30 s) for a message in `dir` to `to` whose text contains `needle`.
pub(crate) async fn message_to(dir: &Path, to: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = messages(dir)
            .into_iter()
            .find(|m| m.contains(&format!("\r\nTo: {to}\r\n")) && m.contains(needle));
        if let Some(message) = found {
            return message;
        }
        assert!(
            Instant::now() < deadline,
            "no email to {to} containing {needle:?}: {:?}",
            messages(dir)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The token of the link `/<path>?token=` in `message`.
pub(crate) fn token_in(message: &str, path: &str) -> String {
    let marker = format!("https://shop.example/{path}?token=");
    let start = message.find(&marker).expect("link") + marker.len();
    message[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

/// The stored event `event_type` of aggregate `id` as the runner hands it to consumers.
async fn envelope(app: &TestApp, id: &str, event_type: &str) -> Envelope {
    let (event_id, aggregate_type, sequence, global_position, version, recorded_at, payload): (
        Uuid,
        String,
        i64,
        i64,
        String,
        chrono::DateTime<chrono::Utc>,
        Value,
    ) = sqlx::query_as(
        "SELECT event_id, aggregate_type, sequence, global_position, event_version, recorded_at,
                payload FROM events WHERE aggregate_id = $1 AND event_type = $2",
    )
    .bind(id)
    .bind(event_type)
    .fetch_one(&app.db.pool)
    .await
    .expect("event");
    Envelope {
        event_id,
        aggregate_type,
        aggregate_id: id.to_string(),
        sequence: sequence as u64,
        global_position,
        event_type: event_type.to_string(),
        event_version: version,
        recorded_at,
        metadata: HashMap::new(),
        payload,
    }
}

async fn count(app: &TestApp, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

/// Handles `envelope` with a fresh mailer twice, each time in its own committed
/// transaction, as a NATS redelivery would.
async fn apply_twice(app: &TestApp, envelope: &Envelope) {
    let mailer = MailerProcess::new(app.db.pool.clone(), MailSettings::default());
    for _ in 0..2 {
        let mut tx = app.db.pool.begin().await.expect("tx");
        mailer.handle(&mut tx, envelope).await.expect("handled");
        tx.commit().await.expect("commit");
    }
}

#[tokio::test]
async fn registering_emails_a_working_verification_link_once() {
    let dir = mail_dir();
    let Engine { app, nats: _nats } = engine(&dir).await;
    let email = format!("ann-{}@example.com", Uuid::new_v4().simple());
    let user = registered(&app, &email).await;

    let message = message_to(&dir, &email, "verify-email?token=").await;
    assert!(
        message.contains("From: commerce@localhost\r\n"),
        "{message}"
    );
    assert!(message.contains("Subject: Confirm your email address\r\n"));
    assert!(message.contains("Content-Type: multipart/alternative;"));
    assert!(message.contains("Content-Type: text/html; charset=utf-8"));
    let token = token_in(&message, "verify-email");
    assert_eq!(token.len(), 64, "{message}");
    let verified = app
        .client
        .post(app.api("/auth/verify-email"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("request");
    assert_eq!(verified.status(), 204);

    // Redelivering the request: still one email, and no new token issued.
    let envelope = envelope(&app, &user.to_string(), "EmailVerificationRequested").await;
    let tokens = "SELECT count(*) FROM email_tokens WHERE user_id = $1";
    let before = count(&app, tokens, user).await;
    apply_twice(&app, &envelope).await;
    let rows = "SELECT count(*) FROM emails WHERE event_id = $1";
    assert_eq!(count(&app, rows, envelope.event_id).await, 1);
    assert_eq!(count(&app, tokens, user).await, before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_confirmed_checkout_emails_the_customer_and_low_stock_the_admins() {
    let dir = mail_dir();
    let Engine { app, nats: _nats } = engine(&dir).await;
    let admin_email = format!("boss-{}@example.com", Uuid::new_v4().simple());
    let boss = registered(&app, &admin_email).await;
    sqlx::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(boss)
        .execute(&app.db.pool)
        .await
        .expect("promoted");
    let email = format!("bob-{}@example.com", Uuid::new_v4().simple());
    registered(&app, &email).await;
    let customer = logged_in(&app, &email).await.access;

    // 3 in stock, threshold 2: buying one crosses it.
    let sku = format!("SKU-{}", Uuid::new_v4().simple());
    let product = active_product(&app.as_admin(), &sku, 3).await;
    let cart = ready_cart(&app.with_token(&customer), &product, &sku, 1).await;
    let reply = app.with_token(&customer).checkout(&cart).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let order = reply.body["id"].as_str().expect("order id").to_string();

    let message = message_to(&dir, &email, "Thank you for your order").await;
    assert!(
        message.contains(&format!("Subject: Order {order} confirmed: 17.49 USD\r\n")),
        "{message}"
    );
    assert!(message.contains(&order));
    assert!(message.contains("1 x Espresso cup"), "{message}");
    assert!(message.contains("Total:    17.49 USD"), "{message}");
    // Signed by the order's store (the default one, opened with a placeholder address).
    assert!(
        message.contains("Default store <store@example.com>"),
        "{message}"
    );
    let alert = message_to(&dir, &admin_email, "Low stock").await;
    assert!(alert.contains(&sku), "{alert}");
    assert!(alert.contains("Only 2 unit(s) are available"), "{alert}");

    // Redelivering the confirmation produces nothing twice.
    let confirmed = envelope(&app, &order, "OrderConfirmed").await;
    apply_twice(&app, &confirmed).await;
    let rows = "SELECT count(*) FROM emails WHERE event_id = $1";
    assert_eq!(count(&app, rows, confirmed.event_id).await, 1);

    // The log: admins see it without bodies; customers get 403.
    let list = |token: String| {
        app.client
            .get(app.api("/admin/emails?status=sent&per_page=50"))
            .bearer_auth(token)
            .send()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let page: Value = loop {
        let page: Value = list(app.as_admin().token().to_string())
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        if page["total"].as_i64() >= Some(3) || Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let templates: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["template"].as_str().expect("template"))
        .collect();
    for template in ["verify_email", "order_confirmed", "low_stock"] {
        assert!(templates.contains(&template), "{page}");
    }
    let item = &page["items"][0];
    assert!(
        item.get("text_body").is_none() && item.get("html_body").is_none(),
        "{item}"
    );
    assert_eq!(item["status"], "sent");
    assert!(item["sent_at"].is_string(), "{item}");
    let auditor = app.token(Role::Auditor).1;
    assert_eq!(list(auditor).await.expect("request").status(), 200);
    assert_eq!(list(customer).await.expect("request").status(), 403);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn each_step_of_a_return_emails_the_customer() {
    let dir = mail_dir();
    let Engine { app, nats: _nats } = engine(&dir).await;
    let email = format!("rita-{}@example.com", Uuid::new_v4().simple());
    registered(&app, &email).await;
    let customer = app.with_token(&logged_in(&app, &email).await.access);
    let admin = app.as_admin();
    let sku = format!("SKU-{}", Uuid::new_v4().simple());
    let product = active_product(&admin, &sku, 5).await;
    let cart = ready_cart(&customer, &product, &sku, 2).await;
    let order = customer.checkout(&cart).await.command(201, 2);
    customer
        .pay(&order, &crate::client::Pay::test("tok_ok"))
        .await
        .command(200, 3);
    let shipment = crate::client::Ship {
        carrier: "DHL".into(),
        tracking_number: "JD2".into(),
    };
    admin.ship(&order, &shipment).await.command(200, 4);
    admin.deliver(&order).await.command(200, 5);

    let body = json!({"lines": [{"sku": sku, "quantity": 1}], "reason": "too small"});
    let requested = customer
        .send_json(
            reqwest::Method::POST,
            &format!("/orders/{order}/returns"),
            &body,
        )
        .await;
    let return_id = requested.body["return_id"].as_str().expect("return id");
    let requested = message_to(&dir, &email, "Return requested for order").await;
    assert!(requested.contains(&format!("1 x {sku}")), "{requested}");
    assert!(requested.contains("Reason: too small"), "{requested}");
    for (step, subject) in [
        ("approve", "Return approved"),
        ("receive", "Return received"),
    ] {
        let body = json!({"restock": true});
        let reply = admin
            .send_json(
                reqwest::Method::POST,
                &format!("/returns/{return_id}/{step}"),
                &body,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let message = message_to(&dir, &email, subject).await;
        assert!(message.contains(return_id), "{message}");
    }
    let refunded = message_to(&dir, &email, "refunded").await;
    assert!(refunded.contains("We refunded 14.99 USD"), "{refunded}");
}

/// The emails in the outbox: (event, template, recipient, subject, text), sorted.
async fn outbox(app: &TestApp) -> Vec<(Uuid, String, String, String, String)> {
    sqlx::query_as(
        "SELECT event_id, template, recipient, subject, text_body FROM emails
          ORDER BY event_id, template, recipient",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("emails")
}

#[tokio::test]
async fn a_batch_of_order_events_is_emailed_like_its_events_one_by_one() {
    // No workers: the test is the only mailer, fed by hand.
    let app = spawn_app().await;
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 50).await;
    let mut orders = Vec::new();
    let mut addresses = Vec::new();
    for name in ["ann", "bob"] {
        let email = format!("{name}-{}@example.com", Uuid::new_v4().simple());
        registered(&app, &email).await;
        let customer = app.with_token(&logged_in(&app, &email).await.access);
        let cart = ready_cart(&customer, &product, &sku, 1).await;
        orders.push(customer.checkout(&cart).await.command(201, 2));
        addresses.push(email);
    }
    let (cart, token, _, _) = ready_guest_cart(&app, 1).await;
    let guest_email = format!("guest-{}@example.com", Uuid::new_v4().simple());
    let guest = app.anonymous().with_cart_token(&token);
    orders.push(
        guest
            .checkout_with_email(&cart, &guest_email)
            .await
            .command(201, 2),
    );
    addresses.push(guest_email);

    // Ann's OrderPlaced travels with its confirmation; Bob's and the guest's are read from
    // the store.
    let mut batch = vec![envelope(&app, &orders[0], "OrderPlaced").await];
    for order in &orders {
        batch.push(envelope(&app, order, "OrderConfirmed").await);
    }
    let events: Vec<&Envelope> = batch.iter().collect();
    let mailer = MailerProcess::new(app.db.pool.clone(), MailSettings::default());
    let mut tx = app.db.pool.begin().await.expect("tx");
    mailer.handle_many(&mut tx, &events).await.expect("handled");
    tx.commit().await.expect("commit");
    let batched = outbox(&app).await;

    let recipients: Vec<&str> = batched.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(batched.len(), 3, "{recipients:?}");
    for (order, address) in orders.iter().zip(&addresses) {
        let email = batched
            .iter()
            .find(|e| &e.2 == address)
            .unwrap_or_else(|| panic!("no email to {address}: {recipients:?}"));
        assert_eq!(email.1, "order_confirmed");
        assert!(
            email.3.starts_with(&format!("Order {order} confirmed")),
            "{}",
            email.3
        );
        assert!(email.4.contains("1 x Espresso cup"), "{}", email.4);
    }

    // Again as a redelivery: nothing new. Then each event alone: the same emails.
    let mut tx = app.db.pool.begin().await.expect("tx");
    mailer.handle_many(&mut tx, &events).await.expect("handled");
    tx.commit().await.expect("commit");
    assert_eq!(outbox(&app).await, batched);
    sqlx::query("DELETE FROM emails")
        .execute(&app.db.pool)
        .await
        .expect("emptied");
    for event in &batch {
        let mut tx = app.db.pool.begin().await.expect("tx");
        mailer.handle(&mut tx, event).await.expect("handled");
        tx.commit().await.expect("commit");
    }
    assert_eq!(outbox(&app).await, batched);
}
