//! The security points in a real browser: an auditor sees no action button and a POST forged
//! from the page with the auditor's own valid token is refused; a form whose token was taken
//! out is refused (a customer refused at sign-in: `people.rs`).

use fantoccini::Locator;
use serde_json::json;

use super::{signed_in, Driver};
use crate::backoffice::{admin_account, auditor_account};
use crate::fixtures::{event_count, paid_order};
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

#[tokio::test]
async fn an_auditor_sees_no_action_buttons_and_a_forged_post_is_refused() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    auditor_account(&app, "audit@example.com").await;
    let driver = Driver::start().await;
    signed_in(&driver, &app, "audit@example.com").await;
    let browser = driver.browser();
    browser
        .goto(&app.url(&format!("/admin/orders/{order}")))
        .await
        .expect("order page");
    browser
        .wait()
        .for_element(Locator::Id("timeline"))
        .await
        .expect("the order is shown");
    let forms = browser
        .find_all(Locator::Css("main form[method=post]"))
        .await
        .expect("forms");
    assert!(
        forms.is_empty(),
        "an auditor is shown {} action forms",
        forms.len()
    );
    let buttons = browser
        .find_all(Locator::Css("main button"))
        .await
        .expect("buttons");
    assert!(buttons.is_empty(), "{} buttons shown", buttons.len());
    driver.screenshot("backoffice-auditor-order").await;

    // The auditor's token is valid (the sign-out form has it): the role alone refuses.
    let before = event_count(&app).await;
    let status = browser
        .execute(
            "const csrf = document.querySelector('input[name=csrf]').value;
             const body = new URLSearchParams({csrf, version: '3', carrier: 'DHL',
                                               tracking_number: 'FORGED'});
             return fetch(arguments[0], {method: 'POST', body, redirect: 'manual'})
               .then(response => response.status);",
            vec![json!(format!("/admin/orders/{order}/ship"))],
        )
        .await
        .expect("forged POST sent");
    assert_eq!(status, json!(403));
    assert_eq!(event_count(&app).await, before, "nothing written");
    driver.stop().await;
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let app = spawn_app().await;
    let (_, order) = paid_order(&app).await;
    refresh_one(&app.db.pool, "orders").await;
    admin_account(&app, "ops@example.com").await;
    let driver = Driver::start().await;
    signed_in(&driver, &app, "ops@example.com").await;
    let browser = driver.browser();
    browser
        .goto(&app.url(&format!("/admin/orders/{order}")))
        .await
        .expect("order page");
    browser
        .execute(
            "document.querySelector('form[action$=\"/ship\"] input[name=csrf]').remove();",
            vec![],
        )
        .await
        .expect("token removed");
    for (field, text) in [("carrier", "DHL"), ("tracking_number", "JD0146")] {
        browser
            .find(Locator::Id(field))
            .await
            .expect("field")
            .send_keys(text)
            .await
            .expect("typed");
    }
    let before = event_count(&app).await;
    browser
        .find(Locator::XPath("//button[text()='Ship']"))
        .await
        .expect("Ship")
        .click()
        .await
        .expect("submitted");
    let refusal = browser
        .wait()
        .for_element(Locator::Css("p.error[role=alert]"))
        .await
        .expect("a refusal page");
    let title = browser
        .find(Locator::Css("h1"))
        .await
        .expect("heading")
        .text()
        .await
        .expect("text");
    assert_eq!(title, "Forbidden");
    assert!(refusal
        .text()
        .await
        .expect("text")
        .contains("security token"));
    assert_eq!(event_count(&app).await, before, "nothing written");
    driver.screenshot("backoffice-csrf-refused").await;
    driver.stop().await;
}
