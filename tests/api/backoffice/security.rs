//! Who gets into the back office and how its session and forms are protected.

use super::*;
use crate::fixtures::paid_order;
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

#[tokio::test]
async fn without_a_session_a_page_redirects_to_sign_in() {
    let app = spawn_app().await;
    let page = Browser::new(&app).get("/admin/orders").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/admin/login"));
}

#[tokio::test]
async fn a_customer_is_refused_sign_in_and_gets_no_session() {
    let app = spawn_app().await;
    registered(&app, "shopper@example.com").await;
    let mut browser = Browser::new(&app);
    let page = browser.sign_in("shopper@example.com").await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.cookie("bo_session").is_none());
    assert_eq!(browser.get("/admin/").await.status, 303);
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401() {
    let app = spawn_app().await;
    admin_account(&app, "ops@example.com").await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/admin/login").await;
    let csrf = form.csrf();
    let page = browser
        .post(
            "/admin/login",
            &[
                ("email", "ops@example.com"),
                ("password", "nope nope nope"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.status, 401);
    assert!(page.cookie("bo_session").is_none());
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_scoped_and_expiring() {
    let app = spawn_app().await;
    admin_account(&app, "ops@example.com").await;
    let page = Browser::new(&app).sign_in("ops@example.com").await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/admin/"));
    let cookie = page.cookie("bo_session").expect("session cookie");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=28800",
    ] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing in {cookie}"
        );
    }
    // Served over plain HTTP here: a Secure cookie would never come back.
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_served_over_tls() {
    let app = spawn_app().await;
    admin_account(&app, "ops@example.com").await;
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let form = Page::read(
        http.get(app.url("/admin/login"))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .expect("GET"),
    )
    .await;
    let login_cookie = form.cookie("bo_login_csrf").expect("form cookie");
    assert!(login_cookie.contains("; Secure"), "{login_cookie}");
    let pair = login_cookie.split(';').next().expect("pair").to_string();
    let page = Page::read(
        http.post(app.url("/admin/login"))
            .header("x-forwarded-proto", "https")
            .header(COOKIE, pair)
            .form(&[
                ("email", "ops@example.com"),
                ("password", PASSWORD),
                ("csrf", &form.csrf()),
            ])
            .send()
            .await
            .expect("POST"),
    )
    .await;
    let cookie = page.cookie("bo_session").expect("session cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn a_sign_in_form_without_its_token_is_refused_with_403() {
    let app = spawn_app().await;
    admin_account(&app, "ops@example.com").await;
    let mut browser = Browser::new(&app);
    browser.get("/admin/login").await;
    let page = browser
        .post(
            "/admin/login",
            &[("email", "ops@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(page.cookie("bo_session").is_none());
}

#[tokio::test]
async fn a_form_without_the_session_token_is_refused_with_403_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    let mut browser = signed_in_admin(&app).await;
    let path = format!("/admin/orders/{order}/ship");
    let fields = [
        ("version", "3"),
        ("carrier", "DHL"),
        ("tracking_number", "T1"),
    ];
    assert_eq!(browser.post(&path, &fields).await.status, 403);
    let forged = "0".repeat(64);
    let wrong = [("csrf", forged.as_str()), fields[0], fields[1], fields[2]];
    assert_eq!(browser.post(&path, &wrong).await.status, 403);
    let page = browser.get(&format!("/admin/orders/{order}?v=3")).await;
    assert!(page.body.contains("Not shipped"), "{}", page.body);
}

#[tokio::test]
async fn an_auditor_reads_but_their_actions_are_refused_with_403() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    auditor_account(&app, "audit@example.com").await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("audit@example.com").await.status, 303);
    let page = browser.get(&format!("/admin/orders/{order}?v=3")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(">Ship<"), "no action for auditors");
    let csrf = page.csrf();
    let refused = browser
        .post(
            &format!("/admin/orders/{order}/ship"),
            &[
                ("csrf", &csrf),
                ("version", "3"),
                ("carrier", "DHL"),
                ("tracking_number", "T1"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn logout_ends_the_session_for_the_old_cookie_too() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    let stolen = browser.cookie_header();
    let csrf = browser.csrf().await;
    let out = browser.post("/admin/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(out
        .cookie("bo_session")
        .expect("cleared")
        .contains("Max-Age=0"));
    let replay = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
        .get(app.url("/admin/"))
        .header(COOKIE, stolen)
        .send()
        .await
        .expect("GET");
    assert_eq!(replay.status().as_u16(), 303);
}
