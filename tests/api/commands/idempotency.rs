//! `Idempotency-Key`: replays return the first response and append nothing, a key is bound
//! to one request and one caller, concurrent requests with one key run once, and keys expire.

use commerce_aggregates::Role;

use crate::client::{Client, Pay, Reply};
use crate::fixtures::{active_product, confirmed_order, new_product, ready_cart};
use crate::fixtures::{event_count, events_of_type};
use crate::helpers::spawn_app;

/// `POST /products` of [`new_product`] `sku` (5 units) as `admin` with `Idempotency-Key: key`.
async fn create_with_key(admin: &Client<'_>, key: &str, sku: &str) -> Reply {
    admin
        .idempotency_key(key)
        .create_product(&new_product(sku, 5))
        .await
}

/// The number of stored idempotency keys.
async fn stored_keys(app: &crate::helpers::TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
        .fetch_one(&app.db.pool)
        .await
        .expect("count keys")
}

#[tokio::test]
async fn a_replay_returns_the_first_response_and_appends_nothing() {
    let app = spawn_app().await;
    let admin = app.as_admin();

    let first = create_with_key(&admin, "create-cup-1", "CUP-W").await;
    let id = first.command(201, 1);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let events = event_count(&app).await;

    let replay = create_with_key(&admin, "create-cup-1", "CUP-W").await;
    assert_eq!(replay.status, first.status);
    assert_eq!(replay.text, first.text);
    assert_eq!(replay.location(), format!("/api/v1/products/{id}"));
    assert_eq!(replay.headers["content-type"], "application/json");
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(event_count(&app).await, events);
}

#[tokio::test]
async fn without_the_key_the_same_body_is_a_new_request() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    create_with_key(&admin, "create-cup-1", "CUP-W")
        .await
        .command(201, 1);

    // A new request: its SKU is taken now.
    admin
        .create_product(&new_product("CUP-W", 5))
        .await
        .problem(409, "duplicate_sku");
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_422() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let id = create_with_key(&admin, "k-1", "CUP-W")
        .await
        .command(201, 1);
    let events = event_count(&app).await;

    create_with_key(&admin, "k-1", "CUP-B")
        .await
        .problem(422, "idempotency_key_reused");
    admin
        .idempotency_key("k-1")
        .publish(&id)
        .await
        .problem(422, "idempotency_key_reused");

    assert_eq!(event_count(&app).await, events);
}

#[tokio::test]
async fn keys_belong_to_their_caller() {
    let app = spawn_app().await;
    create_with_key(&app.as_admin(), "k-1", "CUP-W")
        .await
        .command(201, 1);

    // Another admin's "k-1" is a key of its own.
    create_with_key(&app.as_admin(), "k-1", "CUP-B")
        .await
        .command(201, 1);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_run_once() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let replies =
        futures_util::future::join_all((0..8).map(|_| create_with_key(&admin, "race", "CUP-W")))
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
async fn a_definite_refusal_is_replayed() {
    let app = spawn_app().await;
    let admin = app.as_admin().idempotency_key("nameless");
    let mut nameless = new_product("CUP-W", 5);
    nameless.name = String::new();

    let refused = admin.create_product(&nameless).await;
    refused.problem(422, "field_required");
    let replay = admin.create_product(&nameless).await;

    replay.problem(422, "field_required");
    assert_eq!(replay.text, refused.text);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(stored_keys(&app).await, 1);
}

#[tokio::test]
async fn an_unauthenticated_attempt_stores_nothing_under_its_key() {
    let app = spawn_app().await;

    app.with_token("expired-or-forged")
        .idempotency_key("later")
        .create_product(&new_product("CUP-W", 5))
        .await
        .problem(401, "token_invalid");

    assert_eq!(stored_keys(&app).await, 0);
    assert_eq!(event_count(&app).await, 0);
}

#[tokio::test]
async fn a_checkout_replay_appends_nothing() {
    let app = spawn_app().await;
    let product = active_product(&app.as_admin(), "CUP-W", 10).await;
    let customer = app.as_role(Role::Customer);
    let cart = ready_cart(&customer, &product, "CUP-W", 1).await;
    let customer = customer.idempotency_key("checkout-1");

    let first = customer.checkout(&cart).await;
    first.command(201, 2);
    let events = event_count(&app).await;
    let replay = customer.checkout(&cart).await;

    assert_eq!((replay.status, &replay.text), (first.status, &first.text));
    assert_eq!(replay.location(), first.location());
    assert_eq!(event_count(&app).await, events);
}

#[tokio::test]
async fn a_declined_payment_is_replayed_under_its_key_and_a_new_key_can_pay() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;

    customer
        .idempotency_key("pay-1")
        .pay(&order, &Pay::test("tok_declined"))
        .await
        .problem(402, "payment_declined");
    customer
        .idempotency_key("pay-1")
        .pay(&order, &Pay::test("tok_declined"))
        .await
        .problem(402, "payment_declined");

    customer
        .idempotency_key("pay-2")
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
}

