//! Coupon commands: create, update (absent keeps, `null` clears), deactivate, with their
//! versions; bad input, roles and `If-Match`.

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::json;

use crate::client::{Client, NewCoupon, Price};
use crate::fixtures::{event_count, last_payload};
use crate::helpers::{spawn_app, TestApp};

/// `WELCOME10` (given in lower case) with every condition set.
fn welcome10() -> NewCoupon {
    NewCoupon {
        min_subtotal: Some(Price::usd(2000)),
        starts_at: Some("2026-01-01T00:00:00Z".into()),
        expires_at: Some("2027-01-01T00:00:00Z".into()),
        eligible_roles: vec!["prime".into(), "customer".into()],
        max_redemptions: Some(100),
        max_per_customer: Some(1),
        ..NewCoupon::percent("welcome10", 10)
    }
}

/// An admin who created the 5 % coupon `code`, and the number of events then.
async fn admin_with_a_coupon<'a>(app: &'a TestApp, code: &str) -> (Client<'a>, i64) {
    let admin = app.as_admin();
    admin
        .create_coupon(&NewCoupon::percent(code, 5))
        .await
        .command(201, 1);
    let before = event_count(app).await;
    (admin, before)
}

#[tokio::test]
async fn a_created_coupon_is_upper_cased_located_and_keeps_its_conditions() {
    let app = spawn_app().await;

    let created = app.as_admin().create_coupon(&welcome10()).await;

    assert_eq!(created.command(201, 1), "WELCOME10");
    assert_eq!(created.location(), "/api/v1/coupons/WELCOME10");
    let stored = last_payload(&app, "WELCOME10", "CouponCreated").await;
    assert_eq!(stored["eligible_roles"], json!(["prime", "customer"]));
}

#[tokio::test]
async fn an_update_keeps_absent_fields_and_clears_null_ones() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    admin.create_coupon(&welcome10()).await.command(201, 1);

    admin
        .update_coupon(
            "Welcome10",
            &json!({"discount": {"fixed": {"amount": 500, "currency": "USD"}},
                    "min_subtotal": null, "max_redemptions": 50}),
        )
        .await
        .command(200, 2);

    let updated = last_payload(&app, "WELCOME10", "CouponUpdated").await;
    assert_eq!(updated["min_subtotal"], json!(null), "{updated}");
    assert_eq!(updated["max_redemptions"], 50, "{updated}");
    assert_eq!(updated["max_per_customer"], 1, "{updated}");
}

#[tokio::test]
async fn deactivating_twice_is_409_already_inactive() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    admin.create_coupon(&welcome10()).await.command(201, 1);
    admin.deactivate_coupon("WELCOME10").await.command(200, 2);
    let before = event_count(&app).await;

    admin
        .deactivate_coupon("WELCOME10")
        .await
        .problem(409, "already_inactive");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn bad_coupon_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let (admin, before) = admin_with_a_coupon(&app, "TAKEN").await;

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
        admin
            .send_json(Method::POST, "/coupons", &body)
            .await
            .problem(status, code);
    }

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_malformed_coupon_body_is_400_malformed_json() {
    let app = spawn_app().await;
    let (admin, before) = admin_with_a_coupon(&app, "TAKEN").await;

    admin
        .request(Method::POST, "/coupons")
        .raw("{\"code\": \"X\",}")
        .send()
        .await
        .problem(400, "malformed_json");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_empty_coupon_update_is_422_nothing_to_update() {
    let app = spawn_app().await;
    let (admin, before) = admin_with_a_coupon(&app, "TAKEN").await;

    admin
        .update_coupon("TAKEN", &json!({}))
        .await
        .problem(422, "nothing_to_update");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn updating_or_deactivating_an_unknown_coupon_is_404() {
    let app = spawn_app().await;
    let (admin, before) = admin_with_a_coupon(&app, "TAKEN").await;

    admin
        .update_coupon("NOSUCH", &json!({"max_redemptions": 3}))
        .await
        .problem(404, "not_found");
    admin
        .update_coupon("a", &json!({"max_redemptions": 3}))
        .await
        .problem(404, "not_found");
    admin
        .deactivate_coupon("NOSUCH")
        .await
        .problem(404, "not_found");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn customers_and_auditors_are_403_on_coupon_routes() {
    let app = spawn_app().await;
    let (_, before) = admin_with_a_coupon(&app, "SPRING").await;

    for role in [Role::Customer, Role::Prime, Role::Auditor] {
        let user = app.as_role(role);
        user.create_coupon(&NewCoupon::percent("MINE", 50))
            .await
            .problem(403, "forbidden");
        user.deactivate_coupon("SPRING")
            .await
            .problem(403, "forbidden");
    }

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn coupon_routes_without_a_token_are_401() {
    let app = spawn_app().await;
    let (_, before) = admin_with_a_coupon(&app, "SPRING").await;

    app.anonymous()
        .create_coupon(&NewCoupon::percent("MINE", 50))
        .await
        .problem(401, "unauthorized");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_coupon_update_with_if_match_of_another_version_is_412() {
    let app = spawn_app().await;
    let (admin, before) = admin_with_a_coupon(&app, "SPRING").await;

    admin
        .if_match("\"2\"")
        .update_coupon("SPRING", &json!({"max_redemptions": 3}))
        .await
        .problem(412, "version_mismatch");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_coupon_update_with_if_match_of_the_current_version_goes_through() {
    let app = spawn_app().await;
    let (admin, _) = admin_with_a_coupon(&app, "SPRING").await;

    admin
        .if_match("\"1\"")
        .update_coupon("SPRING", &json!({"max_redemptions": 3}))
        .await
        .command(200, 2);
}
