//! Admin user management: a user's page with their orders in figures, deactivation (sessions
//! ended at once, logins refused) and reactivation, and the rules that keep an admin.

use commerce::auth::admin::create_admin;
use reqwest::Method;
use serde_json::json;

use super::*;
use crate::client::{AddItem, Pay, Price, Variant};
use crate::fixtures::{active_product, address, new_product, ready_cart, unique_sku};
use crate::helpers::spawn_app;

/// An admin created by `commerce admin create` and logged in: (id, session).
async fn an_admin(app: &TestApp, email: &str) -> (Uuid, Tokens) {
    let admin = create_admin(&app.db.pool, email, PASSWORD, "Root")
        .await
        .expect("admin created")
        .account;
    (admin.id, logged_in(app, email).await)
}

#[tokio::test]
async fn a_deactivated_customers_token_is_refused_at_once_and_login_is_403_until_reactivated() {
    let app = spawn_app().await;
    let (admin, admin_session) = an_admin(&app, "root@example.com").await;
    let admin_client = app.with_token(&admin_session.access);
    let customer = registered(&app, "leaving@example.com").await;
    let session = logged_in(&app, "leaving@example.com").await;
    assert_eq!(me(&app, &session.access).await.status, 200);

    let deactivated = admin_client.deactivate_user(&customer.to_string()).await;

    assert_eq!(deactivated.status, 200, "{}", deactivated.text);
    assert_eq!(deactivated.body["status"], "deactivated");
    me(&app, &session.access)
        .await
        .problem(401, "token_revoked");
    refresh(&app, &session.refresh)
        .await
        .problem(403, "account_deactivated");
    login(&app, "leaving@example.com", PASSWORD)
        .await
        .problem(403, "account_deactivated");
    login(&app, "leaving@example.com", "not the password")
        .await
        .problem(401, "invalid_credentials");

    let reactivated = admin_client.reactivate_user(&customer.to_string()).await;
    assert_eq!(reactivated.status, 200, "{}", reactivated.text);
    assert_eq!(reactivated.body["status"], "active");
    let back = logged_in(&app, "leaving@example.com").await;
    assert_eq!(me(&app, &back.access).await.json_body()["status"], "active");
    me(&app, &session.access)
        .await
        .problem(401, "token_revoked");

    let events = account_events(&app, customer).await;
    let tail: Vec<(&str, &Value)> = events[events.len() - 2..]
        .iter()
        .map(|(t, _, m)| (t.as_str(), &m["actor_id"]))
        .collect();
    let by_admin = json!(admin.to_string());
    assert_eq!(
        tail,
        [
            ("AccountDeactivated", &by_admin),
            ("AccountReactivated", &by_admin)
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn an_admin_cannot_deactivate_themselves() {
    let app = spawn_app().await;
    let (admin, session) = an_admin(&app, "self@example.com").await;
    an_admin(&app, "other@example.com").await;
    let before = account_event_count(&app).await;

    app.with_token(&session.access)
        .deactivate_user(&admin.to_string())
        .await
        .problem(409, "cannot_deactivate_self");

    assert_eq!(account_event_count(&app).await, before);
    assert_eq!(me(&app, &session.access).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_deactivated() {
    let app = spawn_app().await;
    let (admin, session) = an_admin(&app, "only@example.com").await;
    let before = account_event_count(&app).await;

    // An admin token without an account of its own: the only active admin is the target.
    app.as_admin()
        .deactivate_user(&admin.to_string())
        .await
        .problem(409, "last_admin");

    assert_eq!(account_event_count(&app).await, before);
    tokens(login(&app, "only@example.com", PASSWORD).await).await;
    assert_eq!(me(&app, &session.access).await.status, 200);
    app.stop().await;
}

#[tokio::test]
async fn bad_input_to_the_admin_user_routes_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, session) = an_admin(&app, "boss@example.com").await;
    let admin = app.with_token(&session.access);
    let customer = registered(&app, "someone@example.com").await.to_string();
    let shopper = logged_in(&app, "someone@example.com").await;
    let before = account_event_count(&app).await;
    let unknown = Uuid::new_v4().to_string();

    for id in ["not-a-uuid", unknown.as_str()] {
        admin.get_user(id).await.problem(404, "not_found");
        admin.deactivate_user(id).await.problem(404, "not_found");
        admin.reactivate_user(id).await.problem(404, "not_found");
    }
    let customer_client = app.with_token(&shopper.access);
    customer_client
        .get_user(&customer)
        .await
        .problem(403, "forbidden");
    customer_client
        .deactivate_user(&customer)
        .await
        .problem(403, "forbidden");
    app.as_role(commerce_aggregates::Role::Auditor)
        .deactivate_user(&customer)
        .await
        .problem(403, "forbidden");
    app.anonymous()
        .reactivate_user(&customer)
        .await
        .problem(401, "unauthorized");

    assert_eq!(account_event_count(&app).await, before);
    assert_eq!(
        me(&app, &shopper.access).await.json_body()["status"],
        "active"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_user_page_counts_orders_and_sums_what_was_paid_per_currency() {
    let app = spawn_app().await;
    let (_, admin_session) = an_admin(&app, "books@example.com").await;
    let admin = app.with_token(&admin_session.access);
    let user = registered(&app, "spender@example.com").await;
    let customer = app.with_token(&logged_in(&app, "spender@example.com").await.access);

    // Paid and unpaid in USD, paid in EUR (a store of its own).
    let sku = unique_sku();
    let product = active_product(&admin, &sku, 10).await;
    let mut paid = Vec::new();
    for pay in [true, false] {
        let cart = ready_cart(&customer, &product, &sku, 2).await;
        let order = customer.checkout(&cart).await.command(201, 2);
        if pay {
            customer
                .pay(&order, &Pay::test("tok_ok"))
                .await
                .command(200, 3);
            paid.push(order);
        }
    }
    let store = json!({"slug": "eu-shop", "name": "EU shop", "currency": "EUR",
                       "contact_email": "eu@example.com"});
    admin
        .send_json(Method::POST, "/stores", &store)
        .await
        .command(201, 1);
    let euro_sku = unique_sku();
    let mut euro_product = serde_json::to_value(crate::client::NewProduct {
        variants: vec![Variant::plain(
            &euro_sku,
            Price {
                amount: 900,
                currency: "EUR".into(),
            },
            10,
        )],
        ..new_product(&euro_sku, 10)
    })
    .expect("a product serializes");
    euro_product["store"] = json!("eu-shop");
    let euro_product = admin
        .send_json(Method::POST, "/products", &euro_product)
        .await
        .command(201, 1);
    admin.publish(&euro_product).await.command(200, 2);
    let cart = customer
        .send_json(Method::POST, "/carts", &json!({"store": "eu-shop"}))
        .await
        .command(201, 1);
    customer
        .add_item(&cart, &AddItem::new(&euro_product, &euro_sku, 1))
        .await
        .command(200, 2);
    customer
        .set_address(&cart, &address())
        .await
        .command(200, 3);
    let order = customer.checkout(&cart).await.command(201, 2);
    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);
    paid.push(order);
    crate::queries::refresh_one(&app.db.pool, "orders").await;

    let mut expected: Vec<Value> = Vec::new();
    for order in &paid {
        let view: Value = customer.get_order(order).await.json(200);
        expected.push(view["total"].clone());
    }
    expected.sort_by_key(|money| money["currency"].as_str().map(String::from));
    let page = admin.get_user(&user.to_string()).await;

    let page: Value = page.json(200);
    assert_eq!(page["email"], "spender@example.com");
    assert_eq!(page["role"], "customer");
    assert_eq!(page["status"], "active");
    assert_eq!(page["email_verified"], false);
    assert_eq!(page["order_count"], 3);
    assert_eq!(page["amount_spent"], Value::Array(expected));
    let auditor = app.as_role(commerce_aggregates::Role::Auditor);
    assert_eq!(auditor.get_user(&user.to_string()).await.status, 200);
    app.stop().await;
}