#[tokio::test]
async fn a_payment_replay_appends_nothing() {
    let app = spawn_app().await;
    let (customer, order) = confirmed_order(&app).await;
    let customer = customer.idempotency_key("pay-2");
    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
    let events = event_count(&app).await;

    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);

    assert_eq!(event_count(&app).await, events);
    assert_eq!(events_of_type(&app, "OrderPaid").await, 1);
}

#[tokio::test]
async fn keys_expire_after_a_day_and_are_free_again_for_any_request() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let first = create_with_key(&admin, "daily", "CUP-W")
        .await
        .command(201, 1);
    sqlx::query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        .execute(&app.db.pool)
        .await
        .expect("age the key");

    let second = create_with_key(&admin, "daily", "CUP-B")
        .await
        .command(201, 1);

    assert_ne!(first, second);
}

#[tokio::test]
async fn a_malformed_key_is_400_invalid_idempotency_key() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let long = "k".repeat(256);

    for key in [long.as_str(), "two words", ""] {
        create_with_key(&admin, key, "CUP-X")
            .await
            .problem(400, "invalid_idempotency_key");
    }

    assert_eq!(event_count(&app).await, 0);
}

#[tokio::test]
async fn authentication_comes_before_the_key_is_checked() {
    let app = spawn_app().await;

    create_with_key(&app.anonymous(), "two words", "CUP-X")
        .await
        .problem(401, "unauthorized");

    assert_eq!(event_count(&app).await, 0);
}

#[tokio::test]
async fn a_key_in_use_is_409_until_its_lease_runs_out() {
    use sha2::{Digest, Sha256};

    let app = spawn_app().await;
    let admin = app.as_admin();
    let body = new_product("CUP-W", 5);
    let hash = Sha256::digest(serde_json::to_vec(&body).expect("serialises")).to_vec();
    // Another request with this key and body is running (or its process died).
    sqlx::query(
        "INSERT INTO idempotency_keys
             (caller_id, idempotency_key, method, path, request_hash, reservation_id)
         VALUES ($1, 'busy', 'POST', '/api/v1/products', $2, gen_random_uuid())",
    )
    .bind(admin.user())
    .bind(&hash)
    .execute(&app.db.pool)
    .await
    .expect("reservation");

    create_with_key(&admin, "busy", "CUP-W")
        .await
        .problem(409, "idempotency_key_in_progress");
    assert_eq!(event_count(&app).await, 0);

    // Its lease runs out: the same request takes the key over and runs.
    sqlx::query("UPDATE idempotency_keys SET created_at = now() - interval '2 minutes'")
        .execute(&app.db.pool)
        .await
        .expect("age the reservation");
    create_with_key(&admin, "busy", "CUP-W")
        .await
        .command(201, 1);
    let replay = create_with_key(&admin, "busy", "CUP-W").await;
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(events_of_type(&app, "ProductCreated").await, 1);
}
