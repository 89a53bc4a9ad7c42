//! Order commands: payment through the `test` provider, the lifecycle with its versions,
//! cancellation rules, roles, someone else's order and bad input.

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::json;

use super::{
    admin, call, confirmed_order, event_count, events_of_type, last_payload, post, post_empty,
};
use crate::helpers::spawn_app;

fn pay_with(token: &str) -> serde_json::Value {
    json!({"provider": "test", "token": token})
}

#[tokio::test]
async fn paying_with_the_ok_token_records_the_order_total_once() {
    let app = spawn_app().await;
    let (token, order) = confirmed_order(&app).await;
    let path = format!("/orders/{order}/pay");

    post(&app, &path, &token, &pay_with("tok_ok"))
        .await
        .command(200, 3);
    let paid = last_payload(&app, &order, "OrderPaid").await;
    assert_eq!(paid["provider"], "test");
    assert_eq!(paid["amount"], json!({"amount": 2999, "currency": "USD"}));

    // Paying again with the same token changes nothing.
    let events = event_count(&app).await;
    post(&app, &path, &token, &pay_with("tok_ok"))
        .await
        .command(200, 3);
    post(&app, &path, &token, &pay_with("tok_declined"))
        .await
        .problem(409, "invalid_state");
    assert_eq!(event_count(&app).await, events);
}

#[tokio::test]
async fn a_declined_payment_is_402_and_records_nothing() {
    let app = spawn_app().await;
    let (token, order) = confirmed_order(&app).await;
    let path = format!("/orders/{order}/pay");
    let before = event_count(&app).await;

    post(&app, &path, &token, &pay_with("tok_declined"))
        .await
        .problem(402, "payment_declined");
    assert_eq!(events_of_type(&app, "OrderPaid").await, 0);
    assert_eq!(event_count(&app).await, before);
    // The order can still be paid.
    post(&app, &path, &token, &pay_with("tok_ok"))
        .await
        .command(200, 3);
}

#[tokio::test]
async fn bad_payment_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let (cancelled_token, cancelled) = confirmed_order(&app).await;
    post(
        &app,
        &format!("/orders/{cancelled}/cancel"),
        &cancelled_token,
        &json!({"reason": "changed my mind"}),
    )
    .await
    .command(200, 3);
    let (token, order) = confirmed_order(&app).await;
    let path = format!("/orders/{order}/pay");
    let before = event_count(&app).await;

    post(
        &app,
        &path,
        &token,
        &json!({"provider": "stripe", "token": "tok_ok"}),
    )
    .await
    .problem(422, "unknown_provider");
    post(&app, &path, &token, &pay_with("tok_whatever"))
        .await
        .problem(422, "validation_failed");
    post(&app, &path, &token, &json!({"provider": "test"}))
        .await
        .problem(422, "validation_failed");
    post(
        &app,
        &path,
        &token,
        &json!({"provider": "test", "token": "tok_ok", "amount": 1}),
    )
    .await
    .problem(422, "validation_failed");
    call(&app, Method::POST, &path, Some(&token))
        .raw("provider=test")
        .send()
        .await
        .problem(400, "malformed_json");
    call(&app, Method::POST, &path, Some(&token))
        .header("if-match", "1")
        .json(&pay_with("tok_ok"))
        .send()
        .await
        .problem(412, "version_mismatch");
    // Cancelled: nothing to pay.
    post(
        &app,
        &format!("/orders/{cancelled}/pay"),
        &cancelled_token,
        &pay_with("tok_ok"),
    )
    .await
    .problem(409, "invalid_state");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_order_goes_through_its_lifecycle_with_each_version() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let (token, order) = confirmed_order(&app).await;

    post(
        &app,
        &format!("/orders/{order}/pay"),
        &token,
        &pay_with("tok_ok"),
    )
    .await
    .command(200, 3);
    post(
        &app,
        &format!("/orders/{order}/ship"),
        &admin,
        &json!({"carrier": "DHL", "tracking_number": "JD0146"}),
    )
    .await
    .command(200, 4);
    assert_eq!(
        last_payload(&app, &order, "OrderShipped").await["carrier"],
        "DHL"
    );
    post_empty(&app, &format!("/orders/{order}/deliver"), &admin)
        .await
        .command(200, 5);
    post(
        &app,
        &format!("/orders/{order}/refund"),
        &admin,
        &json!({"reason": "arrived broken"}),
    )
    .await
    .command(200, 6);
    let refunded = last_payload(&app, &order, "OrderRefunded").await;
    assert_eq!(refunded["amount"]["amount"], 2999);
}

