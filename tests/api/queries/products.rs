//! `GET products` and `GET products/{id}`: search, filters, sort and pagination, visibility
//! of drafts, hostile input and parameter validation.

use commerce_aggregates::Role;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use super::{assert_invalid, create_product, get_json, names, refresh, NewProduct};
use crate::client::ProductView;
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

/// `GET /products?<query>` without credentials: the page (asserting 200).
async fn search(app: &TestApp, query: &str) -> Value {
    let reply = app.anonymous().search_products(query).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    reply.body
}

#[tokio::test]
async fn an_anonymous_search_lists_the_active_products_on_page_1_of_20() {
    let app = spawn_app().await;
    catalog(&app).await;

    let reply = app.anonymous().search_products("").await;

    assert_eq!(reply.status, StatusCode::OK);
    let page = reply.body;
    assert_eq!(
        (page["total"].as_i64(), page["page"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(page["per_page"], 20);
}

#[tokio::test]
async fn a_text_search_finds_the_product_with_its_price_variants_and_stock() {
    let app = spawn_app().await;
    catalog(&app).await;

    let page = search(&app, "q=espresso").await;

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
}

#[tokio::test]
async fn category_and_tag_filters_ignore_case() {
    let app = spawn_app().await;
    catalog(&app).await;

    let page = search(&app, "category=KITCHEN&sort=name").await;
    assert_eq!(names(&page, "name"), ["Espresso cup", "Tea pot"]);
    let page = search(&app, "tag=Coffee&sort=name").await;
    assert_eq!(names(&page, "name"), ["Coffee grinder", "Espresso cup"]);
}

#[tokio::test]
async fn price_and_stock_filters_combine_with_the_others() {
    let app = spawn_app().await;
    catalog(&app).await;

    let page = search(&app, "min_price=2000&max_price=9000&sort=price_asc").await;
    assert_eq!(names(&page, "name"), ["Tea pot", "Coffee grinder"]);
    let page = search(&app, "in_stock=false").await;
    assert_eq!(names(&page, "name"), ["Tea pot"]);
    let page = search(&app, "in_stock=true&tag=coffee&category=appliances").await;
    assert_eq!(names(&page, "name"), ["Coffee grinder"]);
}

#[tokio::test]
async fn products_sort_by_price_both_ways() {
    let app = spawn_app().await;
    catalog(&app).await;

    let page = search(&app, "sort=price_asc").await;
    assert_eq!(
        names(&page, "name"),
        ["Espresso cup", "Tea pot", "Coffee grinder"]
    );
    let page = search(&app, "sort=price_desc").await;
    assert_eq!(
        names(&page, "name"),
        ["Coffee grinder", "Tea pot", "Espresso cup"]
    );
}

#[tokio::test]
async fn pages_hold_per_page_products_and_beyond_the_last_one_are_empty() {
    let app = spawn_app().await;
    catalog(&app).await;

    let first = search(&app, "sort=name&per_page=2").await;
    assert_eq!(names(&first, "name"), ["Coffee grinder", "Espresso cup"]);
    let second = search(&app, "sort=name&per_page=2&page=2").await;
    assert_eq!(names(&second, "name"), ["Tea pot"]);
    assert_eq!(
        (
            second["total"].as_i64(),
            second["page"].as_u64(),
            second["per_page"].as_u64()
        ),
        (Some(3), Some(2), Some(2))
    );
    let beyond = search(&app, "page=9").await;
    assert_eq!(
        (
            beyond["items"].as_array().map(Vec::len),
            beyond["total"].as_i64()
        ),
        (Some(0), Some(3))
    );
}

#[tokio::test]
async fn unknown_parameters_are_ignored_and_a_blank_q_is_no_text_filter() {
    let app = spawn_app().await;
    catalog(&app).await;

    let (status, page) = get_json(&app, "/products?utm_source=mail&q=%20", None).await;

    assert_eq!((status, page["total"].as_i64()), (StatusCode::OK, Some(3)));
}

#[tokio::test]
async fn a_draft_is_404_to_anonymous_callers_and_customers() {
    let app = spawn_app().await;
    let draft = catalog(&app).await.to_string();

    assert_eq!(
        app.anonymous().get_product(&draft).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.as_customer().get_product(&draft).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn admins_and_auditors_read_a_draft() {
    let app = spawn_app().await;
    let draft = catalog(&app).await.to_string();

    for role in [Role::Admin, Role::Auditor] {
        let reply = app.as_role(role).get_product(&draft).await;
        assert_eq!(reply.status, StatusCode::OK);
        let product: ProductView = reply.json(200);
        assert_eq!(
            (product.name.as_str(), product.status.as_str()),
            ("Secret mug", "draft")
        );
    }
}

#[tokio::test]
async fn searching_other_statuses_is_401_anonymous_and_403_for_customers() {
    let app = spawn_app().await;
    catalog(&app).await;

    let response = app.anonymous().search_products("status=draft").await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers["content-type"], "application/problem+json");
    assert_eq!(
        app.as_customer().search_products("status=any").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn admins_and_auditors_search_drafts_and_any_status() {
    let app = spawn_app().await;
    catalog(&app).await;

    let page = app.as_admin().search_products("status=draft").await.body;
    assert_eq!(names(&page, "name"), ["Secret mug"]);
    let page = app
        .as_role(Role::Auditor)
        .search_products("status=any")
        .await
        .body;
    assert_eq!(page["total"], 4);
}

#[tokio::test]
async fn a_customer_may_ask_for_active_products_explicitly() {
    let app = spawn_app().await;
    catalog(&app).await;

    let reply = app.as_customer().search_products("status=active").await;

    assert_eq!(
        (reply.status, reply.body["total"].as_i64()),
        (StatusCode::OK, Some(3))
    );
}

#[tokio::test]
async fn a_bad_token_is_401_even_on_a_public_route() {
    let app = spawn_app().await;
    catalog(&app).await;

    assert_eq!(
        app.with_token("not-a-jwt").search_products("").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn unknown_and_malformed_product_ids_are_404_problems() {
    let app = spawn_app().await;
    catalog(&app).await;
    let admin = app.as_admin();

    for id in [Uuid::new_v4().to_string(), "not-a-uuid".into()] {
        let response = admin.get_product(&id).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{id}");
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
            let page: serde_json::Value = response.json_body();
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
