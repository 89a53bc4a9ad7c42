//! Carts and orders through the query API: owners, admins and auditors read them, anybody
//! else gets 404; order lists are a customer's own, or everyone's for the back office.

use commerce_aggregates::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use super::{
    assert_invalid, create_cart, create_product, get, get_json, pay_order, place_order, refresh,
    NewProduct,
};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_cart_is_read_by_its_owner_admins_and_auditors_only() {
    let app = spawn_app().await;
    let product = create_product(
        &app,
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
    let (owner, owner_token) = app.token(Role::Customer);
    let cart = create_cart(&app, owner, product, "MUG-1").await;
    refresh(&app).await;
    let path = format!("/carts/{cart}");

    let (status, body) = get_json(&app, &path, Some(&owner_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["customer_id"], owner.to_string());
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

    for role in [Role::Admin, Role::Auditor] {
        let (_, token) = app.token(role);
        assert_eq!(
            get(&app, &path, Some(&token)).await.status,
            StatusCode::OK,
            "{role:?}"
        );
    }
    for role in [Role::Customer, Role::Prime] {
        let (_, other) = app.token(role);
        let response = get(&app, &path, Some(&other)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{role:?}");
        let problem: serde_json::Value = response.body.clone();
        assert_eq!(problem["code"], "not_found");
    }
    assert_eq!(
        get(&app, &path, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&app, &path, Some("garbage")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let unknown = format!("/carts/{}", Uuid::new_v4());
    assert_eq!(
        get(&app, &unknown, Some(&owner_token)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_order_shows_totals_lines_payment_and_timeline_to_its_owner() {
    let app = spawn_app().await;
    let (owner, owner_token) = app.token(Role::Customer);
    let order = place_order(&app, owner).await;
    pay_order(&app, order, owner).await;
    refresh(&app).await;
    let path = format!("/orders/{order}");

    let (status, body) = get_json(&app, &path, Some(&owner_token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
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
    assert_eq!(body["timeline"][0]["actor_id"], owner.to_string());

    for role in [Role::Admin, Role::Auditor] {
        let (_, token) = app.token(role);
        assert_eq!(
            get(&app, &path, Some(&token)).await.status,
            StatusCode::OK,
            "{role:?}"
        );
    }
    let (_, stranger) = app.token(Role::Customer);
    assert_eq!(
        get(&app, &path, Some(&stranger)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &path, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let unknown = format!("/orders/{}", Uuid::new_v4());
    assert_eq!(
        get(&app, &unknown, Some(&owner_token)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn customers_list_only_their_own_orders_and_the_back_office_filters_all() {
    let app = spawn_app().await;
    let (alice, alice_token) = app.token(Role::Customer);
    let (bob, bob_token) = app.token(Role::Customer);
    let paid = place_order(&app, alice).await;
    pay_order(&app, paid, alice).await;
    place_order(&app, alice).await;
    let bobs = place_order(&app, bob).await;
    refresh(&app).await;

    let (status, page) = get_json(&app, "/orders", Some(&alice_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 2);
    let items = page["items"].as_array().expect("items");
    assert!(items.iter().all(|o| o["customer_id"] == alice.to_string()));
    assert!(items.iter().all(|o| o.get("timeline").is_none()));
    let (_, page) = get_json(&app, "/orders?status=paid", Some(&alice_token)).await;
    assert_eq!(
        (page["total"].as_i64(), page["items"][0]["id"].as_str()),
        (Some(1), Some(paid.to_string().as_str()))
    );
    let (_, page) = get_json(&app, "/orders", Some(&bob_token)).await;
    assert_eq!(
        (page["total"].as_i64(), page["items"][0]["id"].as_str()),
        (Some(1), Some(bobs.to_string().as_str()))
    );
    // Naming oneself is fine; naming someone else is refused.
    let (status, page) = get_json(
        &app,
        &format!("/orders?customer_id={alice}"),
        Some(&alice_token),
    )
    .await;
    assert_eq!((status, page["total"].as_i64()), (StatusCode::OK, Some(2)));
    let response = get(
        &app,
        &format!("/orders?customer_id={bob}"),
        Some(&alice_token),
    )
    .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);

    let (_, admin) = app.token(Role::Admin);
    let (_, auditor) = app.token(Role::Auditor);
    let (_, page) = get_json(&app, "/orders", Some(&admin)).await;
    assert_eq!(page["total"], 3);
    let (_, page) = get_json(&app, &format!("/orders?customer_id={bob}"), Some(&auditor)).await;
    assert_eq!(page["total"], 1);
    let (_, page) = get_json(&app, "/orders?status=confirmed", Some(&auditor)).await;
    assert_eq!(page["total"], 2);
    let (_, page) = get_json(&app, "/orders?per_page=1&page=3", Some(&admin)).await;
    assert_eq!(
        (
            page["items"].as_array().map(Vec::len),
            page["total"].as_i64()
        ),
        (Some(1), Some(3))
    );
    let (_, page) = get_json(
        &app,
        "/orders?from=2000-01-01T00:00:00Z&to=2000-02-01T00:00:00Z",
        Some(&admin),
    )
    .await;
    assert_eq!(page["total"], 0);
    let (_, page) = get_json(&app, "/orders?from=2000-01-01T00:00:00Z", Some(&admin)).await;
    assert_eq!(page["total"], 3);

    assert_eq!(
        get(&app, "/orders", None).await.status,
        StatusCode::UNAUTHORIZED
    );
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
        assert_invalid(&app, path, Some(&admin)).await;
    }
}
