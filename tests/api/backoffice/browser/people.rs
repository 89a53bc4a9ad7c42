//! Coupons and customers in the browser: an admin creates a coupon and deactivates it, an
//! admin makes a customer an auditor and the list shows it, and a customer is refused at
//! sign-in without getting a session cookie.

use fantoccini::Locator;

use super::{click, fill, sign_in, signed_in, CatchUp, Driver};
use crate::accounts::registered;
use crate::backoffice::admin_account;
use crate::helpers::spawn_app;

async fn signed_in_admin(driver: &Driver, app: &crate::helpers::TestApp) {
    admin_account(app, "ops@example.com").await;
    signed_in(driver, app, "ops@example.com").await;
}

#[tokio::test]
async fn an_admin_creates_a_coupon_and_deactivates_it() {
    let app = spawn_app().await;
    let _catch_up = CatchUp::start(&app, &["coupons"]);
    let driver = Driver::start().await;
    signed_in_admin(&driver, &app).await;
    let browser = driver.browser();
    browser
        .goto(&app.url("/admin/coupons/new"))
        .await
        .expect("new coupon form");
    fill(browser, "code", "summer15").await;
    fill(browser, "discount_value", "15").await;
    fill(browser, "max_redemptions", "50").await;
    browser
        .find(Locator::Id("role_prime"))
        .await
        .expect("prime checkbox")
        .click()
        .await
        .expect("ticked");
    click(browser, "Create coupon").await;
    browser
        .wait()
        .for_element(Locator::XPath("//h1[text()='Coupon SUMMER15']"))
        .await
        .expect("the coupon's page");
    driver.screenshot("backoffice-coupon").await;
    click(browser, "Deactivate").await;
    browser
        .wait()
        .for_element(Locator::XPath(
            "//p[contains(text(), 'This coupon is deactivated')]",
        ))
        .await
        .expect("the coupon is shown deactivated");
    browser
        .goto(&app.url("/admin/coupons"))
        .await
        .expect("coupons list");
    let row = browser
        .find(Locator::XPath(
            "//table[@id='coupons']//tr[td/a[text()='SUMMER15']]",
        ))
        .await
        .expect("the coupon's row")
        .text()
        .await
        .expect("row text");
    assert!(row.contains("15 %") && row.contains("deactivated"), "{row}");
    driver.screenshot("backoffice-coupons").await;
    driver.stop().await;
}

#[tokio::test]
async fn an_admin_makes_a_customer_an_auditor_and_the_list_shows_it() {
    let app = spawn_app().await;
    let id = registered(&app, "ada@example.com").await;
    let driver = Driver::start().await;
    signed_in_admin(&driver, &app).await;
    let browser = driver.browser();
    browser
        .goto(&app.url(&format!("/admin/customers/{id}")))
        .await
        .expect("customer page");
    browser
        .find(Locator::Id("new_role"))
        .await
        .expect("role select")
        .select_by_value("auditor")
        .await
        .expect("auditor chosen");
    click(browser, "Change role").await;
    browser
        .wait()
        .for_element(Locator::XPath(
            "//strong[@id='role-now' and text()='auditor']",
        ))
        .await
        .expect("the page shows the new role");
    driver.screenshot("backoffice-customer").await;
    browser
        .goto(&app.url("/admin/customers?role=auditor"))
        .await
        .expect("auditors list");
    let rows = browser
        .find(Locator::Css("#customers tbody"))
        .await
        .expect("the list")
        .text()
        .await
        .expect("text");
    assert!(
        rows.contains("ada@example.com") && rows.contains("auditor"),
        "{rows}"
    );
    driver.screenshot_phone("backoffice-customers-phone").await;
    driver.stop().await;
}

#[tokio::test]
async fn a_customer_cannot_sign_in() {
    let app = spawn_app().await;
    registered(&app, "shopper@example.com").await;
    let driver = Driver::start().await;
    sign_in(&driver, &app, "shopper@example.com").await;
    let browser = driver.browser();
    let alert = browser
        .wait()
        .for_element(Locator::Css("p[role=alert]"))
        .await
        .expect("the refusal is shown")
        .text()
        .await
        .expect("text");
    assert!(alert.contains("for admins and auditors"), "{alert}");
    let cookies = browser.get_all_cookies().await.expect("cookies");
    assert!(
        cookies.iter().all(|cookie| cookie.name() != "bo_session"),
        "{cookies:?}"
    );
    browser.goto(&app.url("/admin/")).await.expect("dashboard");
    browser
        .wait()
        .for_element(Locator::XPath("//h1[text()='Sign in']"))
        .await
        .expect("sent back to sign in");
    driver.screenshot("backoffice-customer-refused").await;
    driver.stop().await;
}
