//! Stripe through a real emulator (localstripe, see [`LocalStripe`]): `POST orders/{id}/pay`
//! with `provider: stripe` creates and confirms a PaymentIntent, and localstripe's own signed
//! webhooks reach `POST payments/stripe/webhook`.

use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Value};

use super::localstripe::{LocalStripe, WEBHOOK_SECRET};
use crate::client::{NewRefund, Pay, Reply};
use crate::fixtures::{
    confirmed_order, event_count, events_of_type, last_payload, wait_until, webhook_signature,
};
use crate::helpers::{spawn_app_with, TestApp};

/// The engine configured for `stripe`.
async fn engine(stripe: &LocalStripe) -> TestApp {
    let settings = stripe.engine_settings();
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(&overrides).await
}

/// The engine configured for `stripe`, which delivers its events to the engine's webhook.
async fn engine_with_webhooks(stripe: &LocalStripe) -> TestApp {
    let app = engine(stripe).await;
    stripe
        .deliver_webhooks("engine", &app.api("/payments/stripe/webhook"))
        .await;
    app
}

/// Waits until order `order` is paid (by the webhook).
async fn wait_paid(app: &TestApp, order: &str) {
    wait_until(
        "the webhook pays the order",
        Duration::from_secs(20),
        || async { events_of_type(app, "OrderPaid").await == 1 },
    )
    .await;
    let paid = last_payload(app, order, "OrderPaid").await;
    assert_eq!(paid["provider"], "stripe");
}

/// The stored outcome of webhook events of `event_type`.
async fn webhook_outcomes(app: &TestApp, event_type: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT outcome FROM payment_webhook_events WHERE type = $1")
        .bind(event_type)
        .fetch_all(&app.db.pool)
        .await
        .expect("webhook events")
}

#[tokio::test]
async fn a_card_payment_pays_the_order_with_the_intents_id() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;

    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);

    let intents = stripe.intents_of(&order).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    assert_eq!(intents[0]["status"], "succeeded");
    assert_eq!(intents[0]["amount"], 2999);
    assert_eq!(intents[0]["currency"], "usd");
    let paid = last_payload(&app, &order, "OrderPaid").await;
    assert_eq!(paid["provider"], "stripe");
    assert_eq!(paid["payment_reference"], intents[0]["id"]);
    assert_eq!(paid["amount"], json!({"amount": 2999, "currency": "USD"}));
}

#[tokio::test]
async fn paying_again_with_the_card_that_paid_charges_nothing() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;
    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);

    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);

    assert_eq!(stripe.intents_of(&order).await.len(), 1);
    assert_eq!(events_of_type(&app, "OrderPaid").await, 1);
}

#[tokio::test]
async fn a_declined_card_is_402_with_stripes_reason_and_records_nothing() {
    let stripe = LocalStripe::start().await;
    let app = engine_with_webhooks(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;

    let reply = customer
        .pay(&order, &Pay::stripe("pm_card_chargeCustomerFail"))
        .await;

    reply.problem(402, "payment_declined");
    assert!(reply.text.contains("declined"), "{}", reply.text);
    assert_eq!(event_count(&app).await, before);
    // Stripe's payment_failed event is noted and changes nothing.
    wait_until(
        "the failure is reported",
        Duration::from_secs(20),
        || async { webhook_outcomes(&app, "payment_intent.payment_failed").await == ["failed"] },
    )
    .await;
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn another_card_after_a_decline_is_a_new_attempt_that_pays() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;
    customer
        .pay(&order, &Pay::stripe("pm_card_chargeCustomerFail"))
        .await
        .problem(402, "payment_declined");

    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);

    let intents = stripe.intents_of(&order).await;
    assert_eq!(intents.len(), 2, "{intents:?}");
    let attempts: Vec<(i32, String)> = sqlx::query_as(
        "SELECT attempt, outcome FROM payment_attempts WHERE order_id = $1::uuid
         ORDER BY attempt",
    )
    .bind(&order)
    .fetch_all(&app.db.pool)
    .await
    .expect("attempts");
    assert_eq!(
        attempts,
        [(1, "declined".to_string()), (2, "paid".to_string())]
    );
}

