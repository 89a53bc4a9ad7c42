//! The live events view and the audit page in a real browser: a new event appears at the top
//! of the open Events page (the page's own script over the session's event stream), and the
//! chain verification shows its head hash.

use fantoccini::Locator;

use super::{signed_in, Driver};
use crate::backoffice::admin_account;
use crate::backoffice::audit::seal_everything;
use crate::fixtures::paid_order;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_live_view_shows_a_new_event_appear_after_an_action() {
    let app = spawn_app().await;
    admin_account(&app, "ops@example.com").await;
    let driver = Driver::start().await;
    signed_in(&driver, &app, "ops@example.com").await;
    let browser = driver.browser();
    browser
        .goto(&app.url("/admin/events"))
        .await
        .expect("events page");
    browser
        .wait()
        .for_element(Locator::Css("table#events[data-live=open]"))
        .await
        .expect("the live stream is open");
    let (_, order) = paid_order(&app).await;
    let paid = format!(
        "//table[@id='events']//tr[contains(@class,'new')][td[text()='OrderPaid']][.//code[text()='{order}']]"
    );
    browser
        .wait()
        .for_element(Locator::XPath(&paid))
        .await
        .expect("the payment appears live");
    let first = browser
        .find(Locator::Css("table#events tbody tr"))
        .await
        .expect("a first row")
        .text()
        .await
        .expect("text");
    assert!(first.contains("OrderPaid"), "newest at the top: {first}");
    driver.screenshot("backoffice-events").await;
    driver.screenshot_phone("backoffice-events-phone").await;

    seal_everything(&app).await;
    browser
        .goto(&app.url("/admin/audit"))
        .await
        .expect("audit page");
    browser
        .find(Locator::XPath("//button[text()='Verify the chain']"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("verified");
    let head = browser
        .wait()
        .for_element(Locator::Id("head-hash"))
        .await
        .expect("the head hash")
        .text()
        .await
        .expect("text");
    assert_eq!(head.len(), 64, "{head}");
    driver.screenshot("backoffice-audit").await;
    driver.stop().await;
}
