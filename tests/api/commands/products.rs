//! Catalogue commands: every route with its versions, SKU uniqueness across the catalogue,
//! bad input, roles and `If-Match`.

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::json;

use super::{
    admin, call, draft_product, event_count, last_payload, patch, post, post_empty, product_body,
    put,
};
use crate::helpers::spawn_app;

#[tokio::test]
async fn admin_runs_every_catalogue_command_and_gets_each_version() {
    let app = spawn_app().await;
    let admin = admin(&app);

    let created = post(&app, "/products", &admin, &product_body("CUP-W", 10)).await;
    let id = created.command(201, 1);
    assert_eq!(created.location(), format!("/api/v1/products/{id}"));

    patch(
        &app,
        &format!("/products/{id}"),
        &admin,
        &json!({"name": "Espresso cup, white", "tags": ["coffee", "gift"]}),
    )
    .await
    .command(200, 2);
    let variant = json!({"sku": "CUP-B", "options": {"colour": "black"},
                         "price": {"amount": 1350, "currency": "USD"}, "stock": 4});
    post(&app, &format!("/products/{id}/variants"), &admin, &variant)
        .await
        .command(200, 3);
    put(
        &app,
        &format!("/products/{id}/variants/CUP-B/price"),
        &admin,
        &json!({"price": {"amount": 1400, "currency": "USD"}}),
    )
    .await
    .command(200, 4);
    post(
        &app,
        &format!("/products/{id}/variants/CUP-W/stock"),
        &admin,
        &json!({"adjustment": 25, "reason": "delivery"}),
    )
    .await
    .command(200, 5);
    post_empty(&app, &format!("/products/{id}/publish"), &admin)
        .await
        .command(200, 6);
    post_empty(&app, &format!("/products/{id}/archive"), &admin)
        .await
        .command(200, 7);

    assert_eq!(event_count(&app).await, 7);
    let price = last_payload(&app, &id, "VariantPriceChanged").await;
    assert_eq!(
        price["new_price"],
        json!({"amount": 1400, "currency": "USD"})
    );
    let stock = last_payload(&app, &id, "StockAdjusted").await;
    assert_eq!(stock["on_hand"], 35);
}

