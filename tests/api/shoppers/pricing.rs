//! `pricing` on `GET carts/{id}`: the totals of the order the checkout places, and whether the
//! coupon applies — for every reason it may not, the checkout refuses it too.

use serde_json::{json, Value};

use super::{cart_json, order_json, totals};
use crate::client::{Client, Discount, NewCoupon, Price};
use crate::fixtures::{active_product, event_count, open_cart, ready_cart, unique_sku};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};

fn usd(amount: i64) -> Value {
    json!({"amount": amount, "currency": "USD"})
}

#[tokio::test]
async fn an_open_cart_is_priced_as_the_order_its_checkout_places() {
    let app = spawn_app_with(&[("TAX_RATE_BPS", "2000")]).await;
    let admin = app.as_admin();
    let sku = unique_sku();
    let product = active_product(&admin, &sku, 10).await;
    admin
        .create_coupon(&NewCoupon::percent("WELCOME10", 10))
        .await
        .command(201, 1);
    let ada = app.as_customer();
    let cart = ready_cart(&ada, &product, &sku, 2).await;
    ada.apply_coupon(&cart, "welcome10").await.command(200, 4);

    let pricing = cart_json(&app, &ada, &cart).await["pricing"].clone();
    let order = ada.checkout(&cart).await.command(201, 2);

    // 2 × 12.50 = 25.00, 10 % off, shipping 4.99 (below 50.00), 20 % tax on 22.50.
    assert_eq!(
        totals(&pricing),
        json!({"subtotal": usd(2500), "discount": usd(250), "shipping": usd(499),
               "tax": usd(450), "total": usd(3199)})
    );
    assert_eq!(
        pricing["coupon_status"],
        json!({"code": "WELCOME10", "applies": true, "reason": null, "detail": null})
    );
    assert_eq!(
        totals(&order_json(&app, &ada, &order).await),
        totals(&pricing)
    );
}

#[tokio::test]
async fn an_empty_cart_costs_nothing_and_a_closed_cart_has_no_pricing() {
    let app = spawn_app().await;
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 10).await;
    let ada = app.as_customer();
    let empty = open_cart(&ada).await;
    let closed = ready_cart(&ada, &product, &sku, 1).await;
    ada.checkout(&closed).await.command(201, 2);

    let empty_view = cart_json(&app, &ada, &empty).await;
    let closed_view = cart_json(&app, &ada, &closed).await;

    assert_eq!(empty_view["pricing"]["total"], usd(0));
    assert_eq!(empty_view["pricing"]["shipping"], usd(0));
    assert!(empty_view["pricing"]["coupon_status"].is_null());
    assert_eq!(closed_view["status"], "checked_out");
    assert!(closed_view["pricing"].is_null(), "{closed_view}");
}

/// A coupon taking `percent` off, with its other terms changed by `terms`.
fn coupon(code: &str, percent: i64, terms: impl FnOnce(&mut NewCoupon)) -> NewCoupon {
    let mut coupon = NewCoupon::percent(code, percent);
    terms(&mut coupon);
    coupon
}

/// A cart of `ada` for 2 × 12.50 USD with the coupon `code`, ready to check out.
async fn cart_with(ada: &Client<'_>, product: &str, sku: &str, code: &str) -> String {
    let cart = ready_cart(ada, product, sku, 2).await;
    ada.apply_coupon(&cart, code).await.command(200, 4);
    cart
}

/// The coupons of every reason, with what each case needs done before it is priced.
async fn coupons_for_every_reason(app: &TestApp, product: &str, sku: &str, ada: &Client<'_>) {
    let admin = app.as_admin();
    let coupons = [
        coupon("MIN100", 10, |c| c.min_subtotal = Some(Price::usd(10_000))),
        coupon("PRIME5", 5, |c| c.eligible_roles = vec!["prime".into()]),
        coupon("LATER", 10, |c| {
            c.starts_at = Some("2099-01-01T00:00:00Z".into())
        }),
        coupon("PAST", 10, |c| {
            c.expires_at = Some("2020-01-01T00:00:00Z".into())
        }),
        coupon("EURO", 0, |c| {
            c.discount = Discount::Fixed(Price {
                amount: 500,
                currency: "EUR".into(),
            })
        }),
        coupon("GONE", 10, |_| {}),
        coupon("ONCE", 10, |c| c.max_redemptions = Some(1)),
        coupon("MINE1", 10, |c| c.max_per_customer = Some(1)),
    ];
    for new in &coupons {
        admin.create_coupon(new).await.command(201, 1);
    }
    // Someone else used ONCE up; Ada used her one MINE1.
    let other = app.as_customer();
    let used = cart_with(&other, product, sku, "ONCE").await;
    other.checkout(&used).await.command(201, 2);
    let mine = cart_with(ada, product, sku, "MINE1").await;
    ada.checkout(&mine).await.command(201, 2);
}

