//! Catalogue commands: every route with its versions, SKU uniqueness across the catalogue,
//! bad input, roles and `If-Match`.

use commerce_aggregates::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{Client, Price, ProductChanges, StockAdjustment, Variant};
use crate::fixtures::{draft_product, new_product};
use crate::fixtures::{event_count, last_payload};
use crate::helpers::{spawn_app, TestApp};

/// [`new_product`] `CUP-X` with one unit, as JSON to alter into something refused.
fn product_json() -> Value {
    serde_json::to_value(new_product("CUP-X", 1)).expect("a product serializes")
}

/// An admin and a draft product `CUP-W` with 10 units, and the number of events then:
/// (admin, product id, event count).
async fn admin_with_a_draft(app: &TestApp) -> (Client<'_>, String, i64) {
    let admin = app.as_admin();
    let id = draft_product(&admin, "CUP-W", 10).await;
    let before = event_count(app).await;
    (admin, id, before)
}

/// `reason` for a stock adjustment of `adjustment` units.
fn adjustment(adjustment: i64, reason: &str) -> StockAdjustment {
    StockAdjustment {
        adjustment,
        reason: reason.into(),
    }
}

#[tokio::test]
async fn a_created_product_is_located_at_version_1() {
    let app = spawn_app().await;

    let created = app
        .as_admin()
        .create_product(&new_product("CUP-W", 10))
        .await;

    let id = created.command(201, 1);
    assert_eq!(created.location(), format!("/api/v1/products/{id}"));
}

