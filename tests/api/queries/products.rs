//! `GET products` and `GET products/{id}`: search, filters, sort and pagination, visibility
//! of drafts, hostile input and parameter validation.

use commerce_aggregates::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use super::{assert_invalid, create_product, get, get_json, names, refresh, NewProduct};
use crate::helpers::{spawn_app, TestApp};

/// Three active products and one draft:
/// - "Espresso cup" (kitchen; coffee, porcelain) 12.50, 10 in stock
/// - "Tea pot" (kitchen; tea) 30.00, none in stock
/// - "Coffee grinder" (appliances; coffee) 80.00, 5 in stock
/// - draft "Secret mug" (kitchen; coffee) 9.00, 3 in stock
async fn catalog(app: &TestApp) -> Uuid {
    for (name, category, tags, price, stock) in [
        (
            "Espresso cup",
            "kitchen",
            &["coffee", "porcelain"][..],
            1250,
            10,
        ),
        ("Tea pot", "kitchen", &["tea"][..], 3000, 0),
        ("Coffee grinder", "appliances", &["coffee"][..], 8000, 5),
    ] {
        create_product(
            app,
            NewProduct {
                name,
                category,
                tags,
                price,
                stock,
                publish: true,
            },
        )
        .await;
    }
    let draft = create_product(
        app,
        NewProduct {
            name: "Secret mug",
            category: "kitchen",
            tags: &["coffee"],
            price: 900,
            stock: 3,
            publish: false,
        },
    )
    .await;
    refresh(app).await;
    draft
}