#[tokio::test]
async fn every_reason_a_coupon_does_not_apply_is_told_and_the_checkout_refuses_the_cart() {
    let app = spawn_app().await;
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 50).await;
    let ada = app.as_customer();
    coupons_for_every_reason(&app, &product, &sku, &ada).await;
    let mut carts = Vec::new();
    // The coupon, why it does not apply, and how the checkout refuses the cart.
    for (code, reason, refusal) in [
        ("MIN100", "below_min_subtotal", (409, "coupon_not_eligible")),
        ("PRIME5", "role_not_eligible", (409, "coupon_not_eligible")),
        ("LATER", "not_yet_valid", (409, "coupon_expired")),
        ("PAST", "expired", (409, "coupon_expired")),
        ("EURO", "currency_mismatch", (422, "currency_mismatch")),
        ("GONE", "inactive", (422, "coupon_invalid")),
        ("ONCE", "exhausted", (409, "coupon_exhausted")),
        (
            "MINE1",
            "customer_limit_reached",
            (409, "coupon_not_eligible"),
        ),
    ] {
        let cart = cart_with(&ada, &product, &sku, code).await;
        carts.push((cart, code, reason, refusal));
    }
    app.as_admin()
        .send(reqwest::Method::POST, "/coupons/GONE/deactivate")
        .await
        .command(200, 2);

    for (cart, code, reason, (answer, refusal)) in &carts {
        let pricing = cart_json(&app, &ada, cart).await["pricing"].clone();
        let before = event_count(&app).await;
        let refused = ada.checkout(cart).await;

        let status = &pricing["coupon_status"];
        assert_eq!(
            (&status["code"], &status["applies"], &status["reason"]),
            (&json!(code), &json!(false), &json!(reason)),
            "{pricing}"
        );
        assert!(status["detail"].is_string(), "{pricing}");
        // Priced as the order placed once the coupon is removed: no discount.
        assert_eq!(
            (&pricing["discount"], &pricing["total"]),
            (&usd(0), &usd(2999)),
            "{code}"
        );
        refused.problem(*answer, refusal);
        assert_eq!(event_count(&app).await, before, "{code}");
    }
}

#[tokio::test]
async fn once_the_coupon_that_does_not_apply_is_removed_the_order_costs_the_price_shown() {
    let app = spawn_app_with(&[("TAX_RATE_BPS", "750"), ("FREE_SHIPPING_FROM", "off")]).await;
    let admin = app.as_admin();
    let sku = unique_sku();
    let product = active_product(&admin, &sku, 10).await;
    admin
        .create_coupon(&coupon("MIN100", 10, |c| {
            c.min_subtotal = Some(Price::usd(10_000))
        }))
        .await
        .command(201, 1);
    let ada = app.as_customer();
    let cart = cart_with(&ada, &product, &sku, "MIN100").await;
    let shown = cart_json(&app, &ada, &cart).await["pricing"].clone();

    ada.checkout(&cart)
        .await
        .problem(409, "coupon_not_eligible");
    ada.remove_coupon(&cart).await.command(200, 5);
    let order = ada.checkout(&cart).await.command(201, 2);

    assert_eq!(
        totals(&order_json(&app, &ada, &order).await),
        totals(&shown)
    );
    assert_eq!(shown["tax"], usd(188), "{shown}");
}

#[tokio::test]
async fn an_admin_reading_a_cart_sees_its_pricing_as_its_owner_does() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let sku = unique_sku();
    let product = active_product(&admin, &sku, 10).await;
    admin
        .create_coupon(&coupon("PRIME5", 5, |c| {
            c.eligible_roles = vec!["prime".into()]
        }))
        .await
        .command(201, 1);
    let (grace_id, _) = super::account(&app, "grace@example.com").await;
    admin
        .change_role(&grace_id.to_string(), "prime")
        .await
        .json::<Value>(200);
    let tokens = crate::accounts::logged_in(&app, "grace@example.com").await;
    let grace = app.with_token(&tokens.access);
    let cart = cart_with(&grace, &product, &sku, "PRIME5").await;

    let owners = cart_json(&app, &grace, &cart).await["pricing"].clone();
    let admins = cart_json(&app, &admin, &cart).await["pricing"].clone();

    assert_eq!(owners["coupon_status"]["applies"], true, "{owners}");
    assert_eq!(owners["discount"], usd(125));
    assert_eq!(admins, owners);
}
