//! `GET orders/{id}/invoice`: totals that reconcile exactly with a percent coupon and a
//! configured tax rate, the printable HTML page (escaped), ownership and authentication.

use chrono::{Duration, Utc};
use commerce_aggregates::order::{OrderCommand, OrderLineInput, ShippingPolicy};
use commerce_aggregates::Role;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use super::{get, get_json, metadata_of, pay_order, place_order, refresh};
use crate::client::{AddItem, NewCoupon};
use crate::fixtures::{active_product, address, ready_cart, usd};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};

/// The invoice number of order `id`.
fn number_of(id: &str) -> String {
    format!("INV-{}", id.replace('-', "")[..8].to_uppercase())
}

fn amount(value: &Value) -> i64 {
    assert_eq!(value["currency"], "USD", "{value}");
    value["amount"].as_i64().expect("amount")
}

#[tokio::test]
async fn invoice_totals_reconcile_with_a_percent_coupon_and_tax() {
    let app = spawn_app_with(&[
        ("TAX_RATE_BPS", "2000"),
        ("SHIPPING_FLAT_RATE", "650"),
        ("FREE_SHIPPING_FROM", "off"),
    ])
    .await;
    let admin = app.as_admin();
    let first = active_product(&admin, "CUP-A", 10).await;
    let second = active_product(&admin, "CUP-B", 10).await;
    admin
        .create_coupon(&NewCoupon::percent("FIFTEEN", 15))
        .await
        .command(201, 1);
    let client = app.as_role(Role::Customer);
    let (customer, token) = (client.user(), client.token());
    let cart = ready_cart(&client, &first, "CUP-A", 3).await;
    client
        .add_item(&cart, &AddItem::new(&second, "CUP-B", 1))
        .await
        .command(200, 4);
    client.apply_coupon(&cart, "FIFTEEN").await.command(200, 5);
    let order = client.checkout(&cart).await.command(201, 2);
    refresh(&app).await;

    let (status, invoice) = get_json(
        &app,
        &format!("/orders/{order}/invoice?min_version=1"),
        Some(token),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{invoice}");
    assert_eq!(invoice["number"], number_of(&order));
    assert_eq!(invoice["order_id"], order.as_str());
    assert_eq!(invoice["issued_on"], Utc::now().date_naive().to_string());
    assert!(invoice["seller"]["name"].is_string());
    assert_eq!(invoice["customer"]["id"], customer.to_string());
    assert_eq!(
        invoice["customer"]["shipping_address"]["name"],
        "Ada Lovelace"
    );
    assert_eq!(invoice["coupon_code"], "FIFTEEN");
    assert_eq!(invoice["status"], "confirmed");
    assert_eq!(invoice["tax_rate_bps"], 2000);
    assert!(invoice["placed_at"].is_string());
    assert!(invoice["paid_at"].is_null());

    // 3 × 12.50 + 1 × 12.50 = 50.00; 15 % off = 7.50, allocated 5.63 / 1.87 (largest
    // remainder, tie to the first line); 20 % tax on 31.87 and 10.63 = 6.37 + 2.13; shipping
    // 6.50 (never free): total 57.50.
    let totals = &invoice["totals"];
    assert_eq!(amount(&totals["subtotal"]), 5000);
    assert_eq!(amount(&totals["discount"]), 750);
    assert_eq!(amount(&totals["shipping"]), 650);
    assert_eq!(amount(&totals["tax"]), 850);
    assert_eq!(amount(&totals["total"]), 5750);

    let lines = invoice["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    let field = |name: &str| -> Vec<i64> { lines.iter().map(|l| amount(&l[name])).collect() };
    assert_eq!(field("discount"), vec![563, 187]);
    assert_eq!(field("tax"), vec![637, 213]);
    assert_eq!(lines[0]["sku"], "CUP-A");
    assert_eq!(lines[0]["name"], "Espresso cup");
    assert_eq!(lines[0]["quantity"], 3);
    assert_eq!(amount(&lines[0]["unit_price"]), 1250);
    for line in lines {
        let quantity = line["quantity"].as_i64().expect("quantity");
        assert_eq!(
            amount(&line["line_total"]),
            amount(&line["unit_price"]) * quantity
        );
        assert_eq!(
            amount(&line["total"]),
            amount(&line["line_total"]) - amount(&line["discount"]) + amount(&line["tax"])
        );
    }
    let sum = |name: &str| field(name).iter().sum::<i64>();
    assert_eq!(sum("line_total"), amount(&totals["subtotal"]));
    assert_eq!(sum("discount"), amount(&totals["discount"]));
    assert_eq!(sum("tax"), amount(&totals["tax"]));
    assert_eq!(
        sum("total") + amount(&totals["shipping"]),
        amount(&totals["total"])
    );
}

/// Places and confirms an order of 2 × 10.00 USD whose line name and address hold markup;
/// returns its id.
async fn order_with_markup(app: &TestApp, customer: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    let mut shipping_address = address();
    shipping_address.name = "Ada & \"Bob\" <b>".into();
    let place = OrderCommand::PlaceOrder {
        order_id: id,
        cart_id: Uuid::new_v4(),
        customer_id: Some(customer),
        guest_email: None,
        customer_role: Role::Customer,
        lines: vec![OrderLineInput {
            product_id: Uuid::new_v4(),
            sku: "MUG-1".into(),
            name: "<script>alert('x')</script> Mug".into(),
            quantity: 2,
            unit_price: usd(1000),
        }],
        coupon: None,
        shipping_address,
        shipping_policy: ShippingPolicy {
            flat_rate: usd(500),
            free_above: None,
        },
        tax_rate_bps: 0,
        at: Utc::now(),
        store: "default".into(),
    };
    let meta = metadata_of(customer, Role::Customer);
    let orders = &app.stores.orders;
    orders
        .execute(&id.to_string(), place, &meta, None)
        .await
        .expect("order placed");
    let confirm = OrderCommand::ConfirmOrder {
        payment_due_by: Utc::now() + Duration::hours(1),
    };
    orders
        .execute(&id.to_string(), confirm, &meta, None)
        .await
        .expect("order confirmed");
    id
}

#[tokio::test]
async fn the_html_invoice_is_printable_and_escapes_user_text() {
    let app = spawn_app().await;
    let (customer, token) = app.token(Role::Customer);
    let order = order_with_markup(&app, customer).await;
    pay_order(&app, order, customer).await;
    refresh(&app).await;
    let path = format!("/orders/{order}/invoice");

    let response = app
        .with_token(&token)
        .request(reqwest::Method::GET, &path)
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.headers["content-type"]
        .to_str()
        .expect("content type")
        .starts_with("text/html"));
    let html = response.text.clone();
    let number = number_of(&order.to_string());
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains(&format!("Invoice {number}")), "{html}");
    assert!(html.contains("<style>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Mug"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("Ada &amp; &quot;Bob&quot; &lt;b&gt;"),
        "{html}"
    );
    assert!(html.contains("25.00 USD"), "{html}");
    assert!(html.contains("Paid on"), "{html}");

    // `?format=html` without an Accept header gives the same page.
    let response = get(&app, &format!("{path}?format=html"), Some(&token)).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text.clone(), html);

    // JSON by default, with the payment date.
    let (status, invoice) = get_json(&app, &path, Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(invoice["number"], number);
    assert_eq!(invoice["status"], "paid");
    assert!(invoice["paid_at"].is_string(), "{invoice}");
    assert_eq!(
        invoice["lines"][0]["name"],
        "<script>alert('x')</script> Mug"
    );
}

/// An engine giving up waiting after 200 ms and a customer's confirmed order (version 2) in
/// the read models: (app, owner's id, owner's token, order id).
async fn an_invoiced_order() -> (TestApp, Uuid, String, String) {
    let app = spawn_app_with(&[("READ_WAIT_TIMEOUT_MS", "200")]).await;
    let (owner, owner_token) = app.token(Role::Customer);
    let order = place_order(&app, owner).await;
    refresh(&app).await;
    (app, owner, owner_token, order.to_string())
}

#[tokio::test]
async fn an_owner_reads_their_invoice() {
    let (app, _, owner_token, order) = an_invoiced_order().await;

    assert_eq!(
        app.with_token(&owner_token).invoice(&order).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn admins_and_auditors_read_any_invoice() {
    let (app, owner, _, order) = an_invoiced_order().await;

    for role in [Role::Admin, Role::Auditor] {
        let reply = app.as_role(role).invoice(&order).await;
        let invoice = reply.json_body();
        assert_eq!(reply.status, StatusCode::OK, "{role:?}");
        assert_eq!(invoice["customer"]["id"], owner.to_string());
    }
}

#[tokio::test]
async fn someone_elses_invoice_is_404_as_json_and_as_html() {
    let (app, _, _, order) = an_invoiced_order().await;

    for role in [Role::Customer, Role::Prime] {
        let other = app.as_role(role);
        let reply = other.invoice(&order).await;
        let problem = reply.json_body();
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{role:?}");
        assert_eq!(problem["code"], "not_found");
        let html = other.invoice_with(&order, "format=html").await;
        assert_eq!(html.status, StatusCode::NOT_FOUND, "{role:?}");
    }
}

#[tokio::test]
async fn an_invoice_without_a_valid_token_is_401() {
    let (app, _, _, order) = an_invoiced_order().await;

    assert_eq!(
        app.anonymous().invoice(&order).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.with_token("garbage").invoice(&order).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_invoice_of_an_unknown_order_is_404() {
    let (app, _, owner_token, _) = an_invoiced_order().await;

    assert_eq!(
        app.with_token(&owner_token)
            .invoice(&Uuid::new_v4().to_string())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_invoice_waits_for_min_version_like_the_other_queries() {
    let (app, owner, owner_token, order) = an_invoiced_order().await;
    let owner_client = app.with_token(&owner_token);

    // min_version: reached → 200; a version no command produced → 422; a version the read
    // model has not applied yet → 503 once the wait runs out.
    assert_eq!(
        owner_client
            .invoice_with(&order, "min_version=2")
            .await
            .status,
        StatusCode::OK
    );
    let reply = owner_client.invoice_with(&order, "min_version=9").await;
    let problem = reply.json_body();
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["code"], "min_version_ahead");
    pay_order(&app, order.parse().expect("uuid"), owner).await;
    assert_eq!(
        owner_client
            .invoice_with(&order, "min_version=3")
            .await
            .status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn an_unknown_invoice_format_is_422() {
    let (app, _, owner_token, order) = an_invoiced_order().await;

    assert_eq!(
        app.with_token(&owner_token)
            .invoice_with(&order, "format=pdf")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}
