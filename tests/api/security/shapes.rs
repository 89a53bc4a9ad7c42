//! Bodies of the wrong shape, strictly refused: every operation of `/openapi.json` that takes
//! a body answers a JSON array, string, number or boolean with 422 `validation_failed` naming
//! `body` (serde alone would read a struct from an array of its fields), and every command
//! that takes a currency refuses a code that is not a circulating ISO-4217 currency. Neither
//! writes anything.

use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use super::StoreMark;
use crate::fixtures::{openapi_document, webhook_signature};
use crate::helpers::{spawn_app, TestApp};

/// Well-formed JSON that is not an object.
const NOT_OBJECTS: &[&str] = &[
    "[]",
    "[1, 2]",
    "[\"WELCOME\", {\"percent\": 5}]",
    "\"text\"",
    "42",
    "true",
];

/// Every operation with a request body: (method, path template under `/api/v1` or not).
async fn operations_with_a_body(app: &TestApp) -> Vec<(Method, String)> {
    let doc = openapi_document(app).await;
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            // Only the bodies that are JSON objects: an upload is multipart, and a body
            // documented as an array (the gallery order) is refused when it is not one.
            let mut schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            if let Some(name) = schema["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                schema = &doc["components"]["schemas"][name];
            }
            if schema.is_null() || schema["type"] == "array" {
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            operations.push((method, path.clone()));
        }
    }
    operations
}

/// Sends `body` verbatim as JSON, with `token` when given.
async fn send(
    app: &TestApp,
    method: &Method,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    // Webhooks are authenticated by their signature, checked before the body is read.
    let webhook = if path.ends_with("/payments/webhook") {
        Some((
            "Payment-Signature",
            app.config.payment_webhook_secret.expose(),
        ))
    } else if path.ends_with("/payments/stripe/webhook") {
        Some((
            "Stripe-Signature",
            app.config.stripe.webhook_secret.expose(),
        ))
    } else {
        None
    };
    if let Some((header, secret)) = webhook {
        let signed = webhook_signature(secret, Utc::now().timestamp(), body);
        request = request.header(header, signed);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_422_on_every_operation_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.token(commerce_aggregates::Role::Admin);
    let (_, customer) = app.token(commerce_aggregates::Role::Customer);
    let mark = StoreMark::of(&app).await;
    let operations = operations_with_a_body(&app).await;
    assert!(operations.len() >= 20, "{} operations", operations.len());
    for (method, template) in &operations {
        let path = template
            .replace("{id}", &Uuid::new_v4().to_string())
            .replace("{sku}", "MUG-1")
            .replace("{code}", "WELCOME")
            .replace("{slug}", "default");
        assert!(!path.contains('{'), "a parameter left in {path}");
        for body in NOT_OBJECTS {
            // The caller who may use the route: the customer for shoppers' routes, else the
            // admin (a role refused is 403 before the body is read).
            let mut reply = send(&app, method, &path, Some(&customer), body).await;
            if reply.0 == StatusCode::FORBIDDEN {
                reply = send(&app, method, &path, Some(&admin), body).await;
            }
            let (status, problem) = reply;
            let what = format!("{method} {template} with {body}");
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what}: {problem}"
            );
            assert_eq!(problem["code"], "validation_failed", "{what}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "body", "{what}: {problem}");
        }
    }
    mark.assert_unchanged(&StoreMark::of(&app).await, "bodies of the wrong shape");
}

