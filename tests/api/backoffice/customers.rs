//! The customers pages: the accounts list (search, role filter), one account with its orders
//! and addresses, and the admins' role change and deactivate / reactivate forms through the
//! same `auth` functions as the API, with their rules; refusals change nothing. And the
//! contact messages page, admins only.

use super::*;
use crate::fixtures::{active_product, ready_cart, unique_sku};
use crate::helpers::spawn_app;
use crate::queries::refresh_one;
use crate::shoppers::{account, added};

/// The account's role as stored.
async fn role_of(app: &TestApp, id: uuid::Uuid) -> String {
    sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("role")
}

#[tokio::test]
async fn the_list_searches_by_email_or_name_and_filters_by_role() {
    let app = spawn_app().await;
    registered(&app, "ada@example.com").await;
    registered(&app, "grace@example.com").await;
    let mut browser = signed_in_admin(&app).await;

    let all = browser.get("/admin/customers").await;
    let ada = browser.get("/admin/customers?q=ADA&role=").await;
    let admins = browser.get("/admin/customers?q=&role=admin").await;

    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.contains("ada@example.com") && all.body.contains("grace@example.com"));
    assert!(ada.body.contains("ada@example.com"), "{}", ada.body);
    assert!(!ada.body.contains("grace@example.com"));
    assert!(admins.body.contains("ops@example.com"));
    assert!(!admins.body.contains("ada@example.com"));
    assert_eq!(browser.get("/admin/customers?role=boss").await.status, 400);
}

