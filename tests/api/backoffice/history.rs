//! The order page's money and records: refunds (through the API's use case, bad amounts
//! refused without a write), returns approved and received from the page, the invoice, the
//! order as of an instant, its history with actors, and the orders search.

use reqwest::Method;
use serde_json::json;

use super::*;
use crate::client::Ship;
use crate::fixtures::{event_count, last_payload, paid_order};
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

fn refund_form<'a>(csrf: &'a str, version: &'a str, amount: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", version),
        ("refund_id", "0b8f3f5e-8d7c-4c55-9a55-3c1c1f1e0a01"),
        ("currency", "USD"),
        ("amount", amount),
        ("reason", "arrived damaged"),
    ]
}

#[tokio::test]
async fn an_admin_refunds_part_of_an_order_from_its_page() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    let mut browser = signed_in_admin(&app).await;
    let page = browser.get(&format!("/admin/orders/{order}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(">Refund<"), "{}", page.body);
    assert!(page.body.contains("No refunds."));
    let refunded = browser
        .post(
            &format!("/admin/orders/{order}/refunds"),
            &refund_form(&page.csrf(), "3", "5.50"),
        )
        .await;
    assert_eq!(refunded.status, 303, "{}", refunded.body);
    let location = refunded.location.expect("to the order page");
    assert_eq!(location, format!("/admin/orders/{order}?v=5"));
    refresh_one(&app.db.pool, "orders").await;
    let after = browser.get(&location).await;
    assert!(after.body.contains("5.50 USD"), "{}", after.body);
    assert!(after.body.contains("completed"));
    assert!(after.body.contains("arrived damaged"));
    let refunds = app
        .as_admin()
        .send(Method::GET, &format!("/orders/{order}/refunds"))
        .await
        .json_body();
    assert_eq!(refunds[0]["amount"]["amount"], 550, "{refunds}");
}

#[tokio::test]
async fn a_refund_with_a_bad_amount_gets_a_4xx_page_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    let mut browser = signed_in_admin(&app).await;
    let csrf = browser.csrf().await;
    let before = event_count(&app).await;
    let path = format!("/admin/orders/{order}/refunds");
    for (amount, status) in [("abc", 400), ("1.234", 400), ("-3", 400)] {
        let page = browser.post(&path, &refund_form(&csrf, "3", amount)).await;
        assert_eq!(page.status, status, "{amount}: {}", page.body);
        assert!(page.body.contains("role=\"alert\""), "{}", page.body);
    }
    // More than was paid (29.99): the order refuses it.
    let too_much = browser.post(&path, &refund_form(&csrf, "3", "500")).await;
    assert!(
        (400..500).contains(&too_much.status),
        "{}: {}",
        too_much.status,
        too_much.body
    );
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_auditor_sees_no_action_forms_and_their_refund_post_is_403() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    auditor_account(&app, "audit@example.com").await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("audit@example.com").await.status, 303);
    let page = browser.get(&format!("/admin/orders/{order}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Refunds"));
    for action in ["/ship\"", "/cancel\"", "/refunds\"", ">Refund<", ">Ship<"] {
        assert!(!page.body.contains(action), "{action} shown: {}", page.body);
    }
    let before = event_count(&app).await;
    let forged = browser
        .post(
            &format!("/admin/orders/{order}/refunds"),
            &refund_form(&page.csrf(), "3", "5.00"),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn the_order_as_of_an_instant_shows_its_earlier_status() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    let shipment = Ship {
        carrier: "DHL".into(),
        tracking_number: "JD1".into(),
    };
    app.as_admin().ship(&order, &shipment).await.command(200, 4);
    let shipped_at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "SELECT recorded_at FROM events WHERE aggregate_id = $1 AND event_type = 'OrderShipped'",
    )
    .bind(&order)
    .fetch_one(&app.db.pool)
    .await
    .expect("shipped");
    let before_shipping = (shipped_at - chrono::Duration::milliseconds(1))
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string();
    let mut browser = signed_in_admin(&app).await;
    let then = browser
        .get(&format!("/admin/orders/{order}/as-of?at={before_shipping}"))
        .await;
    assert_eq!(then.status, 200, "{}", then.body);
    assert!(then.body.contains("<strong>paid</strong>"), "{}", then.body);
    assert!(!then.body.contains("OrderShipped"));
    assert!(then.body.contains("Not shipped"));
    let now = browser
        .get(&format!("/admin/orders/{order}/as-of?at=9999-01-01T00:00"))
        .await;
    assert!(
        now.body.contains("<strong>shipped</strong>"),
        "{}",
        now.body
    );
    let too_early = browser
        .get(&format!("/admin/orders/{order}/as-of?at=2000-01-01T00:00"))
        .await;
    assert_eq!(too_early.status, 404, "{}", too_early.body);
    let nonsense = browser
        .get(&format!("/admin/orders/{order}/as-of?at=yesterday"))
        .await;
    assert_eq!(nonsense.status, 400, "{}", nonsense.body);
}

