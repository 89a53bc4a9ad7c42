//! Tags: listed with counts (created and free-text ones), renamed everywhere at once,
//! linked and unlinked idempotently as events on the product's stream, deleted with their
//! links; bad input and roles.

use commerce_aggregates::Role;
use serde_json::{json, Value};

use super::{names, product, product_in};
use crate::fixtures::{active_product, event_count, events_of_type, unique_sku};
use crate::helpers::spawn_app;
use crate::queries::refresh;

fn tag<'a>(page: &'a Value, slug: &str) -> &'a Value {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} in {page}"))
}

#[tokio::test]
async fn tags_are_listed_with_the_number_of_active_products_that_have_them() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let created = admin.create_tag(" Eco friendly ").await;
    assert_eq!(created.command(201, 1), "eco-friendly");
    assert_eq!(created.location(), "/api/v1/tags/eco-friendly");
    product_in(&app, "Cup", "kitchen", &["eco friendly", "Sale"]).await;
    product_in(&app, "Pot", "kitchen", &["ECO-FRIENDLY"]).await;
    refresh(&app).await;

    let page = app.anonymous().tags("").await.json::<Value>(200);

    assert_eq!(page["total"], 2, "{page}");
    let eco = tag(&page, "eco-friendly");
    assert_eq!(
        (&eco["name"], &eco["implicit"], &eco["product_count"]),
        (&json!("Eco friendly"), &json!(false), &json!(2))
    );
    let sale = tag(&page, "sale");
    assert_eq!(
        (&sale["implicit"], &sale["product_count"]),
        (&json!(true), &json!(1))
    );
    let second = app
        .anonymous()
        .tags("page=2&per_page=1")
        .await
        .json::<Value>(200);
    assert_eq!(
        (
            second["total"].as_i64(),
            second["items"][0]["slug"].as_str()
        ),
        (Some(2), Some("sale"))
    );
}

#[tokio::test]
async fn a_renamed_tag_shows_its_new_name_on_every_product_at_once() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    admin.create_tag("Eco friendly").await.command(201, 1);
    let cup = product_in(&app, "Cup", "kitchen", &["eco friendly"]).await;
    assert_eq!(
        product(&app, &cup).await["tag_refs"],
        json!([{"slug": "eco-friendly", "name": "Eco friendly"}])
    );

    admin
        .rename_tag("eco-friendly", "Sustainable")
        .await
        .command(200, 2);

    refresh(&app).await;
    let shown = product(&app, &cup).await;
    assert_eq!(
        shown["tag_refs"],
        json!([{"slug": "eco-friendly", "name": "Sustainable"}])
    );
    let found = app
        .anonymous()
        .search_products("tag=eco-friendly")
        .await
        .json::<Value>(200);
    assert_eq!(
        found["items"][0]["tag_refs"][0]["name"], "Sustainable",
        "{found}"
    );
}

#[tokio::test]
async fn linking_and_unlinking_are_idempotent_and_seen_by_the_catalogue() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    admin.create_tag("Gift").await.command(201, 1);
    let cup = active_product(&admin, &unique_sku(), 5).await;

    assert_eq!(admin.link_tag(&cup, "gift").await.command(200, 3), cup);
    admin.link_tag(&cup, "gift").await.command(200, 3);
    assert_eq!(events_of_type(&app, "TagLinked").await, 1);
    assert_eq!(names(&app, "tag=gift").await, ["Espresso cup"]);
    assert_eq!(names(&app, "tag=Gift").await, ["Espresso cup"]);

    admin.unlink_tag(&cup, "gift").await.command(200, 4);
    admin.unlink_tag(&cup, "gift").await.command(200, 4);
    assert!(names(&app, "tag=gift").await.is_empty());
    // A free-text tag is unlinked by its slug too.
    admin.unlink_tag(&cup, "coffee").await.command(200, 5);
    assert!(names(&app, "tag=coffee").await.is_empty());
    assert_eq!(product(&app, &cup).await["tag_refs"], json!([]));
}

