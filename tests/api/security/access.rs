//! One customer against another's things, over every operation of `/openapi.json`: customer
//! B aims each operation at customer A's open cart, A's order and A's account. Whatever names
//! another customer's cart or order is 404 (as if it did not exist), back-office operations are
//! 403, lists and `me` answer B's own data only, and the event store is exactly as before. A
//! new operation in the document fails the test until it is classified here.

use std::collections::BTreeSet;

use chrono::{SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use super::StoreMark;
use crate::accounts::{logged_in, refresh, registered, Tokens};
use crate::client::{NewCoupon, Reply};
use crate::fixtures::{
    active_product, address_json, new_product_json, openapi_document, ready_cart,
};
use crate::helpers::{spawn_app, TestApp};

/// What B must get from an operation aimed at A's things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 404 `not_found`: someone else's cart or order does not exist for B.
    Missing,
    /// 403 `forbidden`: back office.
    Forbidden,
}

/// Operations that name no other customer's resource, and why they are left out of the
/// probes (each is shown below or in its own tests).
const NOT_AIMED: &[(&str, &str)] = &[
    ("register", "public: creates a new account"),
    ("login", "public: brute force in security::brute_force"),
    ("refresh_tokens", "needs the refresh token itself (tokens)"),
    ("verify_email", "needs the emailed token"),
    ("request_password_reset", "public, always 202"),
    ("confirm_password_reset", "needs the emailed token"),
    ("payment_webhook", "authenticated by its signature"),
    ("stripe_webhook", "authenticated by its signature"),
    ("search_products", "public catalogue"),
    ("get_product", "public catalogue"),
    ("get_media", "public: uploaded product images"),
    ("list_stores", "public: the stores a storefront sells in"),
    (
        "get_store",
        "public: a store's currency and contact address",
    ),
    ("list_categories", "public catalogue"),
    ("get_category", "public catalogue"),
    ("list_tags", "public catalogue"),
    (
        "send_contact_message",
        "public: the contact form (contact::throttle)",
    ),
    ("create_cart", "creates B's own cart"),
    ("healthz", "operational"),
    ("readyz", "operational"),
    ("list_orders", "own orders only: checked below"),
    ("list_my_coupons", "own coupons only: checked below"),
    ("get_me", "own account only: checked below"),
    ("logout", "own session only: checked below"),
    ("rename_me", "own account only (accounts::profile)"),
    (
        "change_my_email",
        "own account only, with its password (accounts::profile)",
    ),
    (
        "change_my_password",
        "own account only, with its password (accounts::profile)",
    ),
    (
        "resend_verification_email",
        "own account only (accounts::verification)",
    ),
    ("add_address", "adds to B's own address book"),
    (
        "list_my_addresses",
        "own address book only: shoppers::addresses",
    ),
    (
        "update_address",
        "another's entry is 404: shoppers::addresses",
    ),
    (
        "remove_address",
        "another's entry is 404: shoppers::addresses",
    ),
    ("list_my_carts", "own open carts only: shoppers::my_carts"),
];

/// A's things B aims at.
struct Victim {
    tokens: Tokens,
    id: Uuid,
    /// An open cart with one line, an address and a coupon.
    cart: String,
    /// A confirmed order.
    order: String,
    product: String,
    sku: &'static str,
}

async fn victim(app: &TestApp) -> Victim {
    let admin = app.as_admin();
    let sku = "SKU-ALICE";
    let product = active_product(&admin, sku, 50).await;
    admin
        .create_coupon(&NewCoupon::percent("SAVE10", 10))
        .await
        .command(201, 1);
    let id = registered(app, "alice@example.com").await;
    let tokens = logged_in(app, "alice@example.com").await;
    let checked_out = ready_cart(&app.with_token(&tokens.access), &product, sku, 2).await;
    let order = app
        .with_token(&tokens.access)
        .checkout(&checked_out)
        .await
        .command(201, 2);
    let cart = ready_cart(&app.with_token(&tokens.access), &product, sku, 1).await;
    app.with_token(&tokens.access)
        .apply_coupon(&cart, "SAVE10")
        .await
        .command(200, 4);
    Victim {
        tokens,
        id,
        cart,
        order,
        product,
        sku,
    }
}

