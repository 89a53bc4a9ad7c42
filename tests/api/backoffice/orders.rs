//! The orders pages: the list by status, one order, and the admins' actions through the same
//! use cases as the API.

use super::*;
use crate::fixtures::paid_order;
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

#[tokio::test]
async fn an_admin_ships_a_paid_order_from_its_page_and_the_timeline_grows() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    let mut browser = signed_in_admin(&app).await;
    let before = browser.get(&format!("/admin/orders/{order}?v=3")).await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert!(before.body.contains(">Ship<"), "{}", before.body);
    assert!(!before.body.contains("OrderShipped"));
    let shipped = browser
        .post(
            &format!("/admin/orders/{order}/ship"),
            &[
                ("csrf", &before.csrf()),
                ("version", "3"),
                ("carrier", "DHL"),
                ("tracking_number", "JD0146"),
            ],
        )
        .await;
    assert_eq!(shipped.status, 303, "{}", shipped.body);
    let location = shipped.location.expect("to the order page");
    assert_eq!(location, format!("/admin/orders/{order}?v=4"));
    refresh_one(&app.db.pool, "orders").await;
    let after = browser.get(&location).await;
    assert!(after.body.contains("OrderShipped"), "{}", after.body);
    assert!(after.body.contains("DHL JD0146"));
    assert!(after.body.contains("Mark delivered"));
    let order_json: serde_json::Value = app.as_admin().get_order(&order).await.json_body();
    assert_eq!(order_json["status"], "shipped");
}

#[tokio::test]
async fn shipping_an_order_seen_at_an_old_version_is_refused_with_412() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    let mut browser = signed_in_admin(&app).await;
    let csrf = browser.csrf().await;
    let page = browser
        .post(
            &format!("/admin/orders/{order}/ship"),
            &[
                ("csrf", &csrf),
                ("version", "2"),
                ("carrier", "DHL"),
                ("tracking_number", "T"),
            ],
        )
        .await;
    assert_eq!(page.status, 412, "{}", page.body);
}

#[tokio::test]
async fn the_orders_list_filters_by_status() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    let mut browser = signed_in_admin(&app).await;
    let short = &order.replace('-', "")[..8];
    let paid = browser.get("/admin/orders?status=paid").await;
    assert_eq!(paid.status, 200);
    assert!(paid.body.contains(short), "{}", paid.body);
    let shipped = browser.get("/admin/orders?status=shipped").await;
    assert!(!shipped.body.contains(short));
    assert_eq!(browser.get("/admin/orders?status=lost").await.status, 400);
}

#[tokio::test]
async fn a_malformed_path_query_or_form_is_refused_with_a_page_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    let mut browser = signed_in_admin(&app).await;
    let csrf = browser.csrf().await;
    let bad_path = browser.get("/admin/orders/not-an-order").await;
    let bad_query = browser.get("/admin/orders?page=first").await;
    let bad_form = browser
        .post(
            &format!("/admin/orders/{order}/ship"),
            &[("csrf", &csrf), ("version", "three"), ("carrier", "DHL")],
        )
        .await;
    for refused in [&bad_path, &bad_query, &bad_form] {
        assert!((400..500).contains(&refused.status), "{}", refused.status);
        assert!(
            refused.body.contains(r#"role="alert""#) && refused.body.contains("<html"),
            "a page, not plain text: {}",
            refused.body
        );
    }
    let order_json: serde_json::Value = app.as_admin().get_order(&order).await.json_body();
    assert_eq!(order_json["status"], "paid", "nothing shipped");
}
