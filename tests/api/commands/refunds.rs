//! `POST orders/{id}/refunds` and `GET orders/{id}/refunds` through the `test` provider:
//! amounts and lines, their exact shares, the cap at what was paid (also under concurrent
//! requests), credit notes on the invoice, and bad input refused without a write.

use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{NewRefund, RefundLine};
use crate::fixtures::{confirmed_order, event_count, events_of_type, paid_order, wait_until};
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

/// The SKU of the order [`paid_order`] places.
async fn sku_of(app: &crate::helpers::TestApp, order: &str) -> String {
    let placed = crate::fixtures::last_payload(app, order, "OrderPlaced").await;
    placed["lines"][0]["sku"]
        .as_str()
        .expect("a line")
        .to_string()
}

#[tokio::test]
async fn a_partial_refund_returns_the_amount_and_records_the_providers_reference() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;

    let reply = app
        .as_admin()
        .create_refund(&order, &NewRefund::usd(1000))
        .await;

    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    assert_eq!(reply.body["version"], 5, "requested at 4, completed at 5");
    let refund_id = reply.body["refund_id"].as_str().expect("refund id");
    assert_eq!(
        reply.body["provider_reference"],
        format!("test_refund_{}", refund_id.replace('-', ""))
    );
    let refunded = crate::fixtures::last_payload(&app, &order, "OrderRefunded").await;
    assert_eq!(
        refunded["amount"],
        json!({"amount": 1000, "currency": "USD"})
    );
    assert_eq!(refunded["refund_id"], refund_id);
    assert_eq!(events_of_type(&app, "RefundRequested").await, 1);
}

#[tokio::test]
async fn units_of_a_line_refund_their_exact_share_and_all_of_them_the_total() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    let sku = sku_of(&app, &order).await;
    let admin = app.as_admin();

    admin
        .create_refund(&order, &NewRefund::units(&sku, 3))
        .await
        .problem(409, "refund_quantity_exceeded");
    // One line of 2 × 12.50 with 4.99 shipping: 29.99 shared 14.99 + 15.00.
    let first = admin
        .create_refund(&order, &NewRefund::units(&sku, 1))
        .await;
    let second = admin
        .create_refund(&order, &NewRefund::units(&sku, 1))
        .await;

    assert_eq!(first.status.as_u16(), 201, "{}", first.text);
    assert_eq!(second.status.as_u16(), 201, "{}", second.text);
    let amounts: Vec<Value> = sqlx::query_scalar(
        "SELECT payload->'OrderRefunded'->'amount'->'amount' FROM events
         WHERE aggregate_id = $1 AND event_type = 'OrderRefunded' ORDER BY sequence",
    )
    .bind(&order)
    .fetch_all(&app.db.pool)
    .await
    .expect("refunds");
    assert_eq!(amounts, [json!(1499), json!(1500)]);
    // Every unit refunded: the order is refunded, and refunds no more.
    admin
        .create_refund(&order, &NewRefund::usd(1))
        .await
        .problem(409, "invalid_state");
}

#[tokio::test]
async fn an_amount_beyond_what_is_left_is_409() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    let admin = app.as_admin();
    let first = admin.create_refund(&order, &NewRefund::usd(2000)).await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.text);

    let reply = admin.create_refund(&order, &NewRefund::usd(1000)).await;

    reply.problem(409, "refund_exceeds_paid");
    assert!(reply.text.contains("9.99 USD"), "{}", reply.text);
}

#[tokio::test]
async fn refunds_never_exceed_the_payment_even_when_requested_together() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    let admin = app.as_admin();

    let refund = NewRefund::usd(1000);
    let replies =
        futures_util::future::join_all((0..5).map(|_| admin.create_refund(&order, &refund))).await;

    let statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    for reply in replies.iter().filter(|r| r.status.as_u16() != 201) {
        reply.problem(409, "refund_exceeds_paid");
    }
    let refunded: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum((payload->'OrderRefunded'->'amount'->>'amount')::bigint), 0)::bigint
         FROM events WHERE aggregate_id = $1 AND event_type = 'OrderRefunded'",
    )
    .bind(&order)
    .fetch_one(&app.db.pool)
    .await
    .expect("sum");
    assert_eq!(refunded, 2000);
}