/// `(operation id, method, path, body, expectation)` of every probe B sends.
#[rustfmt::skip]
fn probes(a: &Victim, b: Uuid) -> Vec<(&'static str, Method, String, Option<Value>, Expect)> {
    use Expect::{Forbidden, Missing};
    let (cart, order, product, sku) = (&a.cart, &a.order, &a.product, a.sku);
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let item = json!({"product_id": product, "sku": sku, "quantity": 1});
    let reason = json!({"reason": "it is mine now"});
    let price = json!({"price": {"amount": 1, "currency": "USD"}});
    vec![
        ("get_cart", Method::GET, format!("/carts/{cart}"), None, Missing),
        ("cart_add_item", Method::POST, format!("/carts/{cart}/items"), Some(item), Missing),
        ("cart_change_quantity", Method::PUT, format!("/carts/{cart}/items/{sku}"), Some(json!({"quantity": 9})), Missing),
        ("cart_remove_item", Method::DELETE, format!("/carts/{cart}/items/{sku}"), None, Missing),
        ("cart_apply_coupon", Method::PUT, format!("/carts/{cart}/coupon"), Some(json!({"code": "SAVE10"})), Missing),
        ("cart_remove_coupon", Method::DELETE, format!("/carts/{cart}/coupon"), None, Missing),
        ("cart_set_shipping_address", Method::PUT, format!("/carts/{cart}/shipping-address"), Some(address_json()), Missing),
        ("check_out_cart", Method::POST, format!("/carts/{cart}/checkout"), None, Missing),
        ("claim_cart", Method::POST, format!("/carts/{cart}/claim"), None, Missing),
        ("get_order", Method::GET, format!("/orders/{order}"), None, Missing),
        ("get_order", Method::GET, format!("/orders/{order}?as_of={now}"), None, Missing),
        ("get_order", Method::GET, format!("/orders/{order}?min_version=2"), None, Missing),
        ("get_order_history", Method::GET, format!("/orders/{order}/history"), None, Missing),
        ("get_order_invoice", Method::GET, format!("/orders/{order}/invoice"), None, Missing),
        ("get_order_invoice", Method::GET, format!("/orders/{order}/invoice?format=html"), None, Missing),
        ("pay_order", Method::POST, format!("/orders/{order}/pay"), Some(json!({"provider": "test", "token": "tok_ok"})), Missing),
        ("cancel_order", Method::POST, format!("/orders/{order}/cancel"), Some(reason.clone()), Missing),
        ("ship_order", Method::POST, format!("/orders/{order}/ship"), Some(json!({"carrier": "DHL", "tracking_number": "1"})), Forbidden),
        ("deliver_order", Method::POST, format!("/orders/{order}/deliver"), None, Forbidden),
        ("refund_order", Method::POST, format!("/orders/{order}/refund"), Some(reason.clone()), Forbidden),
        ("create_refund", Method::POST, format!("/orders/{order}/refunds"), Some(json!({"amount": {"amount": 100, "currency": "USD"}, "reason": "mine"})), Forbidden),
        ("list_refunds", Method::GET, format!("/orders/{order}/refunds"), None, Missing),
        ("request_return", Method::POST, format!("/orders/{order}/returns"), Some(json!({"lines": [{"sku": "MUG-1", "quantity": 1}], "reason": "mine"})), Missing),
        ("list_order_returns", Method::GET, format!("/orders/{order}/returns"), None, Missing),
        ("list_returns", Method::GET, "/returns".into(), None, Forbidden),
        ("approve_return", Method::POST, format!("/returns/{order}/approve"), None, Forbidden),
        ("reject_return", Method::POST, format!("/returns/{order}/reject"), Some(json!({"reason": "mine"})), Forbidden),
        ("receive_return", Method::POST, format!("/returns/{order}/receive"), Some(json!({"restock": true})), Forbidden),
        ("create_product", Method::POST, "/products".into(), Some(new_product_json("SKU-BOB", 1)), Forbidden),
        ("update_product", Method::PATCH, format!("/products/{product}"), Some(json!({"name": "Mine"})), Forbidden),
        ("product_add_variant", Method::POST, format!("/products/{product}/variants"), Some(json!({"sku": "SKU-BOB-2", "price": {"amount": 1, "currency": "USD"}, "stock": 1})), Forbidden),
        ("product_change_price", Method::PUT, format!("/products/{product}/variants/{sku}/price"), Some(price), Forbidden),
        ("product_adjust_stock", Method::POST, format!("/products/{product}/variants/{sku}/stock"), Some(json!({"adjustment": -50, "reason": "gone"})), Forbidden),
        ("publish_product", Method::POST, format!("/products/{product}/publish"), None, Forbidden),
        ("archive_product", Method::POST, format!("/products/{product}/archive"), None, Forbidden),
        ("product_upload_image", Method::POST, format!("/products/{product}/images"), None, Forbidden),
        ("product_remove_image", Method::DELETE, format!("/products/{product}/images/{}", Uuid::new_v4()), None, Forbidden),
        ("product_reorder_images", Method::PUT, format!("/products/{product}/images"), Some(json!([])), Forbidden),
        ("create_coupon", Method::POST, "/coupons".into(), Some(json!({"code": "BOB100", "discount": {"percent": 100}})), Forbidden),
        ("update_coupon", Method::PATCH, "/coupons/SAVE10".into(), Some(json!({"discount": {"percent": 100}})), Forbidden),
        ("deactivate_coupon", Method::POST, "/coupons/SAVE10/deactivate".into(), None, Forbidden),
        ("create_category", Method::POST, "/categories".into(), Some(json!({"slug": "mine", "name": "Mine"})), Forbidden),
        ("update_category", Method::PATCH, "/categories/kitchen".into(), Some(json!({"name": "Mine"})), Forbidden),
        ("delete_category", Method::DELETE, "/categories/kitchen".into(), None, Forbidden),
        ("create_tag", Method::POST, "/tags".into(), Some(json!({"name": "Mine"})), Forbidden),
        ("rename_tag", Method::PATCH, "/tags/coffee".into(), Some(json!({"name": "Mine"})), Forbidden),
        ("delete_tag", Method::DELETE, "/tags/coffee".into(), None, Forbidden),
        ("link_tag", Method::PUT, format!("/products/{product}/tags/coffee"), None, Forbidden),
        ("unlink_tag", Method::DELETE, format!("/products/{product}/tags/coffee"), None, Forbidden),
        ("get_coupon", Method::GET, "/coupons/SAVE10".into(), None, Forbidden),
        ("list_coupons", Method::GET, "/coupons".into(), None, Forbidden),
        ("create_store", Method::POST, "/stores".into(), Some(json!({"slug": "bob", "name": "Bob", "currency": "EUR", "contact_email": "bob@example.com"})), Forbidden),
        ("update_store", Method::PATCH, "/stores/default".into(), Some(json!({"status": "closed"})), Forbidden),
        ("list_users", Method::GET, "/admin/users".into(), None, Forbidden),
        ("change_user_role", Method::PUT, format!("/admin/users/{b}/role"), Some(json!({"role": "admin"})), Forbidden),
        ("get_user", Method::GET, format!("/admin/users/{}", a.id), None, Forbidden),
        ("deactivate_user", Method::POST, format!("/admin/users/{}/deactivate", a.id), None, Forbidden),
        ("reactivate_user", Method::POST, format!("/admin/users/{}/reactivate", a.id), None, Forbidden),
        ("inventory_health", Method::GET, "/admin/inventory/health".into(), None, Forbidden),
        ("list_emails", Method::GET, "/admin/emails".into(), None, Forbidden),
        ("list_contact_messages", Method::GET, "/admin/messages".into(), None, Forbidden),
        ("resolve_contact_message", Method::POST, format!("/admin/messages/{}/resolve", Uuid::new_v4()), None, Forbidden),
        ("verify_event_chain", Method::GET, "/admin/audit/verify".into(), None, Forbidden),
        ("analytics_sales", Method::GET, "/admin/analytics/sales".into(), None, Forbidden),
        ("analytics_products", Method::GET, "/admin/analytics/products".into(), None, Forbidden),
        ("analytics_coupons", Method::GET, "/admin/analytics/coupons".into(), None, Forbidden),
        ("analytics_carts", Method::GET, "/admin/analytics/carts".into(), None, Forbidden),
        ("list_events", Method::GET, "/events?after=0".into(), None, Forbidden),
        ("stream_events", Method::GET, "/events/stream".into(), None, Forbidden),
    ]
}

