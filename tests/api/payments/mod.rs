//! Payments through HTTP: the `test` provider behind `POST orders/{id}/pay`, and signed
//! provider webhooks on `POST payments/webhook` (signature, staleness, tampering, replays);
//! Stripe against a real emulator in [`stripe`].

mod localstripe;
mod stripe;

use chrono::Utc;
use serde_json::{json, Value};

use crate::client::{Pay, Reply};
use crate::fixtures::{
    confirmed_order, event_count, events_of_type, last_payload, paid_order, webhook_signature,
    SAME_COMMIT,
};
use crate::helpers::{spawn_app, TestApp};

fn secret(app: &TestApp) -> String {
    app.config.payment_webhook_secret.expose().to_string()
}

/// A `payment.succeeded` event for the 29.99 USD total of `order`.
fn succeeded(event_id: &str, order: &str) -> String {
    json!({
        "id": event_id,
        "type": "payment.succeeded",
        "data": {
            "order_id": order,
            "amount": {"amount": 2999, "currency": "USD"},
            "reference": "pi_123"
        }
    })
    .to_string()
}

/// Posts `body` verbatim with `Payment-Signature: signature` (none when `None`).
async fn deliver(app: &TestApp, body: &str, signature: Option<&str>) -> Reply {
    app.anonymous().payment_webhook(body, signature).await
}

/// Posts `body` signed now with the engine's secret.
async fn deliver_signed(app: &TestApp, body: &str) -> Reply {
    let signed = webhook_signature(&secret(app), Utc::now().timestamp(), body);
    deliver(app, body, Some(&signed)).await
}

async fn webhook_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM payment_webhook_events")
        .fetch_one(&app.db.pool)
        .await
        .expect("count webhook events")
}

#[tokio::test]
async fn a_signed_success_pays_the_order_once() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;

    let reply = deliver_signed(&app, &succeeded("evt_1", &order)).await;

    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.body["outcome"], "paid");
    assert_eq!(reply.body["replayed"], false);
    assert_eq!(events_of_type(&app, "OrderPaid").await, 1);
    let paid = last_payload(&app, &order, "OrderPaid").await;
    assert_eq!(paid["amount"], json!({"amount": 2999, "currency": "USD"}));
}

#[tokio::test]
async fn a_replayed_success_answers_the_stored_outcome_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;
    let body = succeeded("evt_1", &order);
    let first = deliver_signed(&app, &body).await;
    assert_eq!(first.status.as_u16(), 200, "{}", first.text);
    let events = event_count(&app).await;

    // The same event again (freshly signed, as a provider's retry is): stored outcome, no event.
    let reply = deliver_signed(&app, &body).await;

    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.body["outcome"], "paid");
    assert_eq!(reply.body["replayed"], true);
    assert_eq!(events_of_type(&app, "OrderPaid").await, 1);
    assert_eq!(event_count(&app).await, events);
    assert_eq!(webhook_rows(&app).await, 1);
}

/// A confirmed order and a success event for it not yet delivered: (the event's body, now).
async fn an_unsent_success(app: &TestApp) -> (String, i64) {
    let (_, order) = confirmed_order(app).await;
    (succeeded("evt_2", &order), Utc::now().timestamp())
}

/// Delivers `body` with `signature`, expecting 400 `code`, no event and no stored webhook.
async fn assert_refused(app: &TestApp, body: &str, signature: Option<&str>, code: &str) {
    let before = event_count(app).await;
    deliver(app, body, signature).await.problem(400, code);
    assert_eq!(event_count(app).await, before);
    assert_eq!(webhook_rows(app).await, 0);
}

#[tokio::test]
async fn a_webhook_signed_with_another_secret_is_400_invalid_signature() {
    let app = spawn_app().await;
    let (body, now) = an_unsent_success(&app).await;

    let wrong = webhook_signature("not-the-secret", now, &body);

    assert_refused(&app, &body, Some(&wrong), "invalid_signature").await;
}

