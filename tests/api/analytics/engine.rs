//! The whole engine (HTTP, relay, workers) against its own
//! nats-server: products, carts, checkouts with and without a coupon, payments, a refund and
//! a cancellation, then every analytics report asserted to the minor unit, and
//! `replay analytics` equal to the live tables.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use commerce_aggregates::Role;
use commerce_projections::read_models::analytics::AnalyticsProjection;
use commerce_projections::{replay, Projection};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::checkout::start_engine_with;
use crate::client::{AddItem, Client, NewCoupon, NewProduct, Pay, Price, Variant};
use crate::fixtures::{address, open_cart, usd_json};
use crate::helpers::TestApp;
use crate::pipeline::{projections_caught_up, wait_until, PATIENCE};
use crate::queries::get_json;

/// Creates and publishes a product with one variant `sku` at `price` cents as `admin`; its id.
async fn product(admin: &Client<'_>, name: &str, sku: &str, price: i64) -> String {
    let body = NewProduct {
        name: name.into(),
        description: format!("{name}, for the analytics test"),
        category: "test".into(),
        tags: vec![],
        images: vec![],
        variants: vec![Variant::plain(sku, Price::usd(price), 100)],
        low_stock_threshold: None,
    };
    let id = admin.create_product(&body).await.command(201, 1);
    admin.publish(&id).await.command(200, 2);
    id
}