/// `method path` as `token`, with a JSON body when given.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: &Option<Value>,
) -> Reply {
    let request = app.with_token(token).request(method, path);
    match body {
        Some(body) => request.json(body).send().await,
        None => request.send().await,
    }
}

/// The operation ids of the engine's OpenAPI document.
async fn documented_operations(app: &TestApp) -> BTreeSet<String> {
    let doc = openapi_document(app).await;
    doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("path item").values())
        .filter_map(|op| op["operationId"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_customer_reaches_nothing_of_another_customer_through_any_operation() {
    let app = spawn_app().await;
    let a = victim(&app).await;
    // A retries a command under a key; B will try the same key.
    let item = json!({"product_id": a.product, "sku": a.sku, "quantity": 1});
    let items = format!("/carts/{}/items", a.cart);
    let first = app
        .with_token(&a.tokens.access)
        .request(Method::POST, &items)
        .header("idempotency-key", "add-one-more")
        .json(&item)
        .send()
        .await;
    assert_eq!(first.command(200, 5), a.cart);
    let b_id = registered(&app, "bob@example.com").await;
    let b = logged_in(&app, "bob@example.com").await;
    crate::queries::refresh(&app).await;
    // A reads their own things: B's 404s below are about B, not about missing read models.
    for path in [
        format!("/carts/{}", a.cart),
        format!("/orders/{}", a.order),
        format!("/orders/{}/history", a.order),
        format!("/orders/{}/invoice", a.order),
    ] {
        let reply = app
            .with_token(&a.tokens.access)
            .request(Method::GET, &path)
            .send()
            .await;
        assert_eq!(reply.status, 200, "A reads {path}: {}", reply.text);
    }
    let cart_path = format!("/carts/{}", a.cart);
    let cart_before = app
        .with_token(&a.tokens.access)
        .request(Method::GET, &cart_path)
        .send()
        .await
        .body;
    let mark = StoreMark::of(&app).await;

    let mut covered: BTreeSet<String> = NOT_AIMED.iter().map(|(op, _)| op.to_string()).collect();
    for (operation, method, path, body, expect) in probes(&a, b_id) {
        covered.insert(operation.to_string());
        let reply = send(&app, method.clone(), &path, &b.access, &body).await;
        let (status, code) = match expect {
            Expect::Missing => (404, "not_found"),
            Expect::Forbidden => (403, "forbidden"),
        };
        assert_eq!(
            reply.status, status,
            "{operation}: {method} {path}: {}",
            reply.text
        );
        reply.problem(status, code);
    }
    let documented = documented_operations(&app).await;
    let unclassified: Vec<&String> = documented.difference(&covered).collect();
    assert!(
        unclassified.is_empty(),
        "classify these operations: {unclassified:?}"
    );

    // A key A used is no key of B's: the same request under it is B's, refused, not A's reply.
    let replay = app
        .with_token(&b.access)
        .request(Method::POST, &items)
        .header("idempotency-key", "add-one-more")
        .json(&item)
        .send()
        .await;
    replay.problem(404, "not_found");
    assert!(replay.headers.get("idempotent-replayed").is_none());

    // Lists and `me` answer B's own data; asking for A's orders by customer id is refused.
    let orders = app
        .with_token(&b.access)
        .request(Method::GET, "/orders")
        .send()
        .await;
    assert_eq!(orders.status, 200, "{}", orders.text);
    assert_eq!(orders.body["total"], 0, "{}", orders.text);
    let theirs = format!("/orders?customer_id={}", a.id);
    app.with_token(&b.access)
        .request(Method::GET, &theirs)
        .send()
        .await
        .problem(403, "forbidden");
    let coupons = app
        .with_token(&b.access)
        .request(Method::GET, "/coupons/mine")
        .send()
        .await;
    assert_eq!(coupons.status, 200, "{}", coupons.text);
    assert!(!coupons.text.contains(&a.order) && !coupons.text.contains(&a.id.to_string()));
    let me = app
        .with_token(&b.access)
        .request(Method::GET, "/me")
        .send()
        .await;
    assert_eq!(me.body["id"], b_id.to_string(), "{}", me.text);
    assert_eq!(me.body["email"], "bob@example.com");

    // Logging out with A's refresh token ends B's session only.
    let logout = app
        .with_token(&b.access)
        .request(Method::POST, "/auth/logout")
        .json(&json!({"refresh_token": a.tokens.refresh}))
        .send()
        .await;
    assert_eq!(logout.status, 204, "{}", logout.text);
    app.with_token(&b.access)
        .request(Method::GET, "/me")
        .send()
        .await
        .problem(401, "token_revoked");
    let renewed = crate::accounts::tokens(refresh(&app, &a.tokens.refresh).await).await;

    mark.assert_unchanged(&StoreMark::of(&app).await, "customer B");
    crate::queries::refresh(&app).await;
    let cart_after = app
        .with_token(&renewed.access)
        .request(Method::GET, &cart_path)
        .send()
        .await;
    assert_eq!(cart_after.status, 200, "{}", cart_after.text);
    assert_eq!(cart_after.body, cart_before, "A's cart is as A left it");
    app.stop().await;
}