#[tokio::test]
async fn the_history_shows_every_event_with_its_actor_and_the_invoice_is_the_api_document() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    let customer = last_payload(&app, &order, "OrderPlaced").await["customer_id"]
        .as_str()
        .expect("customer")
        .to_string();
    let mut browser = signed_in_admin(&app).await;
    let history = browser.get(&format!("/admin/orders/{order}/history")).await;
    assert_eq!(history.status, 200, "{}", history.body);
    for event in ["OrderPlaced", "StockReserved", "OrderPaid"] {
        assert!(history.body.contains(event), "{event}: {}", history.body);
    }
    assert!(history.body.contains(&format!("customer {customer}")));
    let unknown = browser
        .get(&format!("/admin/orders/{}/history", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(unknown.status, 404);
    let invoice = browser.get(&format!("/admin/orders/{order}/invoice")).await;
    assert_eq!(invoice.status, 200, "{}", invoice.body);
    let number = format!("INV-{}", order.replace('-', "")[..8].to_uppercase());
    assert!(
        invoice.body.contains(&format!("Invoice {number}")),
        "{}",
        invoice.body
    );
    assert!(invoice.body.contains("29.99 USD"));
}

#[tokio::test]
async fn a_return_is_approved_then_received_from_the_order_page() {
    let app = spawn_app().await;
    let (customer, order) = paid_order(&app).await;
    let admin = app.as_admin();
    let shipment = Ship {
        carrier: "DHL".into(),
        tracking_number: "JD1".into(),
    };
    admin.ship(&order, &shipment).await.command(200, 4);
    admin.deliver(&order).await.command(200, 5);
    let sku = last_payload(&app, &order, "OrderPlaced").await["lines"][0]["sku"]
        .as_str()
        .expect("sku")
        .to_string();
    let body = json!({"lines": [{"sku": sku, "quantity": 1}], "reason": "too small"});
    let asked = customer
        .send_json(Method::POST, &format!("/orders/{order}/returns"), &body)
        .await
        .json_body();
    let return_id = asked["return_id"].as_str().expect("return id").to_string();
    refresh_one(&app.db.pool, "orders").await;
    let mut browser = signed_in_admin(&app).await;
    let page = browser.get(&format!("/admin/orders/{order}")).await;
    assert!(page.body.contains("too small"), "{}", page.body);
    assert!(page.body.contains("Approve return"));
    let approved = browser
        .post(
            &format!("/admin/returns/{return_id}/approve"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    refresh_one(&app.db.pool, "orders").await;
    let page = browser.get(&approved.location.expect("order page")).await;
    assert!(page.body.contains("Receive and refund"), "{}", page.body);
    let received = browser
        .post(
            &format!("/admin/returns/{return_id}/receive"),
            &[("csrf", page.csrf().as_str()), ("restock", "on")],
        )
        .await;
    assert_eq!(received.status, 303, "{}", received.body);
    refresh_one(&app.db.pool, "orders").await;
    let page = browser.get(&received.location.expect("order page")).await;
    assert!(page.body.contains("received · restocked"), "{}", page.body);
    assert!(
        page.body.contains("return: too small"),
        "the refund is listed"
    );
}

#[tokio::test]
async fn the_orders_list_searches_by_id_prefix_customer_and_dates() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    let customer = last_payload(&app, &order, "OrderPlaced").await["customer_id"]
        .as_str()
        .expect("customer")
        .to_string();
    let short = order.replace('-', "")[..8].to_string();
    let other = if short.starts_with('0') { "1" } else { "0" };
    let mut browser = signed_in_admin(&app).await;
    let found = |page: &Page| page.body.contains(&format!(">{short}<"));
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().expect("tomorrow");
    for (query, expected) in [
        (format!("order={}", &short[..5].to_uppercase()), true),
        (format!("order={other}"), false),
        (format!("customer={customer}"), true),
        ("customer=nobody%40example.com".to_string(), false),
        (format!("from={today}&to={today}"), true),
        (format!("from={tomorrow}"), false),
        (format!("store=default&status=paid&order={short}"), true),
    ] {
        let page = browser.get(&format!("/admin/orders?{query}")).await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
        assert_eq!(found(&page), expected, "{query}: {}", page.body);
    }
    for query in [
        "order=xyz",
        "customer=someone",
        "from=yesterday",
        "from=2026-12-08&to=2026-12-07",
    ] {
        let page = browser.get(&format!("/admin/orders?{query}")).await;
        assert_eq!(page.status, 400, "{query}: {}", page.body);
    }
}
