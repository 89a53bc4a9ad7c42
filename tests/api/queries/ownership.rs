//! Carts and orders through the query API: owners, admins and auditors read them, anybody
//! else gets 404; order lists are a customer's own, or everyone's for the back office.

use commerce_aggregates::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use super::{
    assert_invalid, create_cart, create_product, pay_order, place_order, refresh, NewProduct,
};
use crate::client::{CartView, Client, OrderView, Price};
use crate::helpers::{spawn_app, TestApp};

/// A customer's open cart of 2 × `MUG-1` (12.50 USD), in the read models: (owner, cart id).
async fn a_cart(app: &TestApp) -> (Client<'_>, String) {
    let product = create_product(
        app,
        NewProduct {
            name: "Mug",
            category: "kitchen",
            tags: &[],
            price: 1250,
            stock: 10,
            publish: true,
        },
    )
    .await;
    let owner = app.as_customer();
    let cart = create_cart(app, owner.user(), product, "MUG-1").await;
    refresh(app).await;
    (owner, cart.to_string())
}

/// A customer's paid order, in the read models: (owner, order id).
async fn a_paid_order(app: &TestApp) -> (Client<'_>, String) {
    let owner = app.as_customer();
    let order = place_order(app, owner.user()).await;
    pay_order(app, order, owner.user()).await;
    refresh(app).await;
    (owner, order.to_string())
}

#[tokio::test]
async fn the_owner_reads_their_cart_with_its_lines_and_subtotal() {
    let app = spawn_app().await;
    let (owner, cart) = a_cart(&app).await;

    let reply = owner.get_cart(&cart).await;

    assert_eq!(reply.status, StatusCode::OK);
    let body = &reply.body;
    assert_eq!(body["customer_id"], owner.user().to_string());
    assert_eq!(
        (body["status"].as_str(), body["version"].as_i64()),
        (Some("open"), Some(2))
    );
    assert_eq!(
        body["subtotal"],
        serde_json::json!({"amount": 2500, "currency": "USD"})
    );
    assert_eq!(body["lines"][0]["sku"], "MUG-1");
    assert_eq!(body["lines"][0]["quantity"], 2);
    assert_eq!(body["lines"][0]["line_total"]["amount"], 2500);
    assert!(body["shipping_address"].is_null());
    let view: CartView = reply.json(200);
    assert_eq!(view.id.to_string(), cart);
    assert_eq!(
        (
            view.status.as_str(),
            view.currency.as_str(),
            view.item_count
        ),
        ("open", "USD", 2)
    );
    assert_eq!((view.coupon_code, view.version), (None, 2));
}

#[tokio::test]
async fn admins_and_auditors_read_any_cart() {
    let app = spawn_app().await;
    let (_, cart) = a_cart(&app).await;

    for role in [Role::Admin, Role::Auditor] {
        assert_eq!(
            app.as_role(role).get_cart(&cart).await.status,
            StatusCode::OK,
            "{role:?}"
        );
    }
}

#[tokio::test]
async fn someone_elses_cart_is_404_not_found() {
    let app = spawn_app().await;
    let (_, cart) = a_cart(&app).await;

    for role in [Role::Customer, Role::Prime] {
        let response = app.as_role(role).get_cart(&cart).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{role:?}");
        let problem = response.problem_document();
        assert_eq!(problem.code, "not_found");
    }
}

