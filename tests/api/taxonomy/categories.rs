//! The category tree: counts including descendants, implicit categories of free text,
//! descendant filtering, refused cycles and deletes, bad input and roles.

use commerce_aggregates::Role;
use serde_json::{json, Value};

use super::{names, product, product_in};
use crate::fixtures::event_count;
use crate::helpers::{spawn_app, TestApp};
use crate::queries::{create_product, refresh, NewProduct};

/// Clothing › Shoes › Running, each created by an admin.
async fn tree(app: &TestApp) {
    let admin = app.as_admin();
    for body in [
        json!({"slug": "clothing", "name": "Clothing"}),
        json!({"slug": "shoes", "name": "Shoes", "parent": "clothing"}),
        json!({"slug": "running", "name": "Running", "parent": "shoes"}),
    ] {
        admin.create_category(&body).await.command(201, 1);
    }
}

/// [`tree`] with active products in each category, a draft in Shoes, and an active product
/// in the free-text category "Kitchen Stuff" that names no created category.
async fn stocked_tree(app: &TestApp) {
    tree(app).await;
    product_in(app, "Trail runner", "running", &[]).await;
    product_in(app, "Boot", "Shoes", &[]).await;
    product_in(app, "Hat", "clothing", &[]).await;
    product_in(app, "Mug", "Kitchen Stuff", &[]).await;
    let draft = NewProduct {
        name: "Sandal",
        category: "shoes",
        tags: &[],
        price: 900,
        stock: 1,
        publish: false,
    };
    create_product(app, draft).await;
    refresh(app).await;
}

fn node<'a>(nodes: &'a Value, slug: &str) -> &'a Value {
    nodes
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} in {nodes}"))
}

#[tokio::test]
async fn the_tree_counts_the_active_products_of_each_category_and_below() {
    let app = spawn_app().await;
    stocked_tree(&app).await;

    let roots = app.anonymous().categories().await.json::<Value>(200);

    let clothing = node(&roots, "clothing");
    assert_eq!(clothing["product_count"], 3, "{roots}");
    let shoes = node(&clothing["children"], "shoes");
    assert_eq!(
        (shoes["product_count"].as_i64(), shoes["parent"].as_str()),
        (Some(2), Some("clothing"))
    );
    let running = node(&shoes["children"], "running");
    assert_eq!(running["product_count"], 1);
    let kitchen = node(&roots, "kitchen-stuff");
    assert_eq!(
        (
            &kitchen["name"],
            &kitchen["implicit"],
            &kitchen["product_count"]
        ),
        (&json!("Kitchen Stuff"), &json!(true), &json!(1))
    );
    let one = app.anonymous().category("shoes").await.json::<Value>(200);
    assert_eq!(
        (one["name"].as_str(), one["product_count"].as_i64()),
        (Some("Shoes"), Some(2))
    );
}

#[tokio::test]
async fn products_filtered_by_a_category_include_its_descendants() {
    let app = spawn_app().await;
    stocked_tree(&app).await;

    assert_eq!(
        names(&app, "category=shoes").await,
        ["Boot", "Trail runner"]
    );
    assert_eq!(
        names(&app, "category=clothing").await,
        ["Boot", "Hat", "Trail runner"]
    );
    assert_eq!(names(&app, "category=running").await, ["Trail runner"]);
    assert_eq!(names(&app, "category=Kitchen%20stuff").await, ["Mug"]);

    // Moved to the root, Running is no longer below Clothing.
    app.as_admin()
        .update_category("running", &json!({"parent": null}))
        .await
        .command(200, 2);
    assert_eq!(names(&app, "category=clothing").await, ["Boot", "Hat"]);
}

#[tokio::test]
async fn a_move_under_itself_or_a_descendant_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    tree(&app).await;
    let admin = app.as_admin();
    let before = event_count(&app).await;

    for parent in ["running", "shoes", "clothing"] {
        admin
            .update_category("clothing", &json!({"parent": parent}))
            .await
            .problem(409, "category_cycle");
    }

    assert_eq!(event_count(&app).await, before);
    admin
        .update_category("shoes", &json!({"parent": null, "name": "Footwear"}))
        .await
        .command(200, 3);
}

