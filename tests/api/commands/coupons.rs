//! Coupon commands: create, update (absent keeps, `null` clears), deactivate, with their
//! versions; bad input, roles and `If-Match`.

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::json;

use super::{admin, call, event_count, last_payload, patch, post, post_empty};
use crate::helpers::spawn_app;

#[tokio::test]
async fn admin_creates_updates_and_deactivates_a_coupon() {
    let app = spawn_app().await;
    let admin = admin(&app);

    let created = post(
        &app,
        "/coupons",
        &admin,
        &json!({
            "code": "welcome10",
            "discount": {"percent": 10},
            "min_subtotal": {"amount": 2000, "currency": "USD"},
            "starts_at": "2026-01-01T00:00:00Z",
            "expires_at": "2027-01-01T00:00:00Z",
            "eligible_roles": ["prime", "customer"],
            "max_redemptions": 100,
            "max_per_customer": 1
        }),
    )
    .await;
    assert_eq!(created.command(201, 1), "WELCOME10");
    assert_eq!(created.location(), "/api/v1/coupons/WELCOME10");
    let stored = last_payload(&app, "WELCOME10", "CouponCreated").await;
    assert_eq!(stored["eligible_roles"], json!(["prime", "customer"]));

    patch(
        &app,
        "/coupons/Welcome10",
        &admin,
        &json!({"discount": {"fixed": {"amount": 500, "currency": "USD"}},
                "min_subtotal": null, "max_redemptions": 50}),
    )
    .await
    .command(200, 2);
    let updated = last_payload(&app, "WELCOME10", "CouponUpdated").await;
    assert_eq!(updated["min_subtotal"], json!(null), "{updated}");
    assert_eq!(updated["max_redemptions"], 50, "{updated}");
    assert_eq!(updated["max_per_customer"], 1, "{updated}");

    post_empty(&app, "/coupons/WELCOME10/deactivate", &admin)
        .await
        .command(200, 3);
    let before = event_count(&app).await;
    post_empty(&app, "/coupons/WELCOME10/deactivate", &admin)
        .await
        .problem(409, "already_inactive");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn bad_coupon_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = admin(&app);
    post(
        &app,
        "/coupons",
        &admin,
        &json!({"code": "TAKEN", "discount": {"percent": 5}}),
    )
    .await
    .command(201, 1);
    let before = event_count(&app).await;

    let cases = [
        (
            json!({"code": "A", "discount": {"percent": 5}}),
            422,
            "invalid_code",
        ),
        (
            json!({"code": "ZERO", "discount": {"percent": 0}}),
            422,
            "invalid_percent",
        ),
        (
            json!({"code": "HUGE", "discount": {"percent": 300}}),
            422,
            "validation_failed",
        ),
        (
            json!({"code": "BOTH", "discount": {"percent": 5, "fixed": 1}}),
            422,
            "validation_failed",
        ),
        (
            json!({"code": "ODD", "discount": {"gift": true}}),
            422,
            "validation_failed",
        ),
        (
            json!({"code": "NEG", "discount": {"fixed": {"amount": -5, "currency": "USD"}}}),
            422,
            "invalid_fixed_amount",
        ),
        (
            json!({"code": "CUR", "discount": {"fixed": {"amount": 5, "currency": "$"}}}),
            422,
            "validation_failed",
        ),
        (
            json!({"code": "ROLE", "discount": {"percent": 5}, "eligible_roles": ["vip"]}),
            422,
            "validation_failed",
        ),
        (
            json!({"code": "WIN", "discount": {"percent": 5}, "starts_at": "2027-01-01T00:00:00Z",
                "expires_at": "2026-01-01T00:00:00Z"}),
            422,
            "invalid_validity_window",
        ),
        (
            json!({"code": "LIM", "discount": {"percent": 5}, "max_redemptions": 0}),
            422,
            "invalid_limit",
        ),
        (
            json!({"code": "DATE", "discount": {"percent": 5}, "starts_at": "tomorrow"}),
            422,
            "validation_failed",
        ),
        (
            json!({"code": "XTRA", "discount": {"percent": 5}, "stackable": true}),
            422,
            "validation_failed",
        ),
        (
            json!({"code": "taken", "discount": {"percent": 5}}),
            409,
            "already_exists",
        ),
    ];
    for (body, status, code) in cases {
        post(&app, "/coupons", &admin, &body)
            .await
            .problem(status, code);
    }
    call(&app, Method::POST, "/coupons", Some(&admin))
        .raw("{\"code\": \"X\",}")
        .send()
        .await
        .problem(400, "malformed_json");
    patch(&app, "/coupons/TAKEN", &admin, &json!({}))
        .await
        .problem(422, "nothing_to_update");
    patch(
        &app,
        "/coupons/NOSUCH",
        &admin,
        &json!({"max_redemptions": 3}),
    )
    .await
    .problem(404, "not_found");
    patch(&app, "/coupons/a", &admin, &json!({"max_redemptions": 3}))
        .await
        .problem(404, "not_found");
    post_empty(&app, "/coupons/NOSUCH/deactivate", &admin)
        .await
        .problem(404, "not_found");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn coupon_routes_need_an_admin_and_honour_if_match() {
    let app = spawn_app().await;
    let admin = admin(&app);
    post(
        &app,
        "/coupons",
        &admin,
        &json!({"code": "SPRING", "discount": {"percent": 5}}),
    )
    .await
    .command(201, 1);
    let before = event_count(&app).await;
    let body = json!({"code": "MINE", "discount": {"percent": 50}});
    for role in [Role::Customer, Role::Prime, Role::Auditor] {
        let (_, token) = app.token(role);
        post(&app, "/coupons", &token, &body)
            .await
            .problem(403, "forbidden");
        post_empty(&app, "/coupons/SPRING/deactivate", &token)
            .await
            .problem(403, "forbidden");
    }
    call(&app, Method::POST, "/coupons", None)
        .json(&body)
        .send()
        .await
        .problem(401, "unauthorized");
    call(&app, Method::PATCH, "/coupons/SPRING", Some(&admin))
        .header("if-match", "\"2\"")
        .json(&json!({"max_redemptions": 3}))
        .send()
        .await
        .problem(412, "version_mismatch");
    assert_eq!(event_count(&app).await, before);
    call(&app, Method::PATCH, "/coupons/SPRING", Some(&admin))
        .header("if-match", "\"1\"")
        .json(&json!({"max_redemptions": 3}))
        .send()
        .await
        .command(200, 2);
}
