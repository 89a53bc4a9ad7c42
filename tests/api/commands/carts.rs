//! Cart commands: every route with its versions, prices from the catalogue, bad input,
//! someone else's cart, staff and `If-Match`.

use commerce_aggregates::{Address, Role};
use reqwest::Method;
use serde_json::json;

use crate::client::{AddItem, Client, NewCoupon};
use crate::fixtures::{active_product, address, draft_product, open_cart};
use crate::fixtures::{event_count, last_payload};
use crate::helpers::{spawn_app, TestApp};

/// An active product `CUP-W` (10 units), a customer and an open cart of theirs:
/// (customer, product id, cart id).
async fn customer_with_a_cart(app: &TestApp) -> (Client<'_>, String, String) {
    let product = active_product(&app.as_admin(), "CUP-W", 10).await;
    let customer = app.as_customer();
    let cart = open_cart(&customer).await;
    (customer, product, cart)
}

#[tokio::test]
async fn a_cart_created_without_a_body_is_in_usd_and_located() {
    let app = spawn_app().await;
    let customer = app.as_role(Role::Prime);

    let created = customer.create_cart().await;

    let cart = created.command(201, 1);
    assert_eq!(created.location(), format!("/api/v1/carts/{cart}"));
    assert_eq!(
        last_payload(&app, &cart, "CartCreated").await["currency"],
        "USD"
    );
}

#[tokio::test]
async fn an_added_item_is_priced_from_the_catalogue() {
    let app = spawn_app().await;
    let (customer, product, cart) = customer_with_a_cart(&app).await;

    customer
        .add_item(&cart, &AddItem::new(&product, "CUP-W", 2))
        .await
        .command(200, 2);

    let added = last_payload(&app, &cart, "ItemAdded").await;
    assert_eq!(
        added["unit_price"],
        json!({"amount": 1250, "currency": "USD"})
    );
}

#[tokio::test]
async fn a_customer_runs_every_cart_command_and_gets_each_version() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let product = active_product(&admin, "CUP-W", 10).await;
    admin
        .create_coupon(&NewCoupon::percent("WELCOME10", 10))
        .await
        .command(201, 1);
    let customer = app.as_role(Role::Prime);
    let cart = customer.create_cart().await.command(201, 1);
    let item = AddItem::new(&product, "CUP-W", 2);

    customer.add_item(&cart, &item).await.command(200, 2);
    customer.add_item(&cart, &item).await.command(200, 3);
    customer
        .change_quantity(&cart, "CUP-W", 5)
        .await
        .command(200, 4);
    assert_eq!(
        last_payload(&app, &cart, "ItemQuantityChanged").await["quantity"],
        5
    );
    customer
        .apply_coupon(&cart, "welcome10")
        .await
        .command(200, 5);
    assert_eq!(
        last_payload(&app, &cart, "CouponApplied").await["code"],
        "WELCOME10"
    );
    customer.remove_coupon(&cart).await.command(200, 6);
    customer
        .set_address(&cart, &address())
        .await
        .command(200, 7);
    customer.remove_item(&cart, "CUP-W").await.command(200, 8);
}