#[tokio::test]
async fn reading_a_cart_without_a_valid_token_is_401() {
    let app = spawn_app().await;
    let (_, cart) = a_cart(&app).await;

    assert_eq!(
        app.anonymous().get_cart(&cart).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.with_token("garbage").get_cart(&cart).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_unknown_cart_is_404() {
    let app = spawn_app().await;
    let (owner, _) = a_cart(&app).await;

    assert_eq!(
        owner.get_cart(&Uuid::new_v4().to_string()).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_order_shows_totals_lines_payment_and_timeline_to_its_owner() {
    let app = spawn_app().await;
    let (owner, order) = a_paid_order(&app).await;

    let reply = owner.get_order(&order).await;

    let body = &reply.body;
    assert_eq!(reply.status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["version"].as_i64()),
        (Some("paid"), Some(3))
    );
    assert_eq!(
        body["total"],
        serde_json::json!({"amount": 2500, "currency": "USD"})
    );
    assert_eq!(body["subtotal"]["amount"], 2000);
    assert_eq!(body["shipping"]["amount"], 500);
    assert_eq!(body["lines"][0]["sku"], "MUG-1");
    assert_eq!(body["lines"][0]["quantity"], 2);
    assert_eq!(body["lines"][0]["unit_price"]["amount"], 1000);
    assert_eq!(body["shipping_address"]["city"], "London");
    assert_eq!(body["payment"]["provider"], "test");
    assert_eq!(body["payment"]["amount"]["amount"], 2500);
    assert!(body["shipment"].is_null() && body["rejection"].is_null());
    let steps: Vec<(i64, &str)> = body["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| {
            (
                e["sequence"].as_i64().unwrap_or(0),
                e["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(steps, [(1, "placed"), (2, "confirmed"), (3, "paid")]);
    assert_eq!(body["timeline"][2]["event_type"], "OrderPaid");
    assert_eq!(body["timeline"][0]["actor_id"], owner.user().to_string());
    let view: OrderView = reply.json(200);
    assert_eq!(view.id.to_string(), order);
    assert_eq!(
        (view.status.as_str(), view.total, view.version),
        ("paid", Price::usd(2500), 3)
    );
}

#[tokio::test]
async fn admins_and_auditors_read_any_order() {
    let app = spawn_app().await;
    let (_, order) = a_paid_order(&app).await;

    for role in [Role::Admin, Role::Auditor] {
        assert_eq!(
            app.as_role(role).get_order(&order).await.status,
            StatusCode::OK,
            "{role:?}"
        );
    }
}

#[tokio::test]
async fn someone_elses_order_is_404_and_an_anonymous_read_401() {
    let app = spawn_app().await;
    let (_, order) = a_paid_order(&app).await;

    assert_eq!(
        app.as_customer().get_order(&order).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.anonymous().get_order(&order).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_unknown_order_is_404() {
    let app = spawn_app().await;
    let (owner, _) = a_paid_order(&app).await;

    assert_eq!(
        owner.get_order(&Uuid::new_v4().to_string()).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Alice with a paid and a confirmed order, Bob with a confirmed one, in the read models:
/// (alice, bob, alice's paid order, bob's order).
async fn three_orders(app: &TestApp) -> (Client<'_>, Client<'_>, Uuid, Uuid) {
    let alice = app.as_customer();
    let bob = app.as_customer();
    let paid = place_order(app, alice.user()).await;
    pay_order(app, paid, alice.user()).await;
    place_order(app, alice.user()).await;
    let bobs = place_order(app, bob.user()).await;
    refresh(app).await;
    (alice, bob, paid, bobs)
}

#[tokio::test]
async fn customers_list_only_their_own_orders() {
    let app = spawn_app().await;
    let (alice, bob, paid, bobs) = three_orders(&app).await;

    let reply = alice.list_orders("").await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = &reply.body;
    assert_eq!(page["total"], 2);
    let items = page["items"].as_array().expect("items");
    assert!(items
        .iter()
        .all(|o| o["customer_id"] == alice.user().to_string()));
    assert!(items.iter().all(|o| o.get("timeline").is_none()));
    let page = alice.list_orders("status=paid").await.body;
    assert_eq!(
        (page["total"].as_i64(), page["items"][0]["id"].as_str()),
        (Some(1), Some(paid.to_string().as_str()))
    );
    let page = bob.list_orders("").await.body;
    assert_eq!(
        (page["total"].as_i64(), page["items"][0]["id"].as_str()),
        (Some(1), Some(bobs.to_string().as_str()))
    );
}

#[tokio::test]
async fn a_customer_may_name_themself_but_not_someone_else_as_customer_id() {
    let app = spawn_app().await;
    let (alice, bob, _, _) = three_orders(&app).await;

    let reply = alice
        .list_orders(&format!("customer_id={}", alice.user()))
        .await;
    assert_eq!(
        (reply.status, reply.body["total"].as_i64()),
        (StatusCode::OK, Some(2))
    );
    let response = alice
        .list_orders(&format!("customer_id={}", bob.user()))
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_back_office_lists_and_filters_everyones_orders() {
    let app = spawn_app().await;
    let (_, bob, _, _) = three_orders(&app).await;
    let admin = app.as_admin();
    let auditor = app.as_role(Role::Auditor);

    let page = admin.list_orders("").await.body;
    assert_eq!(page["total"], 3);
    let page = auditor
        .list_orders(&format!("customer_id={}", bob.user()))
        .await
        .body;
    assert_eq!(page["total"], 1);
    let page = auditor.list_orders("status=confirmed").await.body;
    assert_eq!(page["total"], 2);
    let page = admin.list_orders("per_page=1&page=3").await.body;
    assert_eq!(
        (
            page["items"].as_array().map(Vec::len),
            page["total"].as_i64()
        ),
        (Some(1), Some(3))
    );
    let page = admin
        .list_orders("from=2000-01-01T00:00:00Z&to=2000-02-01T00:00:00Z")
        .await
        .body;
    assert_eq!(page["total"], 0);
    let page = admin.list_orders("from=2000-01-01T00:00:00Z").await.body;
    assert_eq!(page["total"], 3);
}

#[tokio::test]
async fn listing_orders_anonymously_is_401() {
    let app = spawn_app().await;
    three_orders(&app).await;

    assert_eq!(
        app.anonymous().list_orders("").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn invalid_order_list_parameters_are_422() {
    let app = spawn_app().await;
    let admin = app.as_admin();

    for path in [
        "/orders?status=lost",
        "/orders?from=yesterday",
        "/orders?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z",
        "/orders?per_page=1000",
        "/orders?page=0",
        "/orders?customer_id=42",
        "/orders?from=-200000-01-01T00:00:00Z",
        "/orders?to=%2B200000-01-01T00:00:00Z",
    ] {
        assert_invalid(&app, path, Some(admin.token())).await;
    }
}
