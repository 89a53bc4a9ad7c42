//! `Idempotency-Key`: replays return the first response and append nothing, a key is bound
//! to one request and one caller, concurrent requests with one key run once, and keys expire.

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::json;

use super::{
    admin, call, confirmed_order, event_count, events_of_type, product_body, ready_cart, Reply,
};
use crate::helpers::{spawn_app, TestApp};

async fn create_with_key(app: &TestApp, token: &str, key: &str, sku: &str) -> Reply {
    call(app, Method::POST, "/products", Some(token))
        .header("idempotency-key", key)
        .json(&product_body(sku, 5))
        .send()
        .await
}

#[tokio::test]
async fn a_replay_returns_the_first_response_and_appends_nothing() {
    let app = spawn_app().await;
    let admin = admin(&app);

    let first = create_with_key(&app, &admin, "create-cup-1", "CUP-W").await;
    let id = first.command(201, 1);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let events = event_count(&app).await;

    let replay = create_with_key(&app, &admin, "create-cup-1", "CUP-W").await;
    assert_eq!(replay.status, first.status);
    assert_eq!(replay.text, first.text);
    assert_eq!(replay.location(), format!("/api/v1/products/{id}"));
    assert_eq!(replay.headers["content-type"], "application/json");
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(event_count(&app).await, events);

    // Without the key the same body is a new request (and its SKU is taken now).
    call(&app, Method::POST, "/products", Some(&admin))
        .json(&product_body("CUP-W", 5))
        .send()
        .await
        .problem(409, "duplicate_sku");
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_422() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let id = create_with_key(&app, &admin, "k-1", "CUP-W")
        .await
        .command(201, 1);
    let events = event_count(&app).await;

    create_with_key(&app, &admin, "k-1", "CUP-B")
        .await
        .problem(422, "idempotency_key_reused");
    call(
        &app,
        Method::POST,
        &format!("/products/{id}/publish"),
        Some(&admin),
    )
    .header("idempotency-key", "k-1")
    .send()
    .await
    .problem(422, "idempotency_key_reused");
    assert_eq!(event_count(&app).await, events);

    // Keys belong to their caller: another admin's "k-1" is a key of its own.
    let other = super::admin(&app);
    create_with_key(&app, &other, "k-1", "CUP-B")
        .await
        .command(201, 1);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_run_once() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let replies = futures_util::future::join_all(
        (0..8).map(|_| create_with_key(&app, &admin, "race", "CUP-W")),
    )
    .await;

    let mut created = Vec::new();
    for reply in &replies {
        if reply.status.as_u16() == 201 {
            created.push(reply.text.clone());
        } else {
            reply.problem(409, "idempotency_key_in_progress");
        }
    }
    assert!(!created.is_empty(), "{replies:?}");
    assert!(
        created.iter().all(|body| *body == created[0]),
        "{created:?}"
    );
    assert_eq!(events_of_type(&app, "ProductCreated").await, 1);
}

#[tokio::test]
async fn definite_refusals_are_replayed_and_transient_ones_are_not_stored() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let mut nameless = product_body("CUP-W", 5);
    nameless["name"] = json!("");
    let refused = call(&app, Method::POST, "/products", Some(&admin))
        .header("idempotency-key", "nameless")
        .json(&nameless)
        .send()
        .await;
    refused.problem(422, "field_required");
    let replay = call(&app, Method::POST, "/products", Some(&admin))
        .header("idempotency-key", "nameless")
        .json(&nameless)
        .send()
        .await;
    replay.problem(422, "field_required");
    assert_eq!(replay.text, refused.text);
    assert_eq!(replay.headers["idempotent-replayed"], "true");

    // Unauthenticated attempts store nothing under the key.
    call(&app, Method::POST, "/products", Some("expired-or-forged"))
        .header("idempotency-key", "later")
        .json(&product_body("CUP-W", 5))
        .send()
        .await
        .problem(401, "unauthorized");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
        .fetch_one(&app.db.pool)
        .await
        .expect("count keys");
    assert_eq!(stored, 1);
    assert_eq!(event_count(&app).await, 0);
}