#[tokio::test]
async fn an_unknown_payment_method_is_422_naming_the_field() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;

    let reply = customer.pay(&order, &Pay::stripe("pm_nope")).await;

    reply.problem(422, "validation_failed");
    assert_eq!(
        reply.body["errors"][0]["field"], "payment_method",
        "{}",
        reply.text
    );
    customer
        .pay(
            &order,
            &Pay::test("tok_ok").with_payment_method("pm_card_visa"),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_card_that_needs_authentication_is_202_and_the_webhook_pays_it() {
    let stripe = LocalStripe::start().await;
    let app = engine_with_webhooks(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;
    let card = stripe.card("4000002500003155").await;

    let reply = customer.pay(&order, &Pay::stripe(&card)).await;

    assert_eq!(reply.status.as_u16(), 202, "{}", reply.text);
    assert_eq!(reply.body["status"], "requires_action");
    assert_eq!(reply.body["version"], 2);
    let intent = reply.body["reference"].as_str().expect("reference");
    let secret = reply.body["client_secret"].as_str().expect("client secret");
    assert!(secret.starts_with(intent), "{secret}");
    assert_eq!(events_of_type(&app, "OrderPaid").await, 0);

    let authenticated = stripe.authenticate(intent, secret, true).await;
    assert_eq!(authenticated["status"], "succeeded");
    wait_paid(&app, &order).await;
    let paid = last_payload(&app, &order, "OrderPaid").await;
    assert_eq!(paid["payment_reference"], intent);
}

#[tokio::test]
async fn a_payment_whose_answer_is_lost_is_503_and_the_webhook_settles_it() {
    let stripe = LocalStripe::start().await;
    let app = engine_with_webhooks(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;
    stripe.lose_next_answers(1).await;

    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .problem(503, "service_unavailable");

    wait_paid(&app, &order).await;
    // The customer's retry finds the order paid by that card: nothing is charged again.
    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);
    assert_eq!(stripe.intents_of(&order).await.len(), 1);
    assert_eq!(events_of_type(&app, "OrderPaid").await, 1);
}

#[tokio::test]
async fn a_retry_of_a_lost_answer_sends_the_same_idempotency_key_and_charges_once() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;
    stripe.lose_next_answers(1).await;
    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .problem(503, "service_unavailable");

    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);

    let intents = stripe.intents_of(&order).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    let paid = last_payload(&app, &order, "OrderPaid").await;
    assert_eq!(paid["payment_reference"], intents[0]["id"]);
}

#[tokio::test]
async fn stripe_stopped_mid_payment_is_503_and_the_retry_charges_once() {
    let mut stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;
    stripe.stop();

    let reply = customer.pay(&order, &Pay::stripe("pm_card_visa")).await;

    reply.problem(503, "service_unavailable");
    assert!(reply.header("retry-after").is_some());
    assert_eq!(events_of_type(&app, "OrderPaid").await, 0);
    stripe.restart().await;
    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);
    assert_eq!(stripe.intents_of(&order).await.len(), 1);
}

#[tokio::test]
async fn webhooks_delivered_twice_pay_the_order_once() {
    let stripe = LocalStripe::start().await;
    let app = engine_with_webhooks(&stripe).await;
    stripe
        .deliver_webhooks("again", &app.api("/payments/stripe/webhook"))
        .await;
    let (customer, order) = confirmed_order(&app).await;
    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);

    wait_until(
        "both deliveries are acknowledged",
        Duration::from_secs(20),
        || async { stripe.acknowledged("payment_intent.succeeded") == 2 },
    )
    .await;
    assert_eq!(
        webhook_outcomes(&app, "payment_intent.succeeded").await,
        ["paid"]
    );
    assert_eq!(events_of_type(&app, "OrderPaid").await, 1);
}

/// A Stripe event about `order`'s intent `pi_1` of 29.99 USD.
fn stripe_event(id: &str, event_type: &str, order: &str) -> String {
    json!({
        "id": id,
        "object": "event",
        "type": event_type,
        "created": Utc::now().timestamp(),
        "data": {"object": {
            "id": "pi_1", "object": "payment_intent", "amount": 2999, "currency": "usd",
            "status": "succeeded", "metadata": {"order_id": order}
        }}
    })
    .to_string()
}

async fn deliver(app: &TestApp, body: &str, signature: &str) -> Reply {
    app.anonymous().stripe_webhook(body, signature).await
}

