//! The dashboard and the analytics page in the browser: their SVG charts are drawn from the
//! figures of the order the test places.

use fantoccini::{Client, Locator};

use super::{signed_in, Driver};
use crate::backoffice::admin_account;
use crate::fixtures::{active_product, open_cart, paid_order, unique_sku};
use crate::helpers::spawn_app;
use crate::queries::refresh;

/// The bar `label` of the chart named `chart`: its `data-value`, its `<title>` and the size
/// it is drawn with on the screen, in pixels (width, height).
async fn bar(browser: &Client, chart: &str, label: &str) -> (String, String, (f64, f64)) {
    let selector = format!(r#"svg[aria-label="{chart}"] g.bar[data-label="{label}"]"#);
    let bar = browser
        .find(Locator::Css(&selector))
        .await
        .unwrap_or_else(|_| panic!("{selector}"));
    let value = bar
        .attr("data-value")
        .await
        .expect("attribute")
        .expect("data-value");
    let title = browser
        .execute(
            "return arguments[0].querySelector('title').textContent",
            vec![serde_json::to_value(&bar).expect("element")],
        )
        .await
        .expect("title");
    let rect = bar
        .find(Locator::Css("rect"))
        .await
        .expect("rect")
        .rectangle()
        .await
        .expect("drawn");
    (
        value,
        title.as_str().unwrap_or_default().to_string(),
        (rect.2, rect.3),
    )
}

/// The page needs no sideways scrolling at the window's width (wide tables scroll inside
/// their own `div.table-wrap`).
async fn assert_fits(browser: &Client) {
    let widths = browser
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            vec![],
        )
        .await
        .expect("widths");
    let page = widths[0].as_f64().expect("page width");
    let window = widths[1].as_f64().expect("window width");
    assert!(
        page <= window,
        "the page is {page} px wide in a {window} px window"
    );
}

#[tokio::test]
async fn the_dashboard_and_analytics_draw_their_charts_from_the_real_figures() {
    let app = spawn_app().await;
    paid_order(&app).await;
    // A cart filled and left: the funnel narrows after "with items".
    let sku = unique_sku();
    let product = active_product(&app.as_admin(), &sku, 5).await;
    let customer = app.as_customer();
    let cart = open_cart(&customer).await;
    customer
        .add_item(&cart, &crate::client::AddItem::new(&product, &sku, 1))
        .await
        .command(200, 2);
    refresh(&app).await;
    admin_account(&app, "ops@example.com").await;
    let driver = Driver::start().await;
    signed_in(&driver, &app, "ops@example.com").await;
    let browser = driver.browser();
    let today = chrono::Utc::now().date_naive().to_string();
    let (value, title, (_, height)) = bar(browser, "Revenue per day in USD", &today).await;
    assert_eq!(value, "2999");
    assert_eq!(title, format!("{today}: 29.99 USD"));
    driver.screenshot("backoffice-dashboard").await;
    assert!(height > 10.0, "today's column is drawn: {height} px");
    browser
        .set_window_size(390, 844)
        .await
        .expect("phone width");
    assert_fits(browser).await;
    driver.screenshot("backoffice-dashboard-phone").await;
    browser
        .set_window_size(1280, 1600)
        .await
        .expect("tall window");
    driver.screenshot("backoffice-dashboard-full").await;
    browser
        .set_window_size(1280, 900)
        .await
        .expect("desk width");

    browser
        .goto(&app.url("/admin/analytics"))
        .await
        .expect("analytics");
    let (value, title, _) = bar(browser, "Paid orders per day in USD", &today).await;
    assert_eq!((value.as_str(), title), ("1", format!("{today}: 1")));
    let (created, _, (created_px, _)) = bar(browser, "Cart funnel", "Carts created").await;
    let (paid, _, (paid_px, _)) = bar(browser, "Cart funnel", "Paid").await;
    assert_eq!((created.as_str(), paid.as_str()), ("2", "1"));
    assert!(
        (paid_px * 2.0 - created_px).abs() < 2.0,
        "bars in proportion: {paid_px} px for 1, {created_px} px for 2"
    );
    driver.screenshot("backoffice-analytics").await;
    browser
        .set_window_size(390, 844)
        .await
        .expect("phone width");
    assert_fits(browser).await;
    driver.screenshot("backoffice-analytics-phone").await;
    // The whole page, for a person to look at.
    browser
        .set_window_size(1280, 2400)
        .await
        .expect("tall window");
    driver.screenshot("backoffice-analytics-full").await;
    driver.stop().await;
}