#[tokio::test]
async fn only_an_empty_category_is_deleted() {
    let app = spawn_app().await;
    tree(&app).await;
    product_in(&app, "Trail runner", "running", &[]).await;
    let admin = app.as_admin();
    let before = event_count(&app).await;

    let refused = admin.delete_category("shoes").await;
    refused.problem(409, "category_not_empty");
    assert!(
        refused.body["detail"]
            .as_str()
            .expect("detail")
            .contains("1 categories"),
        "{}",
        refused.text
    );
    admin
        .delete_category("running")
        .await
        .problem(409, "category_not_empty");
    assert_eq!(event_count(&app).await, before);

    admin
        .create_category(&json!({"slug": "empty", "name": "Empty", "parent": "clothing"}))
        .await
        .command(201, 1);
    admin.delete_category("empty").await.command(200, 2);
    admin
        .delete_category("empty")
        .await
        .problem(404, "not_found");
    refresh(&app).await;
    app.anonymous()
        .category("empty")
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn a_product_shows_its_category_by_slug_and_current_name() {
    let app = spawn_app().await;
    tree(&app).await;
    let boot = product_in(&app, "Boot", "shoes", &[]).await;

    assert_eq!(
        product(&app, &boot).await["category_ref"],
        json!({"slug": "shoes", "name": "Shoes"})
    );
    app.as_admin()
        .update_category("shoes", &json!({"name": "Footwear"}))
        .await
        .command(200, 2);

    let shown = product(&app, &boot).await;
    assert_eq!(
        shown["category_ref"],
        json!({"slug": "shoes", "name": "Footwear"})
    );
    assert_eq!(shown["category"], "shoes");
}

#[tokio::test]
async fn an_implicit_category_is_adopted_by_creating_its_slug() {
    let app = spawn_app().await;
    let mug = product_in(&app, "Mug", "Kitchen Stuff", &[]).await;

    app.as_admin()
        .create_category(&json!({"slug": "kitchen-stuff", "name": "Kitchen"}))
        .await
        .command(201, 1);

    let shown = product(&app, &mug).await;
    assert_eq!(
        shown["category_ref"],
        json!({"slug": "kitchen-stuff", "name": "Kitchen"})
    );
    let roots = app.anonymous().categories().await.json::<Value>(200);
    let kitchen = node(&roots, "kitchen-stuff");
    assert_eq!(
        (&kitchen["implicit"], &kitchen["product_count"]),
        (&json!(false), &json!(1))
    );
}

#[tokio::test]
async fn bad_category_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    tree(&app).await;
    let admin = app.as_admin();
    let before = event_count(&app).await;

    let cases = [
        (
            json!({"slug": "Bad Slug", "name": "Bad"}),
            422,
            "invalid_slug",
        ),
        (json!({"slug": "x-41", "name": "Hex"}), 422, "invalid_slug"),
        (json!({"slug": "ok", "name": "  "}), 422, "invalid_name"),
        (
            json!({"slug": "ok", "name": "Ok", "parent": "nowhere"}),
            422,
            "parent_not_found",
        ),
        (
            json!({"slug": "ok", "name": "Ok", "colour": "red"}),
            422,
            "validation_failed",
        ),
        (
            json!({"slug": "shoes", "name": "Again"}),
            409,
            "already_exists",
        ),
    ];
    for (body, status, code) in cases {
        admin.create_category(&body).await.problem(status, code);
    }
    admin
        .update_category("shoes", &json!({}))
        .await
        .problem(422, "nothing_to_update");
    admin
        .update_category("shoes", &json!({"parent": "nowhere"}))
        .await
        .problem(422, "parent_not_found");
    admin
        .update_category("nowhere", &json!({"name": "X"}))
        .await
        .problem(404, "not_found");

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn only_admins_manage_categories() {
    let app = spawn_app().await;
    tree(&app).await;
    let before = event_count(&app).await;

    for role in [Role::Customer, Role::Auditor] {
        let user = app.as_role(role);
        user.create_category(&json!({"slug": "mine", "name": "Mine"}))
            .await
            .problem(403, "forbidden");
        user.update_category("shoes", &json!({"name": "Mine"}))
            .await
            .problem(403, "forbidden");
        user.delete_category("running")
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(app.anonymous().delete_category("running").await.status, 401);

    assert_eq!(event_count(&app).await, before);
}
