//! The dashboard: figures from the read models.

use super::*;
use crate::fixtures::paid_order;
use crate::helpers::spawn_app;
use crate::queries::refresh;

#[tokio::test]
async fn the_dashboard_counts_a_paid_order_and_charts_its_sales() {
    let app = spawn_app().await;
    paid_order(&app).await;
    refresh(&app).await;
    let mut browser = signed_in_admin(&app).await;
    let page = browser.get("/admin/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(r#"<a href="/admin/orders?status=paid">paid</a><p><strong>1</strong>"#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("USD: 1 paid orders, revenue 29.99 USD, average order value 29.99 USD"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(r#"<svg viewBox="0 0 600 160" role="img""#));
}
