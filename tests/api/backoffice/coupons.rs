//! The coupons pages: the list with usage, one coupon, and the admins' create, edit and
//! deactivate forms through the same use cases as the API; bad input and refusals write
//! nothing.

use super::*;
use crate::fixtures::event_count;
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

/// A complete create form for `code` (10 % off from a 20.00 USD subtotal, 100 uses).
fn spring_form<'a>(csrf: &'a str, code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("code", code),
        ("discount_kind", "percent"),
        ("discount_value", "10"),
        ("currency", "usd"),
        ("min_subtotal", "20.00"),
        ("starts_at", "2026-01-01T00:00"),
        ("expires_at", ""),
        ("role_prime", "on"),
        ("max_redemptions", "100"),
        ("max_per_customer", ""),
    ]
}

/// An admin's browser after creating `SPRING10` from the form, with the coupons read model
/// caught up.
async fn admin_with_spring10(app: &TestApp) -> Browser<'_> {
    let mut browser = signed_in_admin(app).await;
    let form = browser.get("/admin/coupons/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.csrf();
    let created = browser
        .post("/admin/coupons", &spring_form(&csrf, "spring10"))
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(
        created.location.as_deref(),
        Some("/admin/coupons/SPRING10?v=1")
    );
    refresh_one(&app.db.pool, "coupons").await;
    browser
}

#[tokio::test]
async fn an_admin_creates_a_coupon_and_the_list_and_its_page_show_its_terms() {
    let app = spawn_app().await;
    let mut browser = admin_with_spring10(&app).await;

    let page = browser.get("/admin/coupons/SPRING10?v=1").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for shown in [
        "10 %",
        "20.00 USD",
        "from 2026-01-01 00:00 UTC",
        "prime",
        "100 in all",
    ] {
        assert!(page.body.contains(shown), "{shown} missing: {}", page.body);
    }
    assert!(page.body.contains(">Deactivate<"), "{}", page.body);
    let list = browser.get("/admin/coupons").await;
    assert!(
        list.body.contains(r#"href="/admin/coupons/SPRING10""#),
        "{}",
        list.body
    );
    let api: serde_json::Value = app.as_admin().get_coupon("spring10").await.json_body();
    assert_eq!(api["eligible_roles"], serde_json::json!(["prime"]));
}

#[tokio::test]
async fn an_admin_edits_then_deactivates_a_coupon_from_its_page() {
    let app = spawn_app().await;
    let mut browser = admin_with_spring10(&app).await;
    let page = browser.get("/admin/coupons/SPRING10").await;
    let csrf = page.csrf();
    let mut edit = spring_form(&csrf, "");
    edit.retain(|(name, _)| !["code", "discount_value", "min_subtotal"].contains(name));
    edit.extend([
        ("version", "1"),
        ("discount_value", "15"),
        ("min_subtotal", ""),
    ]);

    let edited = browser.post("/admin/coupons/SPRING10/edit", &edit).await;

    assert_eq!(edited.status, 303, "{}", edited.body);
    assert_eq!(
        edited.location.as_deref(),
        Some("/admin/coupons/SPRING10?v=2")
    );
    refresh_one(&app.db.pool, "coupons").await;
    let page = browser.get("/admin/coupons/SPRING10?v=2").await;
    assert!(page.body.contains("15 %"), "{}", page.body);
    let deactivated = browser
        .post(
            "/admin/coupons/SPRING10/deactivate",
            &[("csrf", &csrf), ("version", "2")],
        )
        .await;
    assert_eq!(deactivated.status, 303, "{}", deactivated.body);
    refresh_one(&app.db.pool, "coupons").await;
    let page = browser.get("/admin/coupons/SPRING10?v=3").await;
    assert!(page.body.contains("deactivated"), "{}", page.body);
    assert!(!page.body.contains(">Deactivate<"), "{}", page.body);
}

#[tokio::test]
async fn a_stale_edit_is_refused_with_412_and_writes_nothing() {
    let app = spawn_app().await;
    let mut browser = admin_with_spring10(&app).await;
    let csrf = browser.csrf().await;
    let before = event_count(&app).await;

    let page = browser
        .post(
            "/admin/coupons/SPRING10/deactivate",
            &[("csrf", &csrf), ("version", "7")],
        )
        .await;

    assert_eq!(page.status, 412, "{}", page.body);
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn bad_coupon_forms_get_a_4xx_page_and_write_nothing() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    let csrf = browser.csrf().await;
    let before = event_count(&app).await;
    let cases: [(&str, &str, u16); 6] = [
        ("discount_value", "300", 400),
        ("discount_value", "0", 422),
        ("code", "A", 422),
        ("min_subtotal", "12.345", 400),
        ("starts_at", "tomorrow", 400),
        ("max_redemptions", "0", 422),
    ];
    for (field, value, status) in cases {
        let mut form = spring_form(&csrf, "BAD10");
        form.retain(|(name, _)| *name != field);
        form.push((field, value));
        let page = browser.post("/admin/coupons", &form).await;
        assert_eq!(page.status, status, "{field}={value}: {}", page.body);
        assert!(page.body.contains(r#"role="alert""#), "{}", page.body);
    }
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_auditor_sees_no_coupon_forms_and_their_post_is_403() {
    let app = spawn_app().await;
    drop(admin_with_spring10(&app).await);
    auditor_account(&app, "audit@example.com").await;
    let mut auditor = Browser::new(&app);
    assert_eq!(auditor.sign_in("audit@example.com").await.status, 303);
    let list = auditor.get("/admin/coupons").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("SPRING10"));
    assert!(!list.body.contains("New coupon"), "{}", list.body);
    let page = auditor.get("/admin/coupons/SPRING10").await;
    assert!(!page.body.contains(">Deactivate<"), "{}", page.body);
    assert!(!page.body.contains("Save terms"), "{}", page.body);
    let csrf = auditor.csrf().await;
    let before = event_count(&app).await;

    let forged = auditor
        .post(
            "/admin/coupons/SPRING10/deactivate",
            &[("csrf", &csrf), ("version", "1")],
        )
        .await;
    let created = auditor
        .post("/admin/coupons", &spring_form(&csrf, "AUDIT10"))
        .await;

    assert_eq!(forged.status, 403);
    assert_eq!(created.status, 403);
    assert_eq!(auditor.get("/admin/coupons/new").await.status, 403);
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn a_coupon_form_without_its_csrf_token_is_403_and_writes_nothing() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    let before = event_count(&app).await;
    let mut form = spring_form("", "NOCSRF");
    form.retain(|(name, _)| *name != "csrf");

    let page = browser.post("/admin/coupons", &form).await;

    assert_eq!(page.status, 403, "{}", page.body);
    assert_eq!(event_count(&app).await, before);
}

#[tokio::test]
async fn an_unknown_coupon_is_404() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    assert_eq!(browser.get("/admin/coupons/NOPE42").await.status, 404);
    assert_eq!(browser.get("/admin/coupons/a%20b").await.status, 404);
}
