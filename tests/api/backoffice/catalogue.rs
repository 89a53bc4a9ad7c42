//! The stores, categories and tags page: listed for staff, created by admins only.

use super::*;
use crate::fixtures::events_of_type;
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

#[tokio::test]
async fn stores_categories_and_tags_are_listed_and_created_by_admins_only() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    let csrf = browser.csrf().await;
    let opened = browser
        .post(
            "/admin/products/catalogue/stores",
            &[
                ("csrf", csrf.as_str()),
                ("slug", "eu-outlet"),
                ("name", "EU Outlet"),
                ("currency", "EUR"),
                ("contact_email", "eu@example.com"),
            ],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let bad_currency = [
        ("csrf", csrf.as_str()),
        ("slug", "nowhere"),
        ("name", "Nowhere"),
        ("currency", "XYZW"),
        ("contact_email", "n@example.com"),
    ];
    let refused = browser
        .post("/admin/products/catalogue/stores", &bad_currency)
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let category = [
        ("csrf", csrf.as_str()),
        ("slug", "kitchen"),
        ("name", "Kitchen"),
        ("parent", ""),
    ];
    let created = browser
        .post("/admin/products/catalogue/categories", &category)
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let child = [
        ("csrf", csrf.as_str()),
        ("slug", "cups"),
        ("name", "Cups"),
        ("parent", "kitchen"),
    ];
    let created = browser
        .post("/admin/products/catalogue/categories", &child)
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let tag = [("csrf", csrf.as_str()), ("name", "Fair trade")];
    let created = browser.post("/admin/products/catalogue/tags", &tag).await;
    assert_eq!(created.status, 303, "{}", created.body);
    // The default store and the one opened here.
    assert_eq!(events_of_type(&app, "StoreCreated").await, 2);
    refresh_one(&app.db.pool, "stores").await;
    refresh_one(&app.db.pool, "taxonomy").await;
    let page = browser.get("/admin/products/catalogue").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for shown in [
        "EU Outlet",
        "EUR",
        "Kitchen",
        "Cups",
        "Fair trade",
        r#"<label for="tag-name""#,
    ] {
        assert!(page.body.contains(shown), "{shown} missing: {}", page.body);
    }
    auditor_account(&app, "audit@example.com").await;
    let mut auditor = Browser::new(&app);
    assert_eq!(auditor.sign_in("audit@example.com").await.status, 303);
    let read = auditor.get("/admin/products/catalogue").await;
    assert!(read.body.contains("EU Outlet") && !read.body.contains("Create tag"));
    let token = read.csrf();
    let forged = [("csrf", token.as_str()), ("name", "Forged")];
    let refused = auditor
        .post("/admin/products/catalogue/tags", &forged)
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(events_of_type(&app, "TagCreated").await, 1);
}