#[tokio::test]
async fn a_malformed_item_body_is_400_malformed_json_and_writes_nothing() {
    let app = spawn_app().await;
    let (customer, _, cart) = customer_with_a_cart(&app).await;
    let before = event_count(&app).await;

    customer
        .request(Method::POST, &format!("/carts/{cart}/items"))
        .raw("{\"quantity\": ")
        .send()
        .await
        .problem(400, "malformed_json");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_quantity_outside_1_to_99_or_not_an_integer_is_422_and_writes_nothing() {
    let app = spawn_app().await;
    let (customer, product, cart) = customer_with_a_cart(&app).await;
    let before = event_count(&app).await;

    for quantity in [json!(0), json!(100), json!(-1), json!("two"), json!(1.5)] {
        customer
            .send_json(
                Method::POST,
                &format!("/carts/{cart}/items"),
                &json!({"product_id": product, "sku": "CUP-W", "quantity": quantity}),
            )
            .await
            .problem(422, "validation_failed");
    }

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_item_with_a_price_or_a_product_id_that_is_no_uuid_is_422_and_writes_nothing() {
    let app = spawn_app().await;
    let (customer, product, cart) = customer_with_a_cart(&app).await;
    let items = format!("/carts/{cart}/items");
    let before = event_count(&app).await;

    customer
        .send_json(
            Method::POST,
            &items,
            &json!({"product_id": product, "sku": "CUP-W", "quantity": 1, "price": 1}),
        )
        .await
        .problem(422, "validation_failed");
    customer
        .add_item(&cart, &AddItem::new("nope", "CUP-W", 1))
        .await
        .problem(422, "validation_failed");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_item_of_a_draft_product_is_409_product_not_available() {
    let app = spawn_app().await;
    let (customer, _, cart) = customer_with_a_cart(&app).await;
    let draft = draft_product(&app.as_admin(), "DRAFT", 10).await;
    let before = event_count(&app).await;

    customer
        .add_item(&cart, &AddItem::new(&draft, "DRAFT", 1))
        .await
        .problem(409, "product_not_available");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_item_of_an_unknown_sku_or_product_is_422_and_writes_nothing() {
    let app = spawn_app().await;
    let (customer, product, cart) = customer_with_a_cart(&app).await;
    let before = event_count(&app).await;

    customer
        .add_item(&cart, &AddItem::new(&product, "CUP-B", 1))
        .await
        .problem(422, "unknown_sku");
    customer
        .add_item(
            &cart,
            &AddItem::new(&uuid::Uuid::new_v4().to_string(), "CUP-W", 1),
        )
        .await
        .problem(422, "unknown_product");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn changing_or_removing_an_item_not_in_the_cart_is_422_item_not_in_cart() {
    let app = spawn_app().await;
    let (customer, _, cart) = customer_with_a_cart(&app).await;
    let before = event_count(&app).await;

    customer
        .change_quantity(&cart, "CUP-W", 1)
        .await
        .problem(422, "item_not_in_cart");
    customer
        .change_quantity(&cart, "CUP-W", 0)
        .await
        .problem(422, "validation_failed");
    customer
        .remove_item(&cart, "CUP-W")
        .await
        .problem(422, "item_not_in_cart");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_unknown_or_deactivated_coupon_is_422_coupon_invalid() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    admin
        .create_coupon(&NewCoupon::percent("OLD", 5))
        .await
        .command(201, 1);
    admin.deactivate_coupon("OLD").await.command(200, 2);
    let (customer, _, cart) = customer_with_a_cart(&app).await;
    let before = event_count(&app).await;

    customer
        .apply_coupon(&cart, "NOSUCH")
        .await
        .problem(422, "coupon_invalid");
    customer
        .apply_coupon(&cart, "OLD")
        .await
        .problem(422, "coupon_invalid");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_malformed_coupon_code_is_422_invalid_coupon_code() {
    let app = spawn_app().await;
    let (customer, _, cart) = customer_with_a_cart(&app).await;
    let before = event_count(&app).await;

    customer
        .apply_coupon(&cart, "x")
        .await
        .problem(422, "invalid_coupon_code");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn removing_the_coupon_of_a_cart_without_one_is_422_no_coupon_applied() {
    let app = spawn_app().await;
    let (customer, _, cart) = customer_with_a_cart(&app).await;
    let before = event_count(&app).await;

    customer
        .remove_coupon(&cart)
        .await
        .problem(422, "no_coupon_applied");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_lower_case_country_is_422_invalid_address_and_an_incomplete_address_422() {
    let app = spawn_app().await;
    let (customer, _, cart) = customer_with_a_cart(&app).await;
    let before = event_count(&app).await;

    let lower = Address {
        country: "gb".into(),
        ..address()
    };
    customer
        .set_address(&cart, &lower)
        .await
        .problem(422, "invalid_address");
    customer
        .send_json(
            Method::PUT,
            &format!("/carts/{cart}/shipping-address"),
            &json!({"name": "Ada"}),
        )
        .await
        .problem(422, "validation_failed");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_cart_in_an_unknown_currency_or_not_in_json_is_refused() {
    let app = spawn_app().await;
    let customer = app.as_customer();
    let before = event_count(&app).await;

    customer
        .create_cart_in("DOLLAR")
        .await
        .problem(422, "validation_failed");
    customer
        .request(Method::POST, "/carts")
        .header("content-type", "text/plain")
        .send()
        .await
        .problem(415, "unsupported_media_type");

    assert_eq!(event_count(&app).await, before);
}

/// An active product `CUP-W`, a cart of a customer holding one unit, and the number of events
/// then: (app's owner client, product id, cart id, event count).
async fn a_cart_with_an_item(app: &TestApp) -> (Client<'_>, String, String, i64) {
    let (owner, product, cart) = customer_with_a_cart(app).await;
    owner
        .add_item(&cart, &AddItem::new(&product, "CUP-W", 1))
        .await
        .command(200, 2);
    let before = event_count(app).await;
    (owner, product, cart, before)
}

#[tokio::test]
async fn someone_elses_cart_is_404_for_every_cart_command() {
    let app = spawn_app().await;
    let (_, product, cart, before) = a_cart_with_an_item(&app).await;
    let stranger = app.as_customer();

    stranger
        .add_item(&cart, &AddItem::new(&product, "CUP-W", 1))
        .await
        .problem(404, "not_found");
    stranger
        .change_quantity(&cart, "CUP-W", 3)
        .await
        .problem(404, "not_found");
    stranger
        .remove_item(&cart, "CUP-W")
        .await
        .problem(404, "not_found");
    stranger
        .remove_coupon(&cart)
        .await
        .problem(404, "not_found");
    stranger
        .set_address(&cart, &address())
        .await
        .problem(404, "not_found");
    stranger.checkout(&cart).await.problem(404, "not_found");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_cart_that_does_not_exist_is_404() {
    let app = spawn_app().await;
    let (owner, product, _, before) = a_cart_with_an_item(&app).await;

    owner
        .add_item(
            &uuid::Uuid::new_v4().to_string(),
            &AddItem::new(&product, "CUP-W", 1),
        )
        .await
        .problem(404, "not_found");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn cart_commands_without_a_token_are_401() {
    let app = spawn_app().await;
    let (_, product, cart, before) = a_cart_with_an_item(&app).await;

    app.anonymous()
        .add_item(&cart, &AddItem::new(&product, "CUP-W", 1))
        .await
        .problem(401, "unauthorized");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn staff_own_no_carts_and_are_403_on_cart_commands() {
    let app = spawn_app().await;
    let (_, product, cart, before) = a_cart_with_an_item(&app).await;

    for role in [Role::Admin, Role::Auditor] {
        let staff = app.as_role(role);
        staff
            .send_json(Method::POST, "/carts", &json!({}))
            .await
            .problem(403, "forbidden");
        staff
            .add_item(&cart, &AddItem::new(&product, "CUP-W", 1))
            .await
            .problem(403, "forbidden");
    }

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn if_match_with_another_version_is_412_and_writes_nothing() {
    let app = spawn_app().await;
    let customer = app.as_customer();
    let cart = open_cart(&customer).await;
    let before = event_count(&app).await;

    customer
        .if_match("2")
        .set_address(&cart, &address())
        .await
        .problem(412, "version_mismatch");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn if_match_with_a_list_of_versions_is_400_invalid_if_match() {
    let app = spawn_app().await;
    let customer = app.as_customer();
    let cart = open_cart(&customer).await;
    let before = event_count(&app).await;

    customer
        .if_match("1, 2")
        .set_address(&cart, &address())
        .await
        .problem(400, "invalid_if_match");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn if_match_with_the_current_version_lets_the_command_through() {
    let app = spawn_app().await;
    let customer = app.as_customer();
    let cart = open_cart(&customer).await;

    customer
        .if_match("1")
        .set_address(&cart, &address())
        .await
        .command(200, 2);
}
