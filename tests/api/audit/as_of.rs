//! As-of views: `GET orders/{id}?as_of=` and `commerce audit order <id> --as-of` rebuild the
//! order from its events up to that moment, in the shape of the live view.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use commerce_aggregates::Role;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{commerce, event, get, history, paid_order, texts};
use crate::checkout::start_engine;
use crate::client::Pay;
use crate::fixtures::confirmed_order;
use crate::helpers::{spawn_app, TestApp};

fn recorded_at(history: &[Value], event_type: &str) -> DateTime<Utc> {
    event(history, event_type)["recorded_at"]
        .as_str()
        .expect("recorded_at")
        .parse()
        .expect("RFC 3339")
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `GET orders/{order}?as_of=<at>` as `token`.
async fn as_of(app: &TestApp, order: &str, at: DateTime<Utc>, token: &str) -> (u16, Value) {
    let reply = get(
        app,
        &format!("/orders/{order}?as_of={}", instant(at)),
        token,
    )
    .await;
    (reply.status.as_u16(), reply.body)
}

fn statuses(view: &Value) -> Vec<&str> {
    view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|entry| entry["status"].as_str().expect("status"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_of_rebuilds_the_order_from_its_events_at_each_moment() {
    let engine = start_engine().await;
    let app = &engine.app;
    let purchase = paid_order(app, "ASOF10").await;
    let (order, token) = (purchase.order.as_str(), purchase.token.as_str());
    app.with_token(token)
        .cancel_order(order, "changed my mind")
        .await
        .command(200, 6);
    let events = history(app, order, token).await;
    let placed = recorded_at(&events, "OrderPlaced");
    let paid = recorded_at(&events, "OrderPaid");
    let cancelled = recorded_at(&events, "OrderCancelled");
    let micro = Duration::microseconds(1);

    let (status, body) = as_of(app, order, placed - micro, token).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "not_found");

    let (status, view) = as_of(app, order, placed, token).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(
        (view["status"].as_str(), view["version"].as_i64()),
        (Some("placed"), Some(1))
    );
    assert!(view["payment_due_by"].is_null());

    let (_, view) = as_of(app, order, paid - micro, token).await;
    assert_eq!(
        (view["status"].as_str(), view["version"].as_i64()),
        (Some("confirmed"), Some(2))
    );
    assert!(view["payment"].is_null(), "{view}");
    assert!(view["payment_due_by"].is_string(), "{view}");
    assert_eq!(statuses(&view), ["placed", "confirmed"]);

    let (_, view) = as_of(app, order, paid, token).await;
    assert_eq!(
        (view["status"].as_str(), view["version"].as_i64()),
        (Some("paid"), Some(3))
    );
    assert_eq!(view["payment"]["provider"], "test");
    assert_eq!(view["payment"]["amount"], view["total"]);
    assert_eq!(view["coupon_code"], "ASOF10");
    assert_eq!(view["discount"], json!({"amount": 250, "currency": "USD"}));
    assert!(view["cancel_reason"].is_null());

    // An offset other than Z names the same instant (`+` written as %2B).
    let paris = paid
        .with_timezone(&chrono::FixedOffset::east_opt(3600).expect("offset"))
        .to_rfc3339_opts(SecondsFormat::Micros, false)
        .replace('+', "%2B");
    let same = get(app, &format!("/orders/{order}?as_of={paris}"), token).await;
    assert_eq!(same.body, view);

    let (_, view) = as_of(app, order, cancelled, token).await;
    assert_eq!(view["status"], "cancelled");
    assert_eq!(view["cancel_reason"], "changed my mind");
    assert_eq!(view["cancelled_by"], "customer");
    assert!(view["refund"].is_null(), "{view}");
    assert_eq!(
        statuses(&view),
        ["placed", "confirmed", "paid", "cancelled"]
    );
    // The refund is requested with the cancellation and completed in the next commit.
    let requested = recorded_at(&events, "RefundRequested");
    let (_, view) = as_of(app, order, requested, token).await;
    assert!(view["refund"].is_null(), "{view}");
    assert_eq!(view["refunds"][0]["status"], "requested");
    assert_eq!(view["refunds"][0]["amount"], view["total"]);

    // Now, rebuilt from the events, equals the live view from the read model.
    let live = get(app, &format!("/orders/{order}?min_version=6"), token).await;
    assert_eq!(live.status, 200, "{}", live.text);
    assert_eq!(live.body["refund"], live.body["total"]);
    assert_eq!(live.body["status"], "cancelled");
    let (_, rebuilt) = as_of(app, order, Utc::now() + Duration::seconds(1), token).await;
    assert_eq!(rebuilt, live.body);
}

#[tokio::test]
async fn as_of_must_be_an_instant_and_follows_the_ownership_rules() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;
    let token = customer.token();
    for bad in ["yesterday", "2026-02-30T00:00:00Z", "2026-11-21", "12345"] {
        let reply = get(&app, &format!("/orders/{order}?as_of={bad}"), token).await;
        reply.problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"], "as_of", "{}", reply.text);
    }
    let now = Utc::now();
    let (status, view) = as_of(&app, &order, now, token).await;
    assert_eq!((status, view["status"].as_str()), (200, Some("confirmed")));
    for role in [Role::Admin, Role::Auditor] {
        let (_, other) = app.token(role);
        assert_eq!(as_of(&app, &order, now, &other).await.1, view, "{role:?}");
    }
    let (_, stranger) = app.token(Role::Customer);
    let (status, body) = as_of(&app, &order, now, &stranger).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, _) = as_of(&app, &Uuid::new_v4().to_string(), now, token).await;
    assert_eq!(status, 404);
    let epoch = DateTime::from_timestamp(0, 0).expect("epoch");
    assert_eq!(as_of(&app, &order, epoch, token).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_order_prints_the_order_rebuilt_at_a_moment() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;
    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
    let (_, auditor) = app.token(Role::Auditor);
    let paid = recorded_at(&history(&app, &order, &auditor).await, "OrderPaid");

    let before = instant(paid - Duration::microseconds(1));
    let output = commerce(&app, &["audit", "order", &order, "--as-of", &before]).await;
    let (stdout, stderr) = texts(&output);
    assert!(output.status.success(), "{stderr}");
    let view: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(
        (view["status"].as_str(), view["version"].as_i64()),
        (Some("confirmed"), Some(2))
    );
    assert_eq!(view["id"], order);

    let output = commerce(&app, &["audit", "order", &order]).await;
    assert!(output.status.success(), "{}", texts(&output).1);
    let now: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(now["status"], "paid");
    let (_, http) = as_of(&app, &order, Utc::now(), customer.token()).await;
    assert_eq!(now, http);

    let missing = Uuid::new_v4().to_string();
    let output = commerce(&app, &["audit", "order", &missing]).await;
    assert!(!output.status.success());
    assert!(
        texts(&output).1.contains("not found"),
        "{}",
        texts(&output).1
    );
    let output = commerce(&app, &["audit", "order", &order, "--as-of", "soon"]).await;
    assert!(!output.status.success());
    assert!(
        texts(&output).1.contains("RFC 3339"),
        "{}",
        texts(&output).1
    );
}