#[tokio::test]
async fn admin_runs_every_catalogue_command_and_gets_each_version() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let id = draft_product(&admin, "CUP-W", 10).await;

    admin
        .update_product(
            &id,
            &ProductChanges {
                name: Some("Espresso cup, white".into()),
                tags: Some(vec!["coffee".into(), "gift".into()]),
                ..Default::default()
            },
        )
        .await
        .command(200, 2);
    admin
        .add_variant(&id, &Variant::new("CUP-B", "black", Price::usd(1350), 4))
        .await
        .command(200, 3);
    admin
        .change_price(&id, "CUP-B", &Price::usd(1400))
        .await
        .command(200, 4);
    admin
        .adjust_stock(&id, "CUP-W", &adjustment(25, "delivery"))
        .await
        .command(200, 5);
    admin.publish(&id).await.command(200, 6);
    admin.archive(&id).await.command(200, 7);

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
async fn a_product_body_that_is_not_json_or_of_the_wrong_shape_is_refused() {
    let app = spawn_app().await;
    let (admin, _, before) = admin_with_a_draft(&app).await;

    admin
        .request(Method::POST, "/products")
        .raw(r#"{"name": "cup", "#)
        .send()
        .await
        .problem(400, "malformed_json");
    let mut wrong_type = product_json();
    wrong_type["variants"][0]["stock"] = json!("many");
    let mut unknown = product_json();
    unknown["colour"] = json!("red");
    let mut currency = product_json();
    currency["variants"][0]["price"]["currency"] = json!("DOLLARS");
    admin
        .send_json(Method::POST, "/products", &wrong_type)
        .await
        .problem(422, "validation_failed");
    admin
        .send_json(Method::POST, "/products", &unknown)
        .await
        .problem(422, "validation_failed");
    admin
        .send_json(Method::POST, "/products", &currency)
        .await
        .problem(422, "validation_failed");
    admin
        .send_json(Method::POST, "/products", &json!({"name": "no variants"}))
        .await
        .problem(422, "validation_failed");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_negative_stock_is_422_validation_failed() {
    let app = spawn_app().await;
    let (admin, _, before) = admin_with_a_draft(&app).await;

    admin
        .create_product(&new_product("CUP-X", -1))
        .await
        .problem(422, "validation_failed");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_free_variant_is_422_invalid_price() {
    let app = spawn_app().await;
    let (admin, _, before) = admin_with_a_draft(&app).await;
    let mut free = new_product("CUP-X", 1);
    free.variants[0].price = Price::usd(0);

    admin
        .create_product(&free)
        .await
        .problem(422, "invalid_price");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_sku_with_spaces_or_punctuation_is_422_invalid_sku() {
    let app = spawn_app().await;
    let (admin, _, before) = admin_with_a_draft(&app).await;
    let mut bad_sku = new_product("CUP X!", 1);
    bad_sku.name = "x".into();

    admin
        .create_product(&bad_sku)
        .await
        .problem(422, "invalid_sku");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_nul_character_is_refused_up_front_naming_the_field() {
    // Postgres text cannot hold NUL: refused up front, never a 5xx.
    let app = spawn_app().await;
    let (admin, _, before) = admin_with_a_draft(&app).await;
    let mut nul = new_product("CUP-X", 1);
    nul.variants[0]
        .options
        .insert("colour".into(), "white\u{0}".into());

    let reply = admin.create_product(&nul).await;

    reply.problem(422, "validation_failed");
    assert_eq!(
        reply.body["errors"][0]["field"],
        "variants[0].options.colour"
    );
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_empty_update_is_422_nothing_to_update() {
    let app = spawn_app().await;
    let (admin, id, before) = admin_with_a_draft(&app).await;

    admin
        .update_product(&id, &ProductChanges::default())
        .await
        .problem(422, "nothing_to_update");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_stock_adjustment_of_zero_is_422_and_below_zero_stock_409() {
    let app = spawn_app().await;
    let (admin, id, before) = admin_with_a_draft(&app).await;

    admin
        .adjust_stock(&id, "CUP-W", &adjustment(0, "count"))
        .await
        .problem(422, "zero_adjustment");
    admin
        .adjust_stock(&id, "CUP-W", &adjustment(-11, "breakage"))
        .await
        .problem(409, "negative_stock");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn the_price_of_an_unknown_sku_is_422_unknown_sku() {
    let app = spawn_app().await;
    let (admin, id, before) = admin_with_a_draft(&app).await;

    admin
        .change_price(&id, "NOPE", &Price::usd(100))
        .await
        .problem(422, "unknown_sku");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn catalogue_routes_without_a_valid_token_are_401() {
    let app = spawn_app().await;
    let (_, _, before) = admin_with_a_draft(&app).await;

    app.anonymous()
        .create_product(&new_product("CUP-X", 1))
        .await
        .problem(401, "unauthorized");
    app.with_token("not-a-jwt")
        .create_product(&new_product("CUP-X", 1))
        .await
        .problem(401, "token_invalid");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn customers_and_auditors_are_403_on_catalogue_routes() {
    let app = spawn_app().await;
    let (_, id, before) = admin_with_a_draft(&app).await;

    for role in [Role::Customer, Role::Auditor] {
        let user = app.as_role(role);
        user.create_product(&new_product("CUP-X", 1))
            .await
            .problem(403, "forbidden");
        user.publish(&id).await.problem(403, "forbidden");
        // The role is checked before the body is even parsed.
        user.request(Method::PATCH, &format!("/products/{id}"))
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
    let admin = app.as_admin();
    let first = draft_product(&admin, "CUP-W", 10).await;
    let other = draft_product(&admin, "PLATE", 10).await;
    let before = event_count(&app).await;

    admin
        .create_product(&new_product("CUP-W", 3))
        .await
        .problem(409, "duplicate_sku");
    let variant = Variant::plain(" CUP-W ", Price::usd(100), 1);
    admin
        .add_variant(&other, &variant)
        .await
        .problem(409, "duplicate_sku");
    admin
        .add_variant(&first, &variant)
        .await
        .problem(409, "duplicate_sku");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_refused_command_gives_its_sku_claims_back() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let other = draft_product(&admin, "PLATE", 10).await;
    let before = event_count(&app).await;

    let mut nameless = new_product("BOWL", 3);
    nameless.name = "   ".into();
    admin
        .create_product(&nameless)
        .await
        .problem(422, "field_required");
    let euro = Variant::plain(
        "SAUCER",
        Price {
            amount: 100,
            currency: "EUR".into(),
        },
        1,
    );
    admin
        .add_variant(&other, &euro)
        .await
        .problem(422, "currency_mismatch");
    assert_eq!(event_count(&app).await, before);

    // The SKUs stay free for the next product.
    draft_product(&admin, "BOWL", 3).await;
    admin
        .add_variant(&other, &Variant::plain("SAUCER", Price::usd(100), 1))
        .await
        .command(200, 2);
}

#[tokio::test]
async fn if_match_of_another_version_is_412_and_not_a_number_400() {
    let app = spawn_app().await;
    let (admin, id, before) = admin_with_a_draft(&app).await;

    admin
        .if_match("7")
        .publish(&id)
        .await
        .problem(412, "version_mismatch");
    admin
        .if_match("seven")
        .publish(&id)
        .await
        .problem(400, "invalid_if_match");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn if_match_accepts_a_quoted_current_version() {
    let app = spawn_app().await;
    let (admin, id, _) = admin_with_a_draft(&app).await;

    admin.if_match("\"1\"").publish(&id).await.command(200, 2);
}

#[tokio::test]
async fn publishing_a_published_product_is_409_already_published() {
    let app = spawn_app().await;
    let (admin, id, _) = admin_with_a_draft(&app).await;
    admin.publish(&id).await.command(200, 2);

    admin.publish(&id).await.problem(409, "already_published");
}

#[tokio::test]
async fn commands_on_a_missing_product_are_404() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let missing = uuid::Uuid::new_v4().to_string();

    admin.publish(&missing).await.problem(404, "not_found");
    admin.publish("not-a-uuid").await.problem(404, "not_found");
    admin
        .add_variant(&missing, &Variant::plain("GHOST", Price::usd(100), 1))
        .await
        .problem(404, "not_found");

    assert_eq!(event_count(&app).await, 0);
    // The refused variant did not keep its SKU.
    draft_product(&admin, "GHOST", 1).await;
}