#[tokio::test]
async fn deleting_a_tag_unlinks_it_from_every_product() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    admin.create_tag("Coffee").await.command(201, 1);
    let linked = active_product(&admin, &unique_sku(), 5).await;
    let other = product_in(&app, "Grinder", "appliances", &["Coffee", "steel"]).await;

    admin.delete_tag("coffee").await.command(200, 2);

    assert_eq!(events_of_type(&app, "TagUnlinked").await, 2);
    assert!(names(&app, "tag=coffee").await.is_empty());
    assert_eq!(product(&app, &linked).await["tags"], json!([]));
    assert_eq!(product(&app, &other).await["tags"], json!(["steel"]));
    let page = app.anonymous().tags("").await.json::<Value>(200);
    assert_eq!(page["total"], 1, "{page}");
    admin.delete_tag("coffee").await.problem(404, "not_found");
}

#[tokio::test]
async fn bad_tag_input_is_a_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    admin.create_tag("Gift").await.command(201, 1);
    let cup = active_product(&admin, &unique_sku(), 5).await;
    let before = event_count(&app).await;

    admin.create_tag("€€").await.problem(422, "invalid_name");
    admin
        .create_tag(&"x".repeat(51))
        .await
        .problem(422, "invalid_name");
    admin
        .create_tag("GIFT")
        .await
        .problem(409, "already_exists");
    admin
        .send_json(
            reqwest::Method::POST,
            "/tags",
            &json!({"name": "A", "slug": "b"}),
        )
        .await
        .problem(422, "validation_failed");
    admin
        .rename_tag("gift", " ")
        .await
        .problem(422, "invalid_name");
    admin
        .rename_tag("nowhere", "X")
        .await
        .problem(404, "not_found");
    admin
        .link_tag(&cup, "nowhere")
        .await
        .problem(404, "not_found");
    let missing = uuid::Uuid::new_v4().to_string();
    admin
        .link_tag(&missing, "gift")
        .await
        .problem(404, "not_found");
    admin.archive(&cup).await.command(200, 3);
    let before_archive = before + 1;
    admin
        .link_tag(&cup, "gift")
        .await
        .problem(409, "product_archived");

    assert_eq!(event_count(&app).await, before_archive);
}

#[tokio::test]
async fn only_admins_manage_tags() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    admin.create_tag("Gift").await.command(201, 1);
    let cup = active_product(&admin, &unique_sku(), 5).await;
    let before = event_count(&app).await;

    for role in [Role::Customer, Role::Auditor] {
        let user = app.as_role(role);
        user.create_tag("Mine").await.problem(403, "forbidden");
        user.rename_tag("gift", "Mine")
            .await
            .problem(403, "forbidden");
        user.delete_tag("gift").await.problem(403, "forbidden");
        user.link_tag(&cup, "gift").await.problem(403, "forbidden");
        user.unlink_tag(&cup, "coffee")
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(app.anonymous().create_tag("Mine").await.status, 401);

    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_stale_if_match_is_412_on_tag_and_link_commands_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    admin.create_tag("Gift").await.command(201, 1);
    let cup = active_product(&admin, &unique_sku(), 5).await;
    admin.rename_tag("gift", "Gifts").await.command(200, 2);
    let before = event_count(&app).await;

    let stale = admin.if_match("1");
    stale
        .rename_tag("gift", "Presents")
        .await
        .problem(412, "version_mismatch");
    stale
        .delete_tag("gift")
        .await
        .problem(412, "version_mismatch");
    stale
        .link_tag(&cup, "gift")
        .await
        .problem(412, "version_mismatch");

    assert_eq!(event_count(&app).await, before);
    admin
        .if_match("2")
        .link_tag(&cup, "gift")
        .await
        .command(200, 3);
}
