//! The inventory page: variants counted by stock level, listed by level.

use super::products::catch_up;
use super::*;
use crate::client::StockAdjustment;
use crate::fixtures::{draft_product, unique_sku};
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_inventory_page_counts_variants_by_level_and_lists_a_level() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let scarce_sku = unique_sku();
    let scarce = draft_product(&admin, &scarce_sku, 1).await;
    let plenty_sku = unique_sku();
    let plenty = draft_product(&admin, &plenty_sku, 500).await;
    let adjust = StockAdjustment {
        adjustment: -1,
        reason: "breakage".into(),
    };
    admin
        .adjust_stock(&scarce, &scarce_sku, &adjust)
        .await
        .command(200, 2);
    catch_up(&app).await;
    let mut browser = signed_in_admin(&app).await;
    let critical = browser.get("/admin/inventory?level=critical").await;
    assert_eq!(critical.status, 200, "{}", critical.body);
    assert!(critical.body.contains(&scarce_sku));
    assert!(critical.body.contains("(out of stock)"));
    assert!(critical.body.contains(&format!("/admin/products/{scarce}")));
    assert!(!critical.body.contains(&plenty_sku));
    let every = browser.get("/admin/inventory").await;
    assert!(every.body.contains(&plenty_sku) && every.body.contains(&plenty));
    assert!(every.body.contains("2 in all"), "{}", every.body);
    assert_eq!(browser.get("/admin/inventory?level=dire").await.status, 400);
}
