//! Orders in the browser: an admin ships a customer's order from its page.

use super::{ship_and_see_the_timeline_grow, signed_in, CatchUp, Driver};
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
    ship_and_see_the_timeline_grow(browser).await;
    driver.screenshot("backoffice-order-shipped").await;
    driver
        .screenshot_phone("backoffice-order-shipped-phone")
        .await;
    driver.stop().await;
}