#[tokio::test]
async fn a_customer_page_shows_the_profile_orders_and_addresses() {
    let app = spawn_app().await;
    let (id, ada) = account(&app, "ada@example.com").await;
    added(&ada, "London").await;
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 10).await;
    let cart = ready_cart(&ada, &product, &sku, 2).await;
    let order = ada.checkout(&cart).await.command(201, 2);
    refresh_one(&app.db.pool, "orders").await;
    let mut browser = signed_in_admin(&app).await;

    let page = browser.get(&format!("/admin/customers/{id}")).await;

    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("ada@example.com"));
    assert!(page.body.contains(">customer<"), "{}", page.body);
    assert!(
        page.body.contains(&order.replace('-', "")[..8]),
        "{}",
        page.body
    );
    assert!(page.body.contains("London"), "{}", page.body);
    assert_eq!(browser.get("/admin/customers/not-a-uuid").await.status, 404);
    let unknown = uuid::Uuid::new_v4();
    assert_eq!(
        browser
            .get(&format!("/admin/customers/{unknown}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn an_admin_makes_a_customer_an_auditor_and_the_next_page_shows_it() {
    let app = spawn_app().await;
    let id = registered(&app, "ada@example.com").await;
    let mut browser = signed_in_admin(&app).await;
    let page = browser.get(&format!("/admin/customers/{id}")).await;

    let changed = browser
        .post(
            &format!("/admin/customers/{id}/role"),
            &[("csrf", &page.csrf()), ("role", "auditor")],
        )
        .await;

    assert_eq!(changed.status, 303, "{}", changed.body);
    let location = changed.location.expect("to the customer page");
    let after = browser.get(&location).await;
    assert!(
        after
            .body
            .contains(r#"<strong id="role-now">auditor</strong>"#),
        "{}",
        after.body
    );
    let auditors = browser.get("/admin/customers?role=auditor").await;
    assert!(
        auditors.body.contains("ada@example.com"),
        "{}",
        auditors.body
    );
    assert_eq!(role_of(&app, id).await, "auditor");
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_nor_deactivate_themselves() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    let me: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = 'ops@example.com'")
        .fetch_one(&app.db.pool)
        .await
        .expect("admin");
    let csrf = browser.csrf().await;

    let demoted = browser
        .post(
            &format!("/admin/customers/{me}/role"),
            &[("csrf", &csrf), ("role", "customer")],
        )
        .await;
    let deactivated = browser
        .post(
            &format!("/admin/customers/{me}/deactivate"),
            &[("csrf", &csrf)],
        )
        .await;

    assert_eq!(demoted.status, 409, "{}", demoted.body);
    assert_eq!(deactivated.status, 409, "{}", deactivated.body);
    assert_eq!(role_of(&app, me).await, "admin");
}

#[tokio::test]
async fn an_admin_deactivates_then_reactivates_a_customer() {
    let app = spawn_app().await;
    let id = registered(&app, "ada@example.com").await;
    let mut browser = signed_in_admin(&app).await;
    let csrf = browser.csrf().await;

    let off = browser
        .post(
            &format!("/admin/customers/{id}/deactivate"),
            &[("csrf", &csrf)],
        )
        .await;
    let page = browser.get(&format!("/admin/customers/{id}")).await;
    let login = crate::accounts::login(&app, "ada@example.com", crate::accounts::PASSWORD).await;

    assert_eq!(off.status, 303, "{}", off.body);
    assert!(page.body.contains("Reactivate account"), "{}", page.body);
    assert_eq!(login.status, 403);
    let on = browser
        .post(
            &format!("/admin/customers/{id}/reactivate"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(on.status, 303, "{}", on.body);
    let page = browser.get(&format!("/admin/customers/{id}")).await;
    assert!(page.body.contains("Deactivate account"), "{}", page.body);
}

#[tokio::test]
async fn refused_role_forms_change_nothing() {
    let app = spawn_app().await;
    let id = registered(&app, "ada@example.com").await;
    let mut admin = signed_in_admin(&app).await;
    let csrf = admin.csrf().await;
    auditor_account(&app, "audit@example.com").await;
    let mut auditor = Browser::new(&app);
    assert_eq!(auditor.sign_in("audit@example.com").await.status, 303);
    let page = auditor.get(&format!("/admin/customers/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("Change role"), "{}", page.body);
    let auditor_csrf = page.csrf();
    let path = format!("/admin/customers/{id}/role");

    let bad_role = admin
        .post(&path, &[("csrf", &csrf), ("role", "boss")])
        .await;
    let no_csrf = admin.post(&path, &[("role", "admin")]).await;
    let forged = auditor
        .post(&path, &[("csrf", &auditor_csrf), ("role", "admin")])
        .await;
    let forged_off = auditor
        .post(
            &format!("/admin/customers/{id}/deactivate"),
            &[("csrf", &auditor_csrf)],
        )
        .await;

    assert_eq!(bad_role.status, 400, "{}", bad_role.body);
    assert_eq!(no_csrf.status, 403);
    assert_eq!(forged.status, 403);
    assert_eq!(forged_off.status, 403);
    assert_eq!(role_of(&app, id).await, "customer");
    assert!(admin
        .get(&format!("/admin/customers/{id}"))
        .await
        .body
        .contains("Deactivate account"));
}

#[tokio::test]
async fn contact_messages_are_listed_for_admins_only() {
    let app = spawn_app().await;
    let form = crate::contact::ContactForm::new("ann@example.com", "Where is my parcel?");
    assert_eq!(
        app.anonymous().send_contact_message(&form).await.status,
        202
    );
    refresh_one(&app.db.pool, "contact_messages").await;
    let mut admin = signed_in_admin(&app).await;
    auditor_account(&app, "audit@example.com").await;
    let mut auditor = Browser::new(&app);
    assert_eq!(auditor.sign_in("audit@example.com").await.status, 303);

    let page = admin.get("/admin/messages?status=open").await;

    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Where is my parcel?"), "{}", page.body);
    assert!(page.body.contains("ann@example.com"));
    assert!(!admin
        .get("/admin/messages?status=resolved")
        .await
        .body
        .contains("parcel"));
    assert_eq!(admin.get("/admin/messages?status=lost").await.status, 400);
    assert_eq!(auditor.get("/admin/messages").await.status, 403);
}