#[tokio::test]
async fn the_refunds_list_shows_each_refund_and_the_last_one_refunds_the_order() {
    let app = spawn_app().await;
    let (customer, order) = paid_order(&app).await;
    let admin = app.as_admin();
    let partial = admin.create_refund(&order, &NewRefund::usd(999)).await;
    assert_eq!(partial.status.as_u16(), 201, "{}", partial.text);
    let rest = admin.refund(&order, "changed my mind").await;
    assert_eq!(rest.status.as_u16(), 200, "{}", rest.text);
    refresh_one(&app.db.pool, "orders").await;

    let reply = customer.refunds(&order).await;

    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    let refunds = reply.body.as_array().expect("a list");
    assert_eq!(refunds.len(), 2);
    assert_eq!(refunds[0]["amount"]["amount"], 999);
    assert_eq!(refunds[1]["amount"]["amount"], 2000);
    assert!(refunds.iter().all(|r| r["status"] == "completed"));
    let view = customer.get_order(&order).await;
    assert_eq!(view.body["status"], "refunded");
    assert_eq!(view.body["refund"]["amount"], 2999);
    let other = app.as_customer();
    other.refunds(&order).await.problem(404, "not_found");
}

#[tokio::test]
async fn the_invoice_lists_refunds_as_credit_notes() {
    let app = spawn_app().await;
    let (customer, order) = paid_order(&app).await;
    let sku = sku_of(&app, &order).await;
    let reply = app
        .as_admin()
        .create_refund(&order, &NewRefund::units(&sku, 1))
        .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    refresh_one(&app.db.pool, "orders").await;

    let invoice = customer.invoice(&order).await;

    assert_eq!(invoice.status.as_u16(), 200, "{}", invoice.text);
    let notes = invoice.body["credit_notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 1);
    assert!(notes[0]["number"].as_str().expect("number").ends_with("-1"));
    assert_eq!(notes[0]["amount"]["amount"], 1499);
    assert_eq!(notes[0]["lines"][0]["quantity"], 1);
    assert_eq!(invoice.body["refunded"]["amount"], 1499);
    assert_eq!(invoice.body["balance"]["amount"], 1500);
    let html = customer.invoice_with(&order, "format=html").await;
    assert!(html.text.contains("Credit notes"), "{}", html.text);
    assert!(html.text.contains("1 × "), "{}", html.text);
}

#[tokio::test]
async fn bad_refund_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let (customer, order) = paid_order(&app).await;
    let admin = app.as_admin();
    let path = format!("/orders/{order}/refunds");
    let before = event_count(&app).await;

    for body in [
        json!([]),
        json!({"reason": "no amount nor lines"}),
        json!({"amount": {"amount": 100, "currency": "USD"}, "lines": [], "reason": "both"}),
        json!({"amount": {"amount": 0, "currency": "USD"}, "reason": "zero"}),
        json!({"amount": {"amount": 100, "currency": "EUR"}, "reason": "another currency"}),
        json!({"amount": {"amount": 100, "currency": "XYZ"}, "reason": "no currency"}),
        json!({"lines": [{"sku": "NOPE", "quantity": 1}], "reason": "not a line"}),
        json!({"lines": [{"sku": "NOPE", "quantity": 0}], "reason": "zero units"}),
        json!({"amount": {"amount": 100, "currency": "USD"}, "reason": ""}),
        json!({"amount": {"amount": 100, "currency": "USD"}, "reason": "x", "extra": 1}),
    ] {
        let reply = admin.send_json(Method::POST, &path, &body).await;
        assert_eq!(reply.status.as_u16(), 422, "{body}: {}", reply.text);
    }
    customer
        .create_refund(&order, &NewRefund::usd(100))
        .await
        .problem(403, "forbidden");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_unpaid_order_cannot_be_refunded() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;

    app.as_admin()
        .create_refund(
            &order,
            &NewRefund {
                lines: Some(vec![RefundLine {
                    sku: "ANY".into(),
                    quantity: 1,
                }]),
                ..NewRefund::usd(100)
            },
        )
        .await
        .problem(422, "validation_failed");
    app.as_admin()
        .create_refund(&order, &NewRefund::usd(100))
        .await
        .problem(409, "invalid_state");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn the_same_idempotency_key_refunds_once() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    let admin = app.as_admin().idempotency_key("refund-1");

    let first = admin.create_refund(&order, &NewRefund::usd(500)).await;
    let again = admin.create_refund(&order, &NewRefund::usd(500)).await;

    assert_eq!(first.status.as_u16(), 201, "{}", first.text);
    assert_eq!(again.body["refund_id"], first.body["refund_id"]);
    wait_until("one refund", std::time::Duration::from_secs(5), || async {
        events_of_type(&app, "OrderRefunded").await == 1
    })
    .await;
}