#[tokio::test]
async fn search_filters_sorts_and_paginates_active_products() {
    let app = spawn_app().await;
    catalog(&app).await;

    let (status, page) = get_json(&app, "/products", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (page["total"].as_i64(), page["page"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(page["per_page"], 20);

    let (_, page) = get_json(&app, "/products?q=espresso", None).await;
    assert_eq!(names(&page, "name"), ["Espresso cup"]);
    let item = &page["items"][0];
    assert_eq!(
        item["min_price"],
        serde_json::json!({"amount": 1250, "currency": "USD"})
    );
    assert_eq!(item["variants"][0]["sku"], "ESPRESSO-CUP-1");
    assert_eq!(item["variants"][0]["options"]["size"], "m");
    assert_eq!(item["variants"][0]["available"], 10);
    assert_eq!(
        (item["status"].as_str(), item["in_stock"].as_bool()),
        (Some("active"), Some(true))
    );
    assert_eq!(item["version"], 2);

    let (_, page) = get_json(&app, "/products?category=KITCHEN&sort=name", None).await;
    assert_eq!(names(&page, "name"), ["Espresso cup", "Tea pot"]);
    let (_, page) = get_json(&app, "/products?tag=Coffee&sort=name", None).await;
    assert_eq!(names(&page, "name"), ["Coffee grinder", "Espresso cup"]);
    let (_, page) = get_json(
        &app,
        "/products?min_price=2000&max_price=9000&sort=price_asc",
        None,
    )
    .await;
    assert_eq!(names(&page, "name"), ["Tea pot", "Coffee grinder"]);
    let (_, page) = get_json(&app, "/products?in_stock=false", None).await;
    assert_eq!(names(&page, "name"), ["Tea pot"]);
    let (_, page) = get_json(
        &app,
        "/products?in_stock=true&tag=coffee&category=appliances",
        None,
    )
    .await;
    assert_eq!(names(&page, "name"), ["Coffee grinder"]);

    let (_, page) = get_json(&app, "/products?sort=price_asc", None).await;
    assert_eq!(
        names(&page, "name"),
        ["Espresso cup", "Tea pot", "Coffee grinder"]
    );
    let (_, page) = get_json(&app, "/products?sort=price_desc", None).await;
    assert_eq!(
        names(&page, "name"),
        ["Coffee grinder", "Tea pot", "Espresso cup"]
    );

    let (_, first) = get_json(&app, "/products?sort=name&per_page=2", None).await;
    assert_eq!(names(&first, "name"), ["Coffee grinder", "Espresso cup"]);
    let (_, second) = get_json(&app, "/products?sort=name&per_page=2&page=2", None).await;
    assert_eq!(names(&second, "name"), ["Tea pot"]);
    assert_eq!(
        (
            second["total"].as_i64(),
            second["page"].as_u64(),
            second["per_page"].as_u64()
        ),
        (Some(3), Some(2), Some(2))
    );
    let (_, beyond) = get_json(&app, "/products?page=9", None).await;
    assert_eq!(
        (
            beyond["items"].as_array().map(Vec::len),
            beyond["total"].as_i64()
        ),
        (Some(0), Some(3))
    );

    // Unknown parameters are ignored; a blank q is no text filter.
    let (status, page) = get_json(&app, "/products?utm_source=mail&q=%20", None).await;
    assert_eq!((status, page["total"].as_i64()), (StatusCode::OK, Some(3)));
}

#[tokio::test]
async fn drafts_are_visible_to_admins_and_auditors_only() {
    let app = spawn_app().await;
    let draft = catalog(&app).await;
    let (_, customer) = app.token(Role::Customer);
    let (_, admin) = app.token(Role::Admin);
    let (_, auditor) = app.token(Role::Auditor);
    let path = format!("/products/{draft}");

    assert_eq!(get(&app, &path, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&app, &path, Some(&customer)).await.status,
        StatusCode::NOT_FOUND
    );
    for token in [&admin, &auditor] {
        let (status, product) = get_json(&app, &path, Some(token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (product["name"].as_str(), product["status"].as_str()),
            (Some("Secret mug"), Some("draft"))
        );
    }

    // Searching other statuses: 401 anonymous, 403 customer, admins and auditors see them.
    let response = get(&app, "/products?status=draft", None).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers["content-type"], "application/problem+json");
    assert_eq!(
        get(&app, "/products?status=any", Some(&customer))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let (_, page) = get_json(&app, "/products?status=draft", Some(&admin)).await;
    assert_eq!(names(&page, "name"), ["Secret mug"]);
    let (_, page) = get_json(&app, "/products?status=any", Some(&auditor)).await;
    assert_eq!(page["total"], 4);
    // A customer asking for active products explicitly is fine.
    let (status, page) = get_json(&app, "/products?status=active", Some(&customer)).await;
    assert_eq!((status, page["total"].as_i64()), (StatusCode::OK, Some(3)));

    // A bad token is 401 even on a public route.
    assert_eq!(
        get(&app, "/products", Some("not-a-jwt")).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Unknown and malformed ids are 404.
    for path in [
        format!("/products/{}", Uuid::new_v4()),
        "/products/not-a-uuid".into(),
    ] {
        let response = get(&app, &path, Some(&admin)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.headers["content-type"], "application/problem+json");
    }
}

#[tokio::test]
async fn sql_metacharacters_in_search_are_harmless() {
    let app = spawn_app().await;
    catalog(&app).await;
    let hostile = [
        "'; DROP TABLE catalog_products; --",
        "kitchen' OR '1'='1",
        "\") OR 1=1 --",
        "%",
        "_",
        "\\",
        "coffee & | ! ( ) :*",
        "$1",
    ];
    for value in hostile {
        for field in ["q", "category", "tag"] {
            let response = app
                .anonymous()
                .request(reqwest::Method::GET, "/products")
                .query(&[(field, value)])
                .send()
                .await;
            assert_eq!(response.status, StatusCode::OK, "{field}={value}");
            let page: serde_json::Value = response.body.clone();
            assert!(
                page["total"].as_i64().is_some_and(|t| t <= 3),
                "{field}={value}: {page}"
            );
            if field != "q" {
                assert_eq!(page["total"], 0, "{field}={value}");
            }
        }
    }
    // Everything is still there.
    let (_, page) = get_json(&app, "/products", None).await;
    assert_eq!(page["total"], 3);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM catalog_products")
        .fetch_one(&app.db.pool)
        .await
        .expect("table intact");
    assert_eq!(rows, 4);
}

#[tokio::test]
async fn invalid_search_parameters_are_422_problems() {
    let app = spawn_app().await;
    for path in [
        "/products?page=0",
        "/products?page=-1",
        "/products?page=abc",
        "/products?per_page=0",
        "/products?per_page=101",
        "/products?min_price=500&max_price=100",
        "/products?min_price=-1",
        "/products?max_price=1.5",
        "/products?sort=cheapest",
        "/products?status=deleted",
        "/products?in_stock=maybe",
        "/products?q=a%00b",
    ] {
        assert_invalid(&app, path, None).await;
    }
    let long = "x".repeat(201);
    assert_invalid(&app, &format!("/products?q={long}"), None).await;
    // Every invalid parameter is listed at once.
    let (_, problem) = get_json(&app, "/products?page=0&per_page=500", None).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["page", "per_page"]);
    // min_version on a single product must be a non-negative integer.
    assert_invalid(
        &app,
        &format!("/products/{}?min_version=soon", Uuid::new_v4()),
        None,
    )
    .await;
    assert_invalid(
        &app,
        &format!("/products/{}?min_version=-3", Uuid::new_v4()),
        None,
    )
    .await;
}
