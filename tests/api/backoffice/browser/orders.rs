//! Orders in the browser: an admin ships a customer's order from its page.

use fantoccini::Locator;

use super::{click, fill, signed_in, CatchUp, Driver};
use crate::backoffice::admin_account;
use crate::fixtures::paid_order;
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_admin_signs_in_ships_an_order_from_its_page_and_sees_the_timeline_grow() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    admin_account(&app, "ops@example.com").await;
    let _catch_up = CatchUp::start(&app, &["orders"]);
    let driver = Driver::start().await;
    signed_in(&driver, &app, "ops@example.com").await;
    let browser = driver.browser();
    browser
        .goto(&app.url(&format!("/admin/orders/{order}?v=3")))
        .await
        .expect("order page");
    let rows_before = browser
        .find_all(Locator::Css("#timeline tbody tr"))
        .await
        .expect("timeline")
        .len();
    fill(browser, "carrier", "DHL").await;
    fill(browser, "tracking_number", "JD0146").await;
    click(browser, "Ship").await;
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
    driver
        .screenshot_phone("backoffice-order-shipped-phone")
        .await;
    driver.stop().await;
}