#[tokio::test]
async fn malformed_json_stays_400_and_null_is_the_empty_optional_body() {
    let app = spawn_app().await;
    let (_, customer) = app.token(commerce_aggregates::Role::Customer);
    let (status, problem) =
        send(&app, &Method::POST, "/api/v1/carts", Some(&customer), "[1,").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["code"], "malformed_json");
    let (status, cart) = send(
        &app,
        &Method::POST,
        "/api/v1/carts",
        Some(&customer),
        "null",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{cart}");
    let (status, problem) = send(
        &app,
        &Method::POST,
        "/api/v1/products",
        Some(&customer),
        "null",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (_, admin) = app.token(commerce_aggregates::Role::Admin);
    let (status, problem) = send(
        &app,
        &Method::POST,
        "/api/v1/products",
        Some(&admin),
        "null",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a required body is not null: {problem}"
    );
    assert_eq!(problem["errors"][0]["field"], "body", "{problem}");
}

/// A product with one variant priced in `currency`.
fn product(currency: &str) -> Value {
    json!({
        "name": "Mug", "description": "", "category": "kitchen", "tags": [], "images": [],
        "variants": [{"sku": "MUG-1", "price": {"amount": 900, "currency": currency}, "stock": 3}]
    })
}

#[tokio::test]
async fn a_currency_outside_iso_4217_is_422_on_every_command_that_takes_one() {
    let app = spawn_app().await;
    let (_, admin) = app.token(commerce_aggregates::Role::Admin);
    let (_, customer) = app.token(commerce_aggregates::Role::Customer);
    let (status, created) = send(
        &app,
        &Method::POST,
        "/api/v1/products",
        Some(&admin),
        &product("USD").to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let product_id = created["id"].as_str().expect("id").to_owned();
    let order = Uuid::new_v4();
    let mark = StoreMark::of(&app).await;
    let unknown = ["XYZ", "xts", "HRK", "US$"];
    for code in unknown {
        let money = json!({"amount": 500, "currency": code});
        let cases: [(&str, Method, String, Value, &str); 7] = [
            (
                "customer",
                Method::POST,
                "/api/v1/carts".into(),
                json!({"currency": code}),
                "currency",
            ),
            (
                "admin",
                Method::POST,
                "/api/v1/products".into(),
                product(code),
                "variants[0].price.currency",
            ),
            (
                "admin",
                Method::POST,
                format!("/api/v1/products/{product_id}/variants"),
                json!({"sku": "MUG-2", "price": money, "stock": 1}),
                "price.currency",
            ),
            (
                "admin",
                Method::PUT,
                format!("/api/v1/products/{product_id}/variants/MUG-1/price"),
                json!({"price": money}),
                "price.currency",
            ),
            (
                "admin",
                Method::POST,
                "/api/v1/coupons".into(),
                json!({"code": "FIVE", "discount": {"fixed": money}}),
                "discount.fixed.currency",
            ),
            (
                "admin",
                Method::POST,
                "/api/v1/coupons".into(),
                json!({"code": "FIVE", "discount": {"percent": 5}, "min_subtotal": money}),
                "min_subtotal.currency",
            ),
            (
                "webhook",
                Method::POST,
                "/api/v1/payments/webhook".into(),
                json!({"id": format!("evt_{code}"), "type": "payment.succeeded",
                       "data": {"order_id": order, "amount": money, "reference": "pi_1"}}),
                "data.amount.currency",
            ),
        ];
        for (caller, method, path, body, field) in cases {
            let token = match caller {
                "customer" => Some(customer.as_str()),
                "admin" => Some(admin.as_str()),
                _ => None,
            };
            let (status, problem) = send(&app, &method, &path, token, &body.to_string()).await;
            let what = format!("{method} {path} in {code}");
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what}: {problem}"
            );
            assert_eq!(problem["errors"][0]["field"], field, "{what}: {problem}");
        }
    }
    mark.assert_unchanged(&StoreMark::of(&app).await, "unknown currencies");
    let webhook_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_webhook_events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or(0);
    assert_eq!(webhook_rows, 0, "no webhook event stored");
}

#[tokio::test]
async fn a_real_currency_with_other_minor_digits_is_accepted() {
    let app = spawn_app().await;
    let (_, admin) = app.token(commerce_aggregates::Role::Admin);
    let (_, customer) = app.token(commerce_aggregates::Role::Customer);
    for code in ["JPY", "kwd", "EUR"] {
        let store = format!("in-{}", code.to_lowercase());
        let body = json!({"slug": store, "name": code, "currency": code,
                          "contact_email": "shop@example.com"})
        .to_string();
        let (status, created) =
            send(&app, &Method::POST, "/api/v1/stores", Some(&admin), &body).await;
        assert_eq!(status, StatusCode::CREATED, "{code}: {created}");
        let body = json!({"store": store, "currency": code}).to_string();
        let (status, cart) =
            send(&app, &Method::POST, "/api/v1/carts", Some(&customer), &body).await;
        assert_eq!(status, StatusCode::CREATED, "{code}: {cart}");
    }
}
