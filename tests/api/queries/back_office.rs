//! Coupons and inventory health through the query API: back-office reads for admins and
//! auditors, `coupons/mine` for any signed-in caller.

use commerce_aggregates::coupon::CouponCommand;
use commerce_aggregates::Role;
use reqwest::StatusCode;

use super::{
    assert_invalid, create_coupon, create_product, get, get_json, names, refresh, NewProduct,
};
use crate::helpers::{admin_metadata, spawn_app};

#[tokio::test]
async fn coupons_are_read_by_admins_and_auditors() {
    let app = spawn_app().await;
    create_coupon(&app, "WELCOME", &[]).await;
    create_coupon(&app, "PRIME10", &[Role::Prime]).await;
    create_coupon(&app, "GONE", &[]).await;
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
    refresh(&app).await;
    let (_, admin) = app.token(Role::Admin);
    let (_, auditor) = app.token(Role::Auditor);
    let (_, customer) = app.token(Role::Customer);

    let (status, page) = get_json(&app, "/coupons", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 3);
    let (_, page) = get_json(&app, "/coupons?per_page=2&page=2", Some(&auditor)).await;
    assert_eq!(
        (
            page["items"].as_array().map(Vec::len),
            page["page"].as_u64()
        ),
        (Some(1), Some(2))
    );

    let (status, coupon) = get_json(&app, "/coupons/welcome", Some(&auditor)).await;
    assert_eq!(status, StatusCode::OK);
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
    let (_, gone) = get_json(&app, "/coupons/GONE", Some(&admin)).await;
    assert_eq!(
        (gone["active"].as_bool(), gone["version"].as_i64()),
        (Some(false), Some(2))
    );
    let (_, prime) = get_json(&app, "/coupons/PRIME10", Some(&admin)).await;
    assert_eq!(prime["eligible_roles"], serde_json::json!(["prime"]));

    for path in ["/coupons", "/coupons/WELCOME"] {
        let response = get(&app, path, Some(&customer)).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{path}");
        let problem: serde_json::Value = response.body.clone();
        assert_eq!(problem["code"], "forbidden");
        assert_eq!(
            get(&app, path, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    for path in [
        "/coupons/NOPE",
        "/coupons/a%20b%27%3B",
        "/coupons/x",
        "/coupons/%00",
    ] {
        assert_eq!(
            get(&app, path, Some(&admin)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_invalid(&app, "/coupons?per_page=0", Some(&admin)).await;
}

#[tokio::test]
async fn coupons_mine_lists_what_the_caller_can_use_now() {
    let app = spawn_app().await;
    create_coupon(&app, "WELCOME", &[]).await;
    create_coupon(&app, "PRIME10", &[Role::Prime]).await;
    create_coupon(&app, "GONE", &[]).await;
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
    refresh(&app).await;

    let (_, customer) = app.token(Role::Customer);
    let (status, page) = get_json(&app, "/coupons/mine", Some(&customer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&page, "code"), ["WELCOME"]);
    let (_, prime) = app.token(Role::Prime);
    let (_, page) = get_json(&app, "/coupons/mine", Some(&prime)).await;
    assert_eq!(names(&page, "code"), ["PRIME10", "WELCOME"]);
    assert_eq!(
        get(&app, "/coupons/mine", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_invalid(&app, "/coupons/mine?page=0", Some(&customer)).await;
}

#[tokio::test]
async fn inventory_health_lists_levels_for_the_back_office() {
    let app = spawn_app().await;
    for (name, stock) in [("Rare", 1), ("Scarce", 5), ("Plenty", 100)] {
        create_product(
            &app,
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
    refresh(&app).await;
    let (_, admin) = app.token(Role::Admin);
    let (_, auditor) = app.token(Role::Auditor);

    let (status, page) = get_json(&app, "/admin/inventory/health", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&page, "product_name"), ["Rare", "Scarce", "Plenty"]);
    assert_eq!(names(&page, "level"), ["critical", "low", "high"]);
    assert_eq!(page["items"][0]["available"], 1);
    assert_eq!(page["items"][0]["sku"], "RARE-1");
    let (_, page) = get_json(&app, "/admin/inventory/health?level=low", Some(&auditor)).await;
    assert_eq!(names(&page, "product_name"), ["Scarce"]);
    let (_, page) = get_json(&app, "/admin/inventory/health?level=medium", Some(&auditor)).await;
    assert_eq!(page["total"], 0);

    let (_, customer) = app.token(Role::Customer);
    assert_eq!(
        get(&app, "/admin/inventory/health", Some(&customer))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&app, "/admin/inventory/health", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    for path in [
        "/admin/inventory/health?level=dire",
        "/admin/inventory/health?per_page=101",
    ] {
        assert_invalid(&app, path, Some(&admin)).await;
    }
}
