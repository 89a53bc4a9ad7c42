//! Order commands: payment through the `test` provider, the lifecycle with its versions,
//! cancellation rules, roles, someone else's order and bad input.

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::json;

use crate::client::{Pay, Ship};
use crate::fixtures::{confirmed_order, paid_order};
use crate::fixtures::{event_count, events_of_type, last_payload};
use crate::helpers::spawn_app;

/// A shipment by `carrier` with `tracking_number`.
fn ship(carrier: &str, tracking_number: &str) -> Ship {
    Ship {
        carrier: carrier.into(),
        tracking_number: tracking_number.into(),
    }
}

#[tokio::test]
async fn paying_with_the_ok_token_records_the_order_total() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;

    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);

    let paid = last_payload(&app, &order, "OrderPaid").await;
    assert_eq!(paid["provider"], "test");
    assert_eq!(paid["amount"], json!({"amount": 2999, "currency": "USD"}));
}

#[tokio::test]
async fn paying_a_paid_order_again_changes_nothing() {
    let app = spawn_app().await;
    let (customer, order) = paid_order(&app).await;
    let events = event_count(&app).await;

    // The same token again: the same answer.
    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
    customer
        .pay(&order, &Pay::test("tok_declined"))
        .await
        .problem(409, "invalid_state");

    assert_eq!(event_count(&app).await, events);
}

#[tokio::test]
async fn a_declined_payment_is_402_and_records_nothing() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;

    customer
        .pay(&order, &Pay::test("tok_declined"))
        .await
        .problem(402, "payment_declined");

    assert_eq!(events_of_type(&app, "OrderPaid").await, 0);
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_order_whose_payment_was_declined_can_still_be_paid() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;
    customer
        .pay(&order, &Pay::test("tok_declined"))
        .await
        .problem(402, "payment_declined");

    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
}

#[tokio::test]
async fn bad_payment_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;
    let path = format!("/orders/{order}/pay");
    let before = event_count(&app).await;

    // Stripe is offered only when STRIPE_SECRET_KEY is set.
    customer
        .pay(&order, &Pay::stripe("pm_card_visa"))
        .await
        .problem(422, "unknown_provider");
    customer
        .pay(&order, &Pay::test("tok_whatever"))
        .await
        .problem(422, "validation_failed");
    customer
        .send_json(Method::POST, &path, &json!({"provider": "test"}))
        .await
        .problem(422, "validation_failed");
    customer
        .send_json(
            Method::POST,
            &path,
            &json!({"provider": "test", "token": "tok_ok", "amount": 1}),
        )
        .await
        .problem(422, "validation_failed");
    customer
        .request(Method::POST, &path)
        .raw("provider=test")
        .send()
        .await
        .problem(400, "malformed_json");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn paying_with_if_match_of_another_version_is_412() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;

    customer
        .if_match("1")
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .problem(412, "version_mismatch");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_cancelled_order_cannot_be_paid() {
    let app = spawn_app().await;
    let (customer, cancelled) = confirmed_order(&app).await;
    customer
        .cancel_order(&cancelled, "changed my mind")
        .await
        .command(200, 3);
    let before = event_count(&app).await;

    customer
        .pay(&cancelled, &Pay::test("tok_ok"))
        .await
        .problem(409, "invalid_state");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_order_goes_through_its_lifecycle_with_each_version() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let (_, order) = paid_order(&app).await;

    admin
        .ship(&order, &ship("DHL", "JD0146"))
        .await
        .command(200, 4);
    assert_eq!(
        last_payload(&app, &order, "OrderShipped").await["carrier"],
        "DHL"
    );
    admin.deliver(&order).await.command(200, 5);
    // The refund is requested (5 → 6), then completed by the provider (7).
    admin.refund(&order, "arrived broken").await.command(200, 7);
    let refunded = last_payload(&app, &order, "OrderRefunded").await;
    assert_eq!(refunded["amount"]["amount"], 2999);
}

#[tokio::test]
async fn an_owner_cancels_a_confirmed_order() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;

    customer
        .cancel_order(&order, "changed my mind")
        .await
        .command(200, 3);

    assert_eq!(
        last_payload(&app, &order, "OrderCancelled").await["by"],
        "customer"
    );
}