#[tokio::test]
async fn forged_and_stale_signatures_are_400_and_write_nothing() {
    let app = spawn_app_with(&[("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)]).await;
    let (_, order) = confirmed_order(&app).await;
    let body = stripe_event("evt_1", "payment_intent.succeeded", &order);
    let now = Utc::now().timestamp();
    let before = event_count(&app).await;

    let forged = webhook_signature("whsec_someone_else", now, &body);
    deliver(&app, &body, &forged)
        .await
        .problem(400, "invalid_signature");
    let stale = webhook_signature(WEBHOOK_SECRET, now - 600, &body);
    deliver(&app, &body, &stale)
        .await
        .problem(400, "signature_expired");
    let tampered = body.replace("2999", "1");
    let signed = webhook_signature(WEBHOOK_SECRET, now, &body);
    deliver(&app, &tampered, &signed)
        .await
        .problem(400, "invalid_signature");

    assert_eq!(event_count(&app).await, before);
    assert!(webhook_outcomes(&app, "payment_intent.succeeded")
        .await
        .is_empty());
}

#[tokio::test]
async fn a_header_with_several_signatures_is_accepted_when_one_matches() {
    let app = spawn_app_with(&[("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)]).await;
    let (_, order) = confirmed_order(&app).await;
    let body = stripe_event("evt_2", "payment_intent.succeeded", &order);
    let now = Utc::now().timestamp();
    let valid = webhook_signature(WEBHOOK_SECRET, now, &body);
    let rotated = webhook_signature("whsec_old", now, &body);
    let v1 = valid.split_once(",v1=").expect("v1").1;
    let header = format!("{rotated},v1={v1},v0=ignored");

    let reply = deliver(&app, &body, &header).await;

    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.body["outcome"], "paid");
    let paid = last_payload(&app, &order, "OrderPaid").await;
    assert_eq!(paid["provider"], "stripe");
    assert_eq!(paid["payment_reference"], "pi_1");
}

#[tokio::test]
async fn unknown_types_and_foreign_intents_are_acknowledged_and_ignored() {
    let app = spawn_app_with(&[("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)]).await;
    let (_, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;
    let now = Utc::now().timestamp();

    let unknown = stripe_event("evt_3", "customer.created", &order);
    let reply = deliver(
        &app,
        &unknown,
        &webhook_signature(WEBHOOK_SECRET, now, &unknown),
    )
    .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.body["outcome"], "ignored");

    let mut foreign: Value =
        serde_json::from_str(&stripe_event("evt_4", "payment_intent.succeeded", &order))
            .expect("json");
    foreign["data"]["object"]["metadata"] = json!({});
    let foreign = foreign.to_string();
    let reply = deliver(
        &app,
        &foreign,
        &webhook_signature(WEBHOOK_SECRET, now, &foreign),
    )
    .await;
    assert_eq!(reply.body["outcome"], "ignored", "{}", reply.text);

    // A redelivery answers the stored outcome.
    let again = deliver(
        &app,
        &unknown,
        &webhook_signature(WEBHOOK_SECRET, now, &unknown),
    )
    .await;
    assert_eq!(again.body["replayed"], true);
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_body_that_is_not_a_stripe_event_is_422() {
    let app = spawn_app_with(&[("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)]).await;
    let now = Utc::now().timestamp();
    for body in ["[]", r#"{"id": "evt_5"}"#] {
        let reply = deliver(&app, body, &webhook_signature(WEBHOOK_SECRET, now, body)).await;
        reply.problem(422, "validation_failed");
    }
    let broken = "{";
    deliver(
        &app,
        broken,
        &webhook_signature(WEBHOOK_SECRET, now, broken),
    )
    .await
    .problem(400, "malformed_json");
}

/// An order of 29.99 USD paid through Stripe: its id and its PaymentIntent's.
async fn paid_through_stripe(app: &TestApp, stripe: &LocalStripe) -> (String, String) {
    let (customer, order) = confirmed_order(app).await;
    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);
    let intent = stripe.intents_of(&order).await[0]["id"]
        .as_str()
        .expect("intent id")
        .to_string();
    (order, intent)
}

#[tokio::test]
async fn partial_and_full_refunds_go_through_stripe() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (order, intent) = paid_through_stripe(&app, &stripe).await;
    let admin = app.as_admin();

    let partial = admin.create_refund(&order, &NewRefund::usd(1000)).await;
    let rest = admin.refund(&order, "cancelled by the shop").await;

    assert_eq!(partial.status.as_u16(), 201, "{}", partial.text);
    assert_eq!(rest.status.as_u16(), 200, "{}", rest.text);
    let refunds = stripe.refunds_of(&intent).await;
    let mut amounts: Vec<i64> = refunds
        .iter()
        .map(|refund| refund["amount"].as_i64().expect("amount"))
        .collect();
    amounts.sort_unstable();
    assert_eq!(amounts, [1000, 1999]);
    let first = refunds
        .iter()
        .find(|refund| refund["id"] == partial.body["provider_reference"])
        .expect("the partial refund at Stripe");
    assert_eq!(first["metadata"]["refund_id"], partial.body["refund_id"]);
    assert_eq!(first["metadata"]["order_id"], order.as_str());
}

#[tokio::test]
async fn concurrent_refunds_through_stripe_never_exceed_the_payment() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (order, intent) = paid_through_stripe(&app, &stripe).await;
    let admin = app.as_admin();
    let refund = NewRefund::usd(1000);

    let replies =
        futures_util::future::join_all((0..4).map(|_| admin.create_refund(&order, &refund))).await;

    let created = replies.iter().filter(|r| r.status.as_u16() == 201).count();
    assert_eq!(
        created,
        2,
        "{:?}",
        replies.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    let refunded: i64 = stripe
        .refunds_of(&intent)
        .await
        .iter()
        .map(|refund| refund["amount"].as_i64().expect("amount"))
        .sum();
    assert_eq!(refunded, 2000);
}

#[tokio::test]
async fn stripe_down_during_a_refund_is_503_and_the_same_key_completes_it_once() {
    let mut stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (order, intent) = paid_through_stripe(&app, &stripe).await;
    let admin = app.as_admin().idempotency_key("refund-after-outage");
    stripe.stop();

    admin
        .create_refund(&order, &NewRefund::usd(1500))
        .await
        .problem(503, "service_unavailable");

    assert_eq!(events_of_type(&app, "RefundRequested").await, 1);
    assert_eq!(events_of_type(&app, "OrderRefunded").await, 0);
    stripe.restart().await;
    let retried = admin.create_refund(&order, &NewRefund::usd(1500)).await;
    assert_eq!(retried.status.as_u16(), 201, "{}", retried.text);
    assert_eq!(events_of_type(&app, "RefundRequested").await, 1);
    assert_eq!(stripe.refunds_of(&intent).await.len(), 1);
}

/// A signed Stripe event of `event_type` about `object`.
async fn deliver_object(app: &TestApp, id: &str, event_type: &str, object: Value) -> Reply {
    let body = json!({"id": id, "object": "event", "type": event_type,
                      "data": {"object": object}})
    .to_string();
    let signature = webhook_signature(WEBHOOK_SECRET, Utc::now().timestamp(), &body);
    deliver(app, &body, &signature).await
}

#[tokio::test]
async fn a_refund_made_in_stripes_dashboard_is_recorded_from_charge_refunded() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (order, intent) = paid_through_stripe(&app, &stripe).await;
    let direct = stripe.refund_directly(&intent, 700).await;
    let charge = json!({"id": direct["charge"], "object": "charge", "amount_refunded": 700,
                        "currency": "usd", "payment_intent": intent, "metadata": {}});

    let reply = deliver_object(&app, "evt_r1", "charge.refunded", charge.clone()).await;

    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert_eq!(reply.body["outcome"], "refunded");
    let refunded = last_payload(&app, &order, "OrderRefunded").await;
    assert_eq!(refunded["amount"]["amount"], 700);
    assert_eq!(refunded["refund_id"], Value::Null);
    // The same total reported again (another event) adds nothing.
    deliver_object(&app, "evt_r2", "charge.refunded", charge).await;
    assert_eq!(events_of_type(&app, "OrderRefunded").await, 1);
}

#[tokio::test]
async fn stripes_refund_event_settles_a_refund_left_requested() {
    let mut stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (order, _) = paid_through_stripe(&app, &stripe).await;
    stripe.stop();
    app.as_admin()
        .create_refund(&order, &NewRefund::usd(500))
        .await
        .problem(503, "service_unavailable");
    let requested = last_payload(&app, &order, "RefundRequested").await;
    let refund = json!({"id": "re_1", "object": "refund", "amount": 500, "currency": "usd",
                        "status": "succeeded",
                        "metadata": {"order_id": order, "refund_id": requested["refund_id"]}});

    let reply = deliver_object(&app, "evt_r3", "refund.updated", refund).await;

    assert_eq!(reply.body["outcome"], "refunded", "{}", reply.text);
    let refunded = last_payload(&app, &order, "OrderRefunded").await;
    assert_eq!(refunded["refund_id"], requested["refund_id"]);
    assert_eq!(refunded["provider_reference"], "re_1");
}

#[tokio::test]
async fn a_return_is_refunded_through_stripe_on_receipt() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (customer, order) = confirmed_order(&app).await;
    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .command(200, 3);
    let admin = app.as_admin();
    let shipment = crate::client::Ship {
        carrier: "DHL".into(),
        tracking_number: "JD3".into(),
    };
    admin.ship(&order, &shipment).await.command(200, 4);
    admin.deliver(&order).await.command(200, 5);
    let sku = last_payload(&app, &order, "OrderPlaced").await["lines"][0]["sku"].clone();
    let body = json!({"lines": [{"sku": sku, "quantity": 2}], "reason": "wrong colour"});
    let requested = customer
        .send_json(
            reqwest::Method::POST,
            &format!("/orders/{order}/returns"),
            &body,
        )
        .await;
    let return_id = requested.body["return_id"]
        .as_str()
        .expect("return id")
        .to_string();
    let step = |name: &'static str| {
        let path = format!("/returns/{return_id}/{name}");
        let admin = app.as_admin();
        async move {
            admin
                .send_json(reqwest::Method::POST, &path, &json!({"restock": true}))
                .await
        }
    };
    assert_eq!(step("approve").await.status.as_u16(), 200);

    let received = step("receive").await;

    assert_eq!(received.status.as_u16(), 200, "{}", received.text);
    let intent = stripe.intents_of(&order).await[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let refunds = stripe.refunds_of(&intent).await;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["amount"], 2999);
    assert_eq!(refunds[0]["metadata"]["refund_id"], return_id.as_str());
    assert_eq!(received.body["provider_reference"], refunds[0]["id"]);
}

#[tokio::test]
async fn cancelling_a_paid_order_refunds_it_through_stripe() {
    let stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (order, intent) = paid_through_stripe(&app, &stripe).await;

    let reply = app
        .as_admin()
        .cancel_order(&order, "out of stock after all")
        .await;

    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    let refunds = stripe.refunds_of(&intent).await;
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["amount"], 2999);
    let refunded = last_payload(&app, &order, "OrderRefunded").await;
    assert_eq!(refunded["provider_reference"], refunds[0]["id"]);
    let status: String = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE aggregate_id = $1 AND event_type = 'OrderCancelled'",
    )
    .bind(&order)
    .fetch_one(&app.db.pool)
    .await
    .expect("cancelled");
    assert_eq!(status, "OrderCancelled");
}

#[tokio::test]
async fn a_cancellation_while_stripe_is_down_refunds_when_cancelled_again() {
    let mut stripe = LocalStripe::start().await;
    let app = engine(&stripe).await;
    let (order, intent) = paid_through_stripe(&app, &stripe).await;
    stripe.stop();

    app.as_admin()
        .cancel_order(&order, "customer asked")
        .await
        .problem(503, "service_unavailable");

    assert_eq!(events_of_type(&app, "OrderCancelled").await, 1);
    assert_eq!(events_of_type(&app, "OrderRefunded").await, 0);
    stripe.restart().await;
    let again = app.as_admin().cancel_order(&order, "customer asked").await;
    assert_eq!(again.status.as_u16(), 200, "{}", again.text);
    assert_eq!(events_of_type(&app, "OrderCancelled").await, 1);
    assert_eq!(events_of_type(&app, "OrderRefunded").await, 1);
    assert_eq!(stripe.refunds_of(&intent).await.len(), 1);
}