#[tokio::test]
async fn a_webhook_signed_more_than_five_minutes_ago_is_400_signature_expired() {
    let app = spawn_app().await;
    let (body, now) = an_unsent_success(&app).await;

    let stale = webhook_signature(&secret(&app), now - 301, &body);

    assert_refused(&app, &body, Some(&stale), "signature_expired").await;
}

#[tokio::test]
async fn a_tampered_webhook_body_is_400_invalid_signature() {
    let app = spawn_app().await;
    let (body, now) = an_unsent_success(&app).await;
    let signed = webhook_signature(&secret(&app), now, &body);

    let tampered = body.replace("2999", "1");

    assert_refused(&app, &tampered, Some(&signed), "invalid_signature").await;
}

#[tokio::test]
async fn a_webhook_without_a_signature_or_with_a_malformed_one_is_400() {
    let app = spawn_app().await;
    let (body, _) = an_unsent_success(&app).await;

    assert_refused(&app, &body, None, "invalid_signature").await;
    assert_refused(&app, &body, Some("t=1,v1=nothex"), "invalid_signature").await;
}

#[tokio::test]
async fn a_signature_with_several_v1_entries_is_accepted_when_any_matches() {
    // A rotated secret.
    let app = spawn_app().await;
    let (body, now) = an_unsent_success(&app).await;
    let signed = webhook_signature(&secret(&app), now, &body);

    let rotated = format!("{},v1={}", signed, "ab".repeat(32));
    let reply = deliver(&app, &body, Some(&rotated)).await;

    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(events_of_type(&app, "OrderPaid").await, 1);
}

/// A `payment.failed` event for `order`.
fn failed(order: &str) -> String {
    let mut failed: Value = serde_json::from_str(&succeeded("evt_f", order)).expect("json");
    failed["type"] = json!("payment.failed");
    failed.to_string()
}

#[tokio::test]
async fn a_failed_payment_is_noted_without_an_order_event() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;

    let reply = deliver_signed(&app, &failed(&order)).await;

    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.body["outcome"], "failed");
    assert_eq!(event_count(&app).await, before);
    assert_eq!(webhook_rows(&app).await, 1);
}

#[tokio::test]
async fn a_success_for_another_amount_is_409_amount_mismatch_and_stored_nowhere() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;

    let wrong_amount = succeeded("evt_w", &order).replace("2999", "1000");
    deliver_signed(&app, &wrong_amount)
        .await
        .problem(409, "amount_mismatch");

    assert_eq!(event_count(&app).await, before);
    assert_eq!(webhook_rows(&app).await, 0);
}

#[tokio::test]
async fn an_order_whose_payment_failed_can_still_be_paid() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;
    let reply = deliver_signed(&app, &failed(&order)).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);

    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
}

#[tokio::test]
async fn the_paid_attempt_is_recorded_in_the_commit_of_the_payment() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;

    let reference = last_payload(&app, &order, "OrderPaid").await["payment_reference"].clone();
    let (outcome, recorded, same_commit): (String, Option<String>, bool) =
        sqlx::query_as(&format!(
            "SELECT a.outcome, a.reference, {SAME_COMMIT}
               FROM payment_attempts a
               JOIN events e ON e.aggregate_id = a.order_id::text AND e.event_type = 'OrderPaid'
              WHERE a.order_id::text = $1"
        ))
        .bind(&order)
        .fetch_one(&app.db.pool)
        .await
        .expect("the attempt");
    assert_eq!(outcome, "paid");
    assert_eq!(
        Some(recorded.as_deref().unwrap_or_default()),
        reference.as_str()
    );
    assert!(
        same_commit,
        "the attempt's outcome and OrderPaid are one commit"
    );
}

#[tokio::test]
async fn paying_twice_with_the_ok_token_records_one_payment() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;

    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
    assert_eq!(events_of_type(&app, "OrderPaid").await, 1);
    let paid = last_payload(&app, &order, "OrderPaid").await;
    assert_eq!(paid["provider"], "test");
}