#[tokio::test]
async fn an_owner_cannot_cancel_a_shipped_order_but_an_admin_can_with_a_refund() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let (customer, shipped) = paid_order(&app).await;
    admin
        .ship(&shipped, &ship("UPS", "1Z999"))
        .await
        .command(200, 4);
    let before = event_count(&app).await;

    customer
        .cancel_order(&shipped, "too late?")
        .await
        .problem(409, "invalid_state");
    customer
        .cancel_order(&shipped, " ")
        .await
        .problem(409, "invalid_state");
    assert_eq!(event_count(&app).await, before);

    // Cancelled (5) with its refund requested (6), then refunded by the provider (7).
    admin
        .cancel_order(&shipped, "too late?")
        .await
        .command(200, 7);
    let cancelled = last_payload(&app, &shipped, "OrderCancelled").await;
    assert_eq!(cancelled["by"], "admin");
    assert_eq!(cancelled["refund"]["amount"], 2999);
    let refunded = last_payload(&app, &shipped, "OrderRefunded").await;
    assert_eq!(refunded["refund_id"], cancelled["refund_id"]);
    assert_eq!(refunded["amount"]["amount"], 2999);
}

#[tokio::test]
async fn someone_elses_order_is_404_to_pay_or_cancel() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;
    let stranger = app.as_customer();

    stranger
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .problem(404, "not_found");
    stranger
        .cancel_order(&order, "mine now")
        .await
        .problem(404, "not_found");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_order_that_does_not_exist_is_404() {
    let app = spawn_app().await;
    let (_, _) = confirmed_order(&app).await;
    let before = event_count(&app).await;
    let missing = uuid::Uuid::new_v4().to_string();

    app.as_customer()
        .pay(&missing, &Pay::test("tok_ok"))
        .await
        .problem(404, "not_found");
    app.as_admin()
        .deliver(&missing)
        .await
        .problem(404, "not_found");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn customers_may_not_ship_deliver_or_refund_403() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;
    let stranger = app.as_customer();

    stranger
        .ship(&order, &ship("DHL", "1"))
        .await
        .problem(403, "forbidden");
    stranger.deliver(&order).await.problem(403, "forbidden");
    stranger.refund(&order, "x").await.problem(403, "forbidden");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn auditors_may_run_no_order_command_403() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;
    let auditor = app.as_role(Role::Auditor);

    for path in ["pay", "cancel", "ship", "deliver", "refund"] {
        auditor
            .send_json(Method::POST, &format!("/orders/{order}/{path}"), &json!({}))
            .await
            .problem(403, "forbidden");
    }

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn order_commands_without_a_token_are_401() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;

    app.anonymous()
        .cancel_order(&order, "x")
        .await
        .problem(401, "unauthorized");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn bad_shipping_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let (_, order) = paid_order(&app).await;
    let path = format!("/orders/{order}/ship");
    let before = event_count(&app).await;

    admin
        .ship(&order, &ship(" ", "1"))
        .await
        .problem(422, "missing_field");
    admin
        .send_json(Method::POST, &path, &json!({"carrier": "DHL"}))
        .await
        .problem(422, "validation_failed");
    admin
        .send_json(
            Method::POST,
            &path,
            &json!({"carrier": "DHL", "tracking_number": 42}),
        )
        .await
        .problem(422, "validation_failed");
    admin
        .send_json(
            Method::POST,
            &path,
            &json!({"carrier": "DHL", "tracking_number": "1", "eta": "soon"}),
        )
        .await
        .problem(422, "validation_failed");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn shipping_with_if_match_of_another_version_is_412() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let (_, order) = paid_order(&app).await;
    let before = event_count(&app).await;

    admin
        .if_match("2")
        .ship(&order, &ship("DHL", "1"))
        .await
        .problem(412, "version_mismatch");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn delivering_an_unshipped_order_is_409_invalid_state() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let (_, order) = paid_order(&app).await;
    let before = event_count(&app).await;

    admin.deliver(&order).await.problem(409, "invalid_state");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_refund_without_a_reason_is_422_missing_field() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let (_, order) = paid_order(&app).await;
    let before = event_count(&app).await;

    admin.refund(&order, "").await.problem(422, "missing_field");

    assert_eq!(event_count(&app).await, before);
}