#[tokio::test]
async fn bad_product_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let id = draft_product(&app, &admin, "CUP-W", 10).await;
    let before = event_count(&app).await;

    call(&app, Method::POST, "/products", Some(&admin))
        .raw(r#"{"name": "cup", "#)
        .send()
        .await
        .problem(400, "malformed_json");
    let mut wrong_type = product_body("CUP-X", 1);
    wrong_type["variants"][0]["stock"] = json!("many");
    post(&app, "/products", &admin, &wrong_type)
        .await
        .problem(422, "validation_failed");
    let mut negative = product_body("CUP-X", 1);
    negative["variants"][0]["stock"] = json!(-1);
    post(&app, "/products", &admin, &negative)
        .await
        .problem(422, "validation_failed");
    let mut unknown = product_body("CUP-X", 1);
    unknown["colour"] = json!("red");
    post(&app, "/products", &admin, &unknown)
        .await
        .problem(422, "validation_failed");
    let mut currency = product_body("CUP-X", 1);
    currency["variants"][0]["price"]["currency"] = json!("DOLLARS");
    post(&app, "/products", &admin, &currency)
        .await
        .problem(422, "validation_failed");
    let mut free = product_body("CUP-X", 1);
    free["variants"][0]["price"]["amount"] = json!(0);
    post(&app, "/products", &admin, &free)
        .await
        .problem(422, "invalid_price");
    let mut bad_sku = product_body("CUP X!", 1);
    bad_sku["name"] = json!("x");
    post(&app, "/products", &admin, &bad_sku)
        .await
        .problem(422, "invalid_sku");
    // Postgres text cannot hold NUL: refused up front, never a 5xx.
    let mut nul = product_body("CUP-X", 1);
    nul["variants"][0]["options"]["colour"] = json!("white\u{0}");
    let reply = post(&app, "/products", &admin, &nul).await;
    reply.problem(422, "validation_failed");
    assert_eq!(
        reply.body["errors"][0]["field"],
        "variants[0].options.colour"
    );
    post(&app, "/products", &admin, &json!({"name": "no variants"}))
        .await
        .problem(422, "validation_failed");
    patch(&app, &format!("/products/{id}"), &admin, &json!({}))
        .await
        .problem(422, "nothing_to_update");
    post(
        &app,
        &format!("/products/{id}/variants/CUP-W/stock"),
        &admin,
        &json!({"adjustment": 0, "reason": "count"}),
    )
    .await
    .problem(422, "zero_adjustment");
    post(
        &app,
        &format!("/products/{id}/variants/CUP-W/stock"),
        &admin,
        &json!({"adjustment": -11, "reason": "breakage"}),
    )
    .await
    .problem(409, "negative_stock");
    put(
        &app,
        &format!("/products/{id}/variants/NOPE/price"),
        &admin,
        &json!({"price": {"amount": 100, "currency": "USD"}}),
    )
    .await
    .problem(422, "unknown_sku");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn catalogue_routes_need_an_admin_token() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let id = draft_product(&app, &admin, "CUP-W", 10).await;
    let before = event_count(&app).await;
    let (_, customer) = app.token(Role::Customer);
    let (_, auditor) = app.token(Role::Auditor);

    call(&app, Method::POST, "/products", None)
        .json(&product_body("CUP-X", 1))
        .send()
        .await
        .problem(401, "unauthorized");
    call(&app, Method::POST, "/products", Some("not-a-jwt"))
        .json(&product_body("CUP-X", 1))
        .send()
        .await
        .problem(401, "unauthorized");
    for token in [&customer, &auditor] {
        post(&app, "/products", token, &product_body("CUP-X", 1))
            .await
            .problem(403, "forbidden");
        post_empty(&app, &format!("/products/{id}/publish"), token)
            .await
            .problem(403, "forbidden");
        // The role is checked before the body is even parsed.
        call(&app, Method::PATCH, &format!("/products/{id}"), Some(token))
            .raw("{oops")
            .send()
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_sku_belongs_to_one_product_in_the_whole_catalogue() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let first = draft_product(&app, &admin, "CUP-W", 10).await;
    let other = draft_product(&app, &admin, "PLATE", 10).await;
    let before = event_count(&app).await;

    post(&app, "/products", &admin, &product_body("CUP-W", 3))
        .await
        .problem(409, "duplicate_sku");
    let variant =
        json!({"sku": " CUP-W ", "price": {"amount": 100, "currency": "USD"}, "stock": 1});
    post(
        &app,
        &format!("/products/{other}/variants"),
        &admin,
        &variant,
    )
    .await
    .problem(409, "duplicate_sku");
    post(
        &app,
        &format!("/products/{first}/variants"),
        &admin,
        &variant,
    )
    .await
    .problem(409, "duplicate_sku");
    assert_eq!(event_count(&app).await, before);

    // A refused command gives its claim back: the SKU stays free for the next product.
    let mut nameless = product_body("BOWL", 3);
    nameless["name"] = json!("   ");
    post(&app, "/products", &admin, &nameless)
        .await
        .problem(422, "field_required");
    let euro = json!({"sku": "SAUCER", "price": {"amount": 100, "currency": "EUR"}, "stock": 1});
    post(&app, &format!("/products/{other}/variants"), &admin, &euro)
        .await
        .problem(422, "currency_mismatch");
    assert_eq!(event_count(&app).await, before);
    draft_product(&app, &admin, "BOWL", 3).await;
    let saucer = json!({"sku": "SAUCER", "price": {"amount": 100, "currency": "USD"}, "stock": 1});
    post(
        &app,
        &format!("/products/{other}/variants"),
        &admin,
        &saucer,
    )
    .await
    .command(200, 2);
}

#[tokio::test]
async fn if_match_guards_product_commands() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let id = draft_product(&app, &admin, "CUP-W", 10).await;
    let before = event_count(&app).await;
    let path = format!("/products/{id}/publish");

    call(&app, Method::POST, &path, Some(&admin))
        .header("if-match", "7")
        .send()
        .await
        .problem(412, "version_mismatch");
    call(&app, Method::POST, &path, Some(&admin))
        .header("if-match", "seven")
        .send()
        .await
        .problem(400, "invalid_if_match");
    assert_eq!(event_count(&app).await, before);

    call(&app, Method::POST, &path, Some(&admin))
        .header("if-match", "\"1\"")
        .send()
        .await
        .command(200, 2);
    post_empty(&app, &path, &admin)
        .await
        .problem(409, "already_published");
}

#[tokio::test]
async fn commands_on_a_missing_product_are_404() {
    let app = spawn_app().await;
    let admin = admin(&app);
    let missing = uuid::Uuid::new_v4();
    post_empty(&app, &format!("/products/{missing}/publish"), &admin)
        .await
        .problem(404, "not_found");
    post_empty(&app, "/products/not-a-uuid/publish", &admin)
        .await
        .problem(404, "not_found");
    let variant = json!({"sku": "GHOST", "price": {"amount": 100, "currency": "USD"}, "stock": 1});
    post(
        &app,
        &format!("/products/{missing}/variants"),
        &admin,
        &variant,
    )
    .await
    .problem(404, "not_found");
    assert_eq!(event_count(&app).await, 0);
    // The refused variant did not keep its SKU.
    draft_product(&app, &admin, "GHOST", 1).await;
}