/// A new customer's cart holding `items` (product, sku, quantity); (customer, cart id).
async fn cart<'a>(app: &'a TestApp, items: &[(&str, &str, i64)]) -> (Client<'a>, String) {
    let customer = app.as_role(Role::Customer);
    let cart = open_cart(&customer).await;
    for (product, sku, quantity) in items {
        let reply = customer
            .add_item(&cart, &AddItem::new(product, sku, *quantity))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    (customer, cart)
}

/// Sets an address, applies `coupon`, checks out: the confirmed order's id.
async fn check_out(customer: &Client<'_>, cart: &str, coupon: Option<&str>) -> String {
    assert_eq!(
        customer.set_address(cart, &address()).await.status,
        StatusCode::OK
    );
    if let Some(code) = coupon {
        let reply = customer.apply_coupon(cart, code).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let reply = customer.checkout(cart).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.body["status"], "confirmed", "{}", reply.text);
    reply.body["id"].as_str().expect("order id").to_string()
}

/// `customer` pays `order` with the `test` provider.
async fn pay(customer: &Client<'_>, order: &str) {
    let reply = customer.pay(order, &Pay::test("tok_ok")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// Every row of the analytics tables, sorted.
async fn dump(pool: &PgPool) -> BTreeMap<String, Vec<String>> {
    let mut dump = BTreeMap::new();
    for table in AnalyticsProjection.tables() {
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT to_jsonb(t)::text FROM {table} t ORDER BY 1"
        ))
        .fetch_all(pool)
        .await
        .expect("rows");
        dump.insert(table.to_string(), rows);
    }
    dump
}

/// True once the checkout process has given the cancelled order's redemption back.
async fn redemption_released(pool: &PgPool) -> bool {
    sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM events WHERE aggregate_type = 'coupon' \
         AND event_type = 'RedemptionReleased'",
    )
    .fetch_one(pool)
    .await
    .expect("count")
        == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn analytics_report_sales_products_coupons_and_carts_exactly() {
    let engine = start_engine_with(&[
        ("TAX_RATE_BPS", "0"),
        ("SHIPPING_FLAT_RATE", "499"),
        ("FREE_SHIPPING_FROM", "5000"),
    ])
    .await;
    let app = &engine.app;
    let admin = app.as_admin();
    let a = product(&admin, "Lamp", "LAMP", 1000).await;
    let b = product(&admin, "Chair", "CHAIR", 4000).await;
    let c = product(&admin, "Candle", "CANDLE", 200).await;
    admin
        .create_coupon(&NewCoupon::percent("TENOFF", 10))
        .await
        .command(201, 1);

    // 1: 5 candles and a lamp, no coupon: 20.00 + 4.99 shipping = 24.99, paid.
    let (t1, c1) = cart(app, &[(&c, "CANDLE", 5), (&a, "LAMP", 1)]).await;
    let o1 = check_out(&t1, &c1, None).await;
    pay(&t1, &o1).await;
    // 2: a chair and a lamp, 10 % off: 50.00 − 5.00 + 4.99 = 49.99, paid.
    let (t2, c2) = cart(app, &[(&b, "CHAIR", 1), (&a, "LAMP", 1)]).await;
    let o2 = check_out(&t2, &c2, Some("TENOFF")).await;
    pay(&t2, &o2).await;
    // 3: a chair, 10 % off: 40.00 − 4.00 + 4.99 = 40.99, paid, then refunded.
    let (t3, c3) = cart(app, &[(&b, "CHAIR", 1)]).await;
    let o3 = check_out(&t3, &c3, Some("TENOFF")).await;
    pay(&t3, &o3).await;
    let reply = admin.refund(&o3, "arrived broken").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // 4: a lamp with the coupon, cancelled before payment: never a sale, redemption released.
    let (t4, c4) = cart(app, &[(&a, "LAMP", 1)]).await;
    let o4 = check_out(&t4, &c4, Some("TENOFF")).await;
    let reply = t4.cancel_order(&o4, "changed my mind").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // 5: a cart left with a candle in it; 6: a cart never filled.
    cart(app, &[(&c, "CANDLE", 1)]).await;
    cart(app, &[]).await;

    wait_until("the redemption released", PATIENCE, || {
        redemption_released(&app.db.pool)
    })
    .await;
    wait_until("projections caught up", PATIENCE, || {
        projections_caught_up(&app.db.pool)
    })
    .await;

    // The range covers yesterday too, should the test run across midnight UTC.
    let today = Utc::now().date_naive();
    let range = format!("from={}&to={today}", today - Duration::days(1));
    let path = format!("/admin/analytics/sales?{range}");
    let (status, sales) = get_json(app, &path, Some(admin.token())).await;
    assert_eq!(status, StatusCode::OK, "{sales}");
    assert_eq!(
        sales["currencies"].as_array().map(Vec::len),
        Some(1),
        "{sales}"
    );
    let usd_sales = &sales["currencies"][0];
    assert_eq!(usd_sales["currency"], "USD");
    assert_eq!(
        usd_sales["days"].as_array().map(Vec::len),
        Some(2),
        "{sales}"
    );
    assert_eq!(
        usd_sales["totals"],
        json!({
            "orders_placed": 4, "orders": 3, "units": 9,
            "subtotal": usd_json(11000), "discounts": usd_json(900), "shipping": usd_json(1497),
            "tax": usd_json(0), "gross_revenue": usd_json(11597),
            "refunded_orders": 1, "refunds": usd_json(4099), "net_revenue": usd_json(7498),
            "average_order_value": usd_json(3866)
        }),
        "{sales}"
    );

    let path = format!("/admin/analytics/products?{range}");
    let (_, top) = get_json(app, &path, Some(admin.token())).await;
    let products = &top["currencies"][0]["products"];
    let ranked = |products: &Value| -> Vec<(String, i64, i64)> {
        products
            .as_array()
            .expect("products")
            .iter()
            .map(|p| {
                let sku = p["sku"].as_str().unwrap_or_default().to_string();
                let revenue = p["net_revenue"]["amount"].as_i64().unwrap_or_default();
                (sku, p["net_units"].as_i64().unwrap_or_default(), revenue)
            })
            .collect()
    };
    let by_revenue = vec![
        ("CHAIR".to_string(), 1, 3600),
        ("LAMP".to_string(), 2, 1900),
        ("CANDLE".to_string(), 5, 1000),
    ];
    assert_eq!(ranked(products), by_revenue, "{top}");
    assert_eq!(
        products[0],
        json!({
            "rank": 1, "product_id": b, "sku": "CHAIR", "name": "Chair", "orders": 2,
            "units_sold": 2, "units_refunded": 1, "net_units": 1,
            "gross_sales": usd_json(8000), "discounts": usd_json(800), "refunds": usd_json(3600),
            "net_revenue": usd_json(3600)
        })
    );
    let path = format!("/admin/analytics/products?{range}&by=units&limit=2");
    let (_, top) = get_json(app, &path, Some(admin.token())).await;
    let by_units = ranked(&top["currencies"][0]["products"]);
    assert_eq!(
        by_units,
        vec![by_revenue[2].clone(), by_revenue[1].clone()],
        "{top}"
    );

    let path = format!("/admin/analytics/coupons?{range}");
    let (_, coupons) = get_json(app, &path, Some(admin.token())).await;
    assert_eq!(
        coupons["coupons"],
        json!([{
            "code": "TENOFF", "currency": "USD", "redemptions": 3, "releases": 1,
            "customers": 3, "orders": 2, "discount_given": usd_json(900),
            "gross_revenue": usd_json(9098)
        }])
    );

    let path = format!("/admin/analytics/carts?{range}");
    let (_, carts) = get_json(app, &path, Some(admin.token())).await;
    let funnel = |report: &Value| {
        [
            "created",
            "with_items",
            "checked_out",
            "paid",
            "abandoned",
            "active",
            "empty",
        ]
        .map(|key| report[key].as_i64().unwrap_or(-1))
    };
    assert_eq!(funnel(&carts), [6, 5, 4, 3, 0, 1, 1], "{carts}");
    assert_eq!(
        (
            carts["conversion_rate"].as_f64(),
            carts["abandonment_rate"].as_f64()
        ),
        (Some(0.8), Some(0.0))
    );
    let path = format!("/admin/analytics/carts?{range}&abandoned_after_hours=0");
    let (_, carts) = get_json(app, &path, Some(admin.token())).await;
    assert_eq!(funnel(&carts), [6, 5, 4, 3, 1, 0, 1], "{carts}");
    assert_eq!(carts["abandonment_rate"].as_f64(), Some(0.2));

    // Rebuilt from the event store, the analytics tables equal the live ones.
    let live = dump(&app.db.pool).await;
    assert!(live.values().all(|rows| !rows.is_empty()), "{live:?}");
    let applied = replay::replay(&app.db.pool, &AnalyticsProjection)
        .await
        .expect("replay");
    assert!(applied > 0);
    assert_eq!(dump(&app.db.pool).await, live);
    let path = format!("/admin/analytics/sales?{range}");
    let (_, again) = get_json(app, &path, Some(admin.token())).await;
    assert_eq!(again, sales);
}
