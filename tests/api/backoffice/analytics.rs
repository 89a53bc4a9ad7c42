//! The analytics page: its SVG charts hold the figures of the orders the test places, and a
//! bad range is a 422 page naming the field.

use crate::client::NewCoupon;
use crate::fixtures::{active_product, paid_order, ready_cart, unique_sku};
use crate::helpers::spawn_app;
use crate::queries::refresh_one;

use super::*;

/// The `<g>` of the bar `label` in the chart named `chart`: its figure and its title.
fn bar(body: &str, chart: &str, label: &str) -> (i64, String) {
    let svg = body
        .find(&format!(r#"aria-label="{chart}""#))
        .unwrap_or_else(|| panic!("chart {chart} in {body}"));
    let end = body[svg..].find("</svg>").expect("svg end") + svg;
    let chart_body = &body[svg..end];
    let marker = format!(r#"data-label="{label}" data-value=""#);
    let at = chart_body
        .find(&marker)
        .unwrap_or_else(|| panic!("bar {label} in {chart_body}"))
        + marker.len();
    let value_end = chart_body[at..].find('"').expect("quote") + at;
    let title_start = chart_body[at..].find("<title>").expect("title") + at + "<title>".len();
    let title_end = chart_body[title_start..]
        .find("</title>")
        .expect("title end")
        + title_start;
    (
        chart_body[at..value_end].parse().expect("a number"),
        chart_body[title_start..title_end].to_string(),
    )
}

#[tokio::test]
async fn the_charts_hold_the_figures_of_the_orders_placed() {
    let app = spawn_app().await;
    let (_, _) = paid_order(&app).await;
    // A second order, with a 10 % coupon: 12.50 − 1.25 + 4.99 shipping = 16.24.
    let admin = app.as_admin();
    admin
        .create_coupon(&NewCoupon::percent("TENOFF", 10))
        .await
        .command(201, 1);
    let sku = unique_sku();
    let product = active_product(&admin, &sku, 10).await;
    let customer = app.as_customer();
    let cart = ready_cart(&customer, &product, &sku, 1).await;
    let applied = customer.apply_coupon(&cart, "TENOFF").await;
    assert_eq!(applied.status.as_u16(), 200, "{}", applied.text);
    let order = customer.checkout(&cart).await.command(201, 2);
    customer
        .pay(&order, &crate::client::Pay::test("tok_ok"))
        .await
        .command(200, 3);
    refresh_one(&app.db.pool, "analytics").await;

    let mut browser = signed_in_admin(&app).await;
    let page = browser.get("/admin/analytics").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(
        bar(body, "Revenue per day in USD", &today),
        (4623, format!("{today}: 46.23 USD"))
    );
    assert_eq!(bar(body, "Paid orders per day in USD", &today).0, 2);
    let label = format!("Espresso cup ({sku})");
    assert_eq!(
        bar(body, "Top products by units sold in USD", &label),
        (1, format!("{label}: 1"))
    );
    assert_eq!(
        bar(body, "Top products by revenue in USD", &label),
        (1125, format!("{label}: 11.25 USD"))
    );
    assert_eq!(
        bar(body, "Redemptions per coupon", "TENOFF (USD)"),
        (1, "TENOFF (USD): 1".to_string())
    );
    for step in ["Carts created", "With items", "Checked out", "Paid"] {
        assert_eq!(bar(body, "Cart funnel", step).0, 2, "{step}");
    }
    // The figures are also in tables, for whoever cannot see the charts.
    assert!(body.contains("<td>TENOFF</td><td>1</td>"), "{body}");
    assert!(body.contains("<td>1.25 USD</td>"), "{body}");
    assert!(body.contains("<dt>Paid</dt><dd>2</dd>"), "{body}");

    // Another store's orders: none.
    let page = browser
        .get("/admin/analytics?from=&to=&store=elsewhere")
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("No orders in these days."),
        "{}",
        page.body
    );
    app.stop().await;
}

#[tokio::test]
async fn a_bad_range_is_refused_with_the_field_named_and_auditors_may_read() {
    let app = spawn_app().await;
    let mut browser = signed_in_admin(&app).await;
    for (query, field, message) in [
        (
            "from=2026-13-01",
            "from",
            "must be a day written YYYY-MM-DD",
        ),
        (
            "from=2026-12-02&to=2026-12-01",
            "from",
            "from must not be after to",
        ),
        (
            "from=2024-01-01&to=2025-06-01",
            "to",
            "at most 366 are allowed",
        ),
    ] {
        let page = browser.get(&format!("/admin/analytics?{query}")).await;
        assert_eq!(page.status, 422, "{query}: {}", page.body);
        assert!(
            page.body.contains(&format!("<code>{field}</code>: ")) && page.body.contains(message),
            "{query}: {}",
            page.body
        );
    }
    let page = browser
        .get("/admin/analytics?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(r#"value="2026-11-01""#), "{}", page.body);
    // No order in these days: no daily chart, and the funnel's four steps at zero.
    assert!(
        page.body.contains("No orders in these days."),
        "{}",
        page.body
    );
    assert_eq!(
        page.body.matches(r#"data-value="0""#).count(),
        4,
        "{}",
        page.body
    );

    auditor_account(&app, "reader@example.com").await;
    let mut auditor = Browser::new(&app);
    auditor.sign_in("reader@example.com").await;
    let page = auditor.get("/admin/analytics").await;
    assert_eq!(page.status, 200, "{}", page.body);

    let page = Browser::new(&app).get("/admin/analytics").await;
    assert_eq!(page.location.as_deref(), Some("/admin/login"));
    app.stop().await;
}