#[tokio::test]
async fn owners_cancel_before_shipping_and_admins_also_after() {
    let app = spawn_app().await;
    let admin = admin(&app);

    let (token, order) = confirmed_order(&app).await;
    post(
        &app,
        &format!("/orders/{order}/cancel"),
        &token,
        &json!({"reason": "changed my mind"}),
    )
    .await
    .command(200, 3);
    assert_eq!(
        last_payload(&app, &order, "OrderCancelled").await["by"],
        "customer"
    );

    let (token, shipped) = confirmed_order(&app).await;
    post(
        &app,
        &format!("/orders/{shipped}/pay"),
        &token,
        &pay_with("tok_ok"),
    )
    .await
    .command(200, 3);
    post(
        &app,
        &format!("/orders/{shipped}/ship"),
        &admin,
        &json!({"carrier": "UPS", "tracking_number": "1Z999"}),
    )
    .await
    .command(200, 4);
    let before = event_count(&app).await;
    let cancel = json!({"reason": "too late?"});
    post(&app, &format!("/orders/{shipped}/cancel"), &token, &cancel)
        .await
        .problem(409, "invalid_state");
    post(
        &app,
        &format!("/orders/{shipped}/cancel"),
        &token,
        &json!({"reason": " "}),
    )
    .await
    .problem(409, "invalid_state");
    assert_eq!(event_count(&app).await, before);
    post(&app, &format!("/orders/{shipped}/cancel"), &admin, &cancel)
        .await
        .command(200, 5);
    let cancelled = last_payload(&app, &shipped, "OrderCancelled").await;
    assert_eq!(cancelled["by"], "admin");
    assert_eq!(cancelled["refund"]["amount"], 2999);
}

#[tokio::test]
async fn someone_elses_order_is_404_and_roles_are_enforced() {
    let app = spawn_app().await;
    let (_, order) = confirmed_order(&app).await;
    let before = event_count(&app).await;
    let (_, stranger) = app.token(Role::Customer);
    let (_, auditor) = app.token(Role::Auditor);

    post(
        &app,
        &format!("/orders/{order}/pay"),
        &stranger,
        &pay_with("tok_ok"),
    )
    .await
    .problem(404, "not_found");
    post(
        &app,
        &format!("/orders/{order}/cancel"),
        &stranger,
        &json!({"reason": "mine now"}),
    )
    .await
    .problem(404, "not_found");
    let missing = uuid::Uuid::new_v4();
    post(
        &app,
        &format!("/orders/{missing}/pay"),
        &stranger,
        &pay_with("tok_ok"),
    )
    .await
    .problem(404, "not_found");
    post_empty(&app, &format!("/orders/{missing}/deliver"), &admin(&app))
        .await
        .problem(404, "not_found");

    let ship = json!({"carrier": "DHL", "tracking_number": "1"});
    post(&app, &format!("/orders/{order}/ship"), &stranger, &ship)
        .await
        .problem(403, "forbidden");
    post_empty(&app, &format!("/orders/{order}/deliver"), &stranger)
        .await
        .problem(403, "forbidden");
    post(
        &app,
        &format!("/orders/{order}/refund"),
        &stranger,
        &json!({"reason": "x"}),
    )
    .await
    .problem(403, "forbidden");
    for path in ["pay", "cancel", "ship", "deliver", "refund"] {
        post(
            &app,
            &format!("/orders/{order}/{path}"),
            &auditor,
            &json!({}),
        )
        .await
        .problem(403, "forbidden");
    }
    call(&app, Method::POST, &format!("/orders/{order}/cancel"), None)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .problem(401, "unauthorized");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn bad_shipping_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let (token, order) = confirmed_order(&app).await;
    post(
        &app,
        &format!("/orders/{order}/pay"),
        &token,
        &pay_with("tok_ok"),
    )
    .await
    .command(200, 3);
    let path = format!("/orders/{order}/ship");
    let before = event_count(&app).await;

    post(
        &app,
        &path,
        &admin,
        &json!({"carrier": " ", "tracking_number": "1"}),
    )
    .await
    .problem(422, "missing_field");
    post(&app, &path, &admin, &json!({"carrier": "DHL"}))
        .await
        .problem(422, "validation_failed");
    post(
        &app,
        &path,
        &admin,
        &json!({"carrier": "DHL", "tracking_number": 42}),
    )
    .await
    .problem(422, "validation_failed");
    post(
        &app,
        &path,
        &admin,
        &json!({"carrier": "DHL", "tracking_number": "1", "eta": "soon"}),
    )
    .await
    .problem(422, "validation_failed");
    call(&app, Method::POST, &path, Some(&admin))
        .header("if-match", "2")
        .json(&json!({"carrier": "DHL", "tracking_number": "1"}))
        .send()
        .await
        .problem(412, "version_mismatch");
    post_empty(&app, &format!("/orders/{order}/deliver"), &admin)
        .await
        .problem(409, "invalid_state");
    post(
        &app,
        &format!("/orders/{order}/refund"),
        &admin,
        &json!({"reason": ""}),
    )
    .await
    .problem(422, "missing_field");
    assert_eq!(event_count(&app).await, before);
}
