//! The back office's main flow in the browser: an admin signs in, creates and publishes a product,
//! sees a customer's order of it appear in the orders list, ships it from the order page and
//! sees the timeline grow.

use fantoccini::Locator;

use super::{click, fill, ship_and_see_the_timeline_grow, signed_in, CatchUp, Driver};
use crate::backoffice::admin_account;
use crate::client::Pay;
use crate::fixtures::{ready_cart, unique_sku};
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_admin_creates_and_publishes_a_product_then_ships_a_customers_order_of_it() {
    let app = spawn_app().await;
    admin_account(&app, "ops@example.com").await;
    let _catch_up = CatchUp::start(&app, &["catalog", "inventory", "orders"]);
    let driver = Driver::start().await;
    signed_in(&driver, &app, "ops@example.com").await;
    let browser = driver.browser();

    // Create the product from the form, then publish it from its page.
    browser
        .goto(&app.url("/admin/products/new"))
        .await
        .expect("new-product form");
    let sku = unique_sku();
    fill(browser, "name", "Browser mug").await;
    fill(browser, "category", "kitchen").await;
    fill(browser, "tags", "coffee").await;
    fill(browser, "sku", &sku).await;
    fill(browser, "price", "8.50").await;
    fill(browser, "stock", "12").await;
    click(browser, "Create product").await;
    browser
        .wait()
        .for_element(Locator::XPath(
            "//p[@id='product-status' and text()='draft']",
        ))
        .await
        .expect("the new draft's page");
    click(browser, "Publish").await;
    browser
        .wait()
        .for_element(Locator::XPath(
            "//p[@id='product-status' and text()='active']",
        ))
        .await
        .expect("published");
    let url = browser.current_url().await.expect("the product's address");
    let product = url
        .path()
        .strip_prefix("/admin/products/")
        .expect("on the product's page")
        .to_string();
    driver.screenshot("backoffice-product").await;
    driver.screenshot_phone("backoffice-product-phone").await;
    browser
        .goto(&app.url("/admin/products?q=mug"))
        .await
        .expect("products list");
    browser
        .find(Locator::LinkText("Browser mug"))
        .await
        .expect("the product in the list");
    driver.screenshot("backoffice-products").await;
    browser
        .goto(&app.url("/admin/inventory"))
        .await
        .expect("inventory");
    browser
        .wait()
        .for_element(Locator::XPath(&format!("//td[text()='{sku}']")))
        .await
        .expect("the new variant in the inventory");
    driver.screenshot("backoffice-inventory").await;

    // A customer orders one through the API and pays.
    let customer = app.as_customer();
    let cart = ready_cart(&customer, &product, &sku, 1).await;
    let order = customer.checkout(&cart).await.command(201, 2);
    customer
        .pay(&order, &Pay::test("tok_ok"))
        .await
        .command(200, 3);

    // It appears in the orders list; ship it from its page.
    let short = order.replace('-', "")[..8].to_string();
    let mut listed = None;
    for _ in 0..50 {
        browser
            .goto(&app.url("/admin/orders?status=paid"))
            .await
            .expect("orders list");
        if let Ok(link) = browser.find(Locator::LinkText(&short)).await {
            listed = Some(link);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    listed
        .expect("the customer's order in the list")
        .click()
        .await
        .expect("to the order");
    browser
        .wait()
        .for_element(Locator::XPath("//td[text()='Browser mug']"))
        .await
        .expect("the order's page, with its line");
    ship_and_see_the_timeline_grow(browser).await;
    driver.stop().await;
}
