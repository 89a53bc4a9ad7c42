//! Coupons and inventory health through the query API: back-office reads for admins and
//! auditors, `coupons/mine` for any signed-in caller.

use commerce_aggregates::coupon::CouponCommand;
use commerce_aggregates::Role;
use reqwest::StatusCode;

use super::{assert_invalid, create_coupon, create_product, names, refresh, NewProduct};
use crate::helpers::{admin_metadata, spawn_app, TestApp};

/// `WELCOME` (everyone), `PRIME10` (primes only) and `GONE` (deactivated), in the read models.
async fn three_coupons(app: &TestApp) {
    create_coupon(app, "WELCOME", &[]).await;
    create_coupon(app, "PRIME10", &[Role::Prime]).await;
    create_coupon(app, "GONE", &[]).await;
    app.stores
        .coupons
        .execute(
            "GONE",
            CouponCommand::DeactivateCoupon,
            &admin_metadata(),
            None,
        )
        .await
        .expect("deactivated");
    refresh(app).await;
}

#[tokio::test]
async fn admins_list_every_coupon_and_auditors_page_through_them() {
    let app = spawn_app().await;
    three_coupons(&app).await;

    let reply = app.as_admin().list_coupons("").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["total"], 3);
    let page = app
        .as_role(Role::Auditor)
        .list_coupons("per_page=2&page=2")
        .await
        .json_body();
    assert_eq!(
        (
            page["items"].as_array().map(Vec::len),
            page["page"].as_u64()
        ),
        (Some(1), Some(2))
    );
}

#[tokio::test]
async fn a_coupon_shows_its_discount_state_and_limits_under_any_case_of_its_code() {
    let app = spawn_app().await;
    three_coupons(&app).await;

    let reply = app.as_role(Role::Auditor).get_coupon("welcome").await;

    assert_eq!(reply.status, StatusCode::OK);
    let coupon = reply.json_body();
    assert_eq!(coupon["code"], "WELCOME");
    assert_eq!(coupon["discount"], serde_json::json!({"percent": 10}));
    assert_eq!(
        (
            coupon["active"].as_bool(),
            coupon["redemption_count"].as_i64()
        ),
        (Some(true), Some(0))
    );
    assert_eq!(
        (
            coupon["max_per_customer"].as_i64(),
            coupon["version"].as_i64()
        ),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn a_deactivated_coupon_shows_inactive_at_version_2() {
    let app = spawn_app().await;
    three_coupons(&app).await;

    let gone = app.as_admin().get_coupon("GONE").await.json_body();

    assert_eq!(
        (gone["active"].as_bool(), gone["version"].as_i64()),
        (Some(false), Some(2))
    );
}

#[tokio::test]
async fn a_coupon_for_primes_names_its_eligible_roles() {
    let app = spawn_app().await;
    three_coupons(&app).await;

    let prime = app.as_admin().get_coupon("PRIME10").await.json_body();

    assert_eq!(prime["eligible_roles"], serde_json::json!(["prime"]));
}

#[tokio::test]
async fn the_coupon_back_office_is_403_for_customers_and_401_anonymous() {
    let app = spawn_app().await;
    three_coupons(&app).await;
    let customer = app.as_customer();
    let anonymous = app.anonymous();

    let forbidden = [
        customer.list_coupons("").await,
        customer.get_coupon("WELCOME").await,
    ];
    for response in &forbidden {
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.text);
        let problem = response.json_body();
        assert_eq!(problem["code"], "forbidden");
    }
    let unauthorized = [
        anonymous.list_coupons("").await,
        anonymous.get_coupon("WELCOME").await,
    ];
    for response in &unauthorized {
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            response.text
        );
    }
}

#[tokio::test]
async fn unknown_or_malformed_coupon_codes_are_404() {
    let app = spawn_app().await;
    three_coupons(&app).await;
    let admin = app.as_admin();

    for code in ["NOPE", "a%20b%27%3B", "x", "%00"] {
        assert_eq!(
            admin.get_coupon(code).await.status,
            StatusCode::NOT_FOUND,
            "{code}"
        );
    }
}

#[tokio::test]
async fn a_coupon_page_of_size_zero_is_422() {
    let app = spawn_app().await;
    let admin = app.as_admin();

    assert_invalid(&app, "/coupons?per_page=0", Some(admin.token())).await;
}

#[tokio::test]
async fn a_customer_sees_the_active_coupons_open_to_everyone() {
    let app = spawn_app().await;
    three_coupons(&app).await;

    let reply = app.as_customer().my_coupons().await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(names(&reply.json_body(), "code"), ["WELCOME"]);
}

#[tokio::test]
async fn a_prime_customer_also_sees_the_coupons_for_primes() {
    let app = spawn_app().await;
    three_coupons(&app).await;

    let page = app.as_role(Role::Prime).my_coupons().await.json_body();

    assert_eq!(names(&page, "code"), ["PRIME10", "WELCOME"]);
}

#[tokio::test]
async fn coupons_mine_needs_a_token_and_valid_paging() {
    let app = spawn_app().await;
    three_coupons(&app).await;
    let customer = app.as_customer();

    assert_eq!(
        app.anonymous().my_coupons().await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_invalid(&app, "/coupons/mine?page=0", Some(customer.token())).await;
}

/// Products `Rare` (1 unit), `Scarce` (5) and `Plenty` (100), in the read models.
async fn three_stock_levels(app: &TestApp) {
    for (name, stock) in [("Rare", 1), ("Scarce", 5), ("Plenty", 100)] {
        create_product(
            app,
            NewProduct {
                name,
                category: "misc",
                tags: &[],
                price: 100,
                stock,
                publish: true,
            },
        )
        .await;
    }
    refresh(app).await;
}

#[tokio::test]
async fn inventory_health_ranks_products_from_critical_to_high() {
    let app = spawn_app().await;
    three_stock_levels(&app).await;

    let reply = app.as_admin().inventory_health("").await;

    assert_eq!(reply.status, StatusCode::OK);
    let page = reply.json_body();
    assert_eq!(names(&page, "product_name"), ["Rare", "Scarce", "Plenty"]);
    assert_eq!(names(&page, "level"), ["critical", "low", "high"]);
    assert_eq!(page["items"][0]["available"], 1);
    assert_eq!(page["items"][0]["sku"], "RARE-1");
}

#[tokio::test]
async fn inventory_health_filters_by_level() {
    let app = spawn_app().await;
    three_stock_levels(&app).await;
    let auditor = app.as_role(Role::Auditor);

    let page = auditor.inventory_health("level=low").await.json_body();
    assert_eq!(names(&page, "product_name"), ["Scarce"]);
    let page = auditor.inventory_health("level=medium").await.json_body();
    assert_eq!(page["total"], 0);
}

#[tokio::test]
async fn inventory_health_is_403_for_customers_and_401_anonymous() {
    let app = spawn_app().await;
    three_stock_levels(&app).await;

    assert_eq!(
        app.as_customer().inventory_health("").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.anonymous().inventory_health("").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn invalid_inventory_health_parameters_are_422() {
    let app = spawn_app().await;
    let admin = app.as_admin();

    for path in [
        "/admin/inventory/health?level=dire",
        "/admin/inventory/health?per_page=101",
    ] {
        assert_invalid(&app, path, Some(admin.token())).await;
    }
}
