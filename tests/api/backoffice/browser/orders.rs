//! Orders in the browser: an admin ships a customer's order from its page.

use fantoccini::Locator;

use super::{sign_in, Driver};
use crate::backoffice::admin_account;
use crate::fixtures::paid_order;
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

#[tokio::test]
async fn an_admin_signs_in_ships_an_order_from_its_page_and_sees_the_timeline_grow() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    admin_account(&app, "ops@example.com").await;
    // The tests run no projection workers: keep the orders read model caught up meanwhile,
    // so the page after Ship (which waits for the new version) can show it.
    let pool = app.db.pool.clone();
    let catch_up = tokio::spawn(async move {
        loop {
            refresh_one(&pool, "orders").await;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    let driver = Driver::start().await;
    sign_in(&driver, &app, "ops@example.com").await;
    let browser = driver.browser();
    browser
        .wait()
        .for_element(Locator::XPath("//h1[text()='Dashboard']"))
        .await
        .expect("signed in, on the dashboard");
    browser
        .goto(&app.url(&format!("/admin/orders/{order}?v=3")))
        .await
        .expect("order page");
    let rows_before = browser
        .find_all(Locator::Css("#timeline tbody tr"))
        .await
        .expect("timeline")
        .len();
    browser
        .find(Locator::Id("carrier"))
        .await
        .expect("carrier")
        .send_keys("DHL")
        .await
        .expect("typed");
    browser
        .find(Locator::Id("tracking_number"))
        .await
        .expect("tracking")
        .send_keys("JD0146")
        .await
        .expect("typed");
    browser
        .find(Locator::XPath("//button[text()='Ship']"))
        .await
        .expect("Ship")
        .click()
        .await
        .expect("shipped");
    // A click submits the form without waiting for the next page: wait for what it shows.
    browser
        .wait()
        .for_element(Locator::XPath("//td[text()='OrderShipped']"))
        .await
        .expect("the timeline shows the shipment");
    let rows_after = browser
        .find_all(Locator::Css("#timeline tbody tr"))
        .await
        .expect("timeline")
        .len();
    assert_eq!(rows_after, rows_before + 1);
    driver.screenshot("backoffice-order-shipped").await;
    // The same page at a phone's width, for a person to look at.
    browser
        .set_window_size(390, 844)
        .await
        .expect("phone width");
    driver.screenshot("backoffice-order-shipped-phone").await;
    driver.stop().await;
    catch_up.abort();
}