#[tokio::test]
async fn checkout_and_payment_replays_append_nothing() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let product = super::active_product(&app, &admin, "CUP-W", 10).await;
    let (_, token) = app.token(Role::Customer);
    let cart = ready_cart(&app, &token, &product, "CUP-W", 1).await;
    let checkout = || {
        call(
            &app,
            Method::POST,
            &format!("/carts/{cart}/checkout"),
            Some(&token),
        )
        .header("idempotency-key", "checkout-1")
        .send()
    };
    let first = checkout().await;
    first.command(201, 2);
    let events = event_count(&app).await;
    let replay = checkout().await;
    assert_eq!((replay.status, &replay.text), (first.status, &first.text));
    assert_eq!(replay.location(), first.location());
    assert_eq!(event_count(&app).await, events);

    let (token, order) = confirmed_order(&app).await;
    let pay = |key: &'static str, payment: &'static str| {
        call(
            &app,
            Method::POST,
            &format!("/orders/{order}/pay"),
            Some(&token),
        )
        .header("idempotency-key", key)
        .json(&json!({"provider": "test", "token": payment}))
        .send()
    };
    pay("pay-1", "tok_declined")
        .await
        .problem(402, "payment_declined");
    // The same key replays the decline; a new key can pay.
    pay("pay-1", "tok_declined")
        .await
        .problem(402, "payment_declined");
    pay("pay-2", "tok_ok").await.command(200, 3);
    let events = event_count(&app).await;
    pay("pay-2", "tok_ok").await.command(200, 3);
    assert_eq!(event_count(&app).await, events);
    assert_eq!(events_of_type(&app, "OrderPaid").await, 1);
}

#[tokio::test]
async fn keys_expire_after_a_day_and_malformed_keys_are_400() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let first = create_with_key(&app, &admin, "daily", "CUP-W")
        .await
        .command(201, 1);
    sqlx::query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        .execute(&app.db.pool)
        .await
        .expect("age the key");
    // Expired: the key is free again, for any request.
    let second = create_with_key(&app, &admin, "daily", "CUP-B")
        .await
        .command(201, 1);
    assert_ne!(first, second);

    let before = event_count(&app).await;
    let long = "k".repeat(256);
    for key in [long.as_str(), "two words", ""] {
        create_with_key(&app, &admin, key, "CUP-X")
            .await
            .problem(400, "invalid_idempotency_key");
    }
    // Authentication comes first.
    call(&app, Method::POST, "/products", None)
        .header("idempotency-key", "two words")
        .json(&product_body("CUP-X", 5))
        .send()
        .await
        .problem(401, "unauthorized");
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_key_in_use_is_409_until_its_lease_runs_out() {
    use sha2::{Digest, Sha256};

    let app = spawn_app().await;
    let (admin_id, admin) = app.token(Role::Admin);
    let body = product_body("CUP-W", 5);
    let hash = Sha256::digest(serde_json::to_vec(&body).expect("serialises")).to_vec();
    // Another request with this key and body is running (or its process died).
    sqlx::query(
        "INSERT INTO idempotency_keys
             (caller_id, idempotency_key, method, path, request_hash, reservation_id)
         VALUES ($1, 'busy', 'POST', '/api/v1/products', $2, gen_random_uuid())",
    )
    .bind(admin_id)
    .bind(&hash)
    .execute(&app.db.pool)
    .await
    .expect("reservation");

    create_with_key(&app, &admin, "busy", "CUP-W")
        .await
        .problem(409, "idempotency_key_in_progress");
    assert_eq!(event_count(&app).await, 0);

    // Its lease runs out: the same request takes the key over and runs.
    sqlx::query("UPDATE idempotency_keys SET created_at = now() - interval '2 minutes'")
        .execute(&app.db.pool)
        .await
        .expect("age the reservation");
    create_with_key(&app, &admin, "busy", "CUP-W")
        .await
        .command(201, 1);
    let replay = create_with_key(&app, &admin, "busy", "CUP-W").await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(events_of_type(&app, "ProductCreated").await, 1);
}
