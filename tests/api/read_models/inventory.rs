//! Inventory projection: stock and level per variant in `inventory_levels`, level boundaries,
//! agreement with the catalog's stock figures, and `inventory::list`.

use std::sync::Arc;

use commerce_aggregates::product::{ProductEvent, ReservationLine};
use commerce_projections::read_models::inventory::{self, InventoryProjection, InventoryView};
use commerce_projections::read_models::{CatalogProjection, InventoryLevels, StockLevel};
use uuid::Uuid;

use super::catalog::{create, create_product, details, variant};
use super::Harness;
use crate::fixtures::usd;

async fn harness(levels: InventoryLevels) -> Harness {
    Harness::new(vec![Arc::new(InventoryProjection::new(levels))]).await
}

fn adjust(sku: &str, on_hand: u32) -> ProductEvent {
    ProductEvent::StockAdjusted {
        sku: sku.into(),
        adjustment: 0,
        reason: "count".into(),
        previous_on_hand: on_hand,
        on_hand,
        available: on_hand,
    }
}

async fn row(h: &Harness, product: Uuid, sku: &str) -> InventoryView {
    inventory::list(h.pool(), None, 1, 100)
        .await
        .expect("list")
        .items
        .into_iter()
        .find(|row| row.product_id == product && row.sku == sku)
        .expect("inventory row")
}

#[tokio::test]
async fn levels_change_exactly_at_each_threshold() {
    let mut h = harness(InventoryLevels::default()).await;
    let id = create_product(&mut h, "Mug", 100).await;
    assert_eq!(row(&h, id, "MUG-1").await.level, "high");
    for (available, level) in [
        (0, "critical"),
        (2, "critical"),
        (3, "low"),
        (10, "low"),
        (11, "medium"),
        (50, "medium"),
        (51, "high"),
    ] {
        h.apply(id, adjust("MUG-1", available)).await;
        let row = row(&h, id, "MUG-1").await;
        assert_eq!(row.available, i64::from(available));
        assert_eq!(row.level, level, "{available} available");
        assert_eq!(
            row.level,
            InventoryLevels::default().level(row.available).as_str()
        );
    }
}

#[tokio::test]
async fn configured_thresholds_grade_the_stock() {
    let levels = InventoryLevels::parse("0,1,3").expect("valid levels");
    let mut h = harness(levels).await;
    let id = create_product(&mut h, "Mug", 4).await;
    let order = Uuid::new_v4();
    let mut seen = vec![row(&h, id, "MUG-1").await.level];
    for quantity in [1, 2, 1] {
        h.apply(
            id,
            ProductEvent::StockReserved {
                order_id: order,
                lines: vec![ReservationLine::new("MUG-1", quantity)],
            },
        )
        .await;
        seen.push(row(&h, id, "MUG-1").await.level);
    }
    assert_eq!(seen, ["high", "medium", "low", "critical"]);
    let row = row(&h, id, "MUG-1").await;
    assert_eq!((row.on_hand, row.reserved, row.available), (4, 4, 0));
}

#[tokio::test]
async fn names_statuses_and_added_variants_follow_the_product() {
    let mut h = harness(InventoryLevels::default()).await;
    let id = create_product(&mut h, "Mug", 5).await;
    h.apply(
        id,
        ProductEvent::VariantAdded {
            variant: variant("MUG-XL", 1500, 60),
        },
    )
    .await;
    h.apply(id, ProductEvent::ProductPublished {}).await;
    let renamed = h
        .apply(
            id,
            ProductEvent::ProductDetailsUpdated {
                details: details("Big mug", "", "Kitchen", &[]),
                low_stock_threshold: 2,
            },
        )
        .await;
    for sku in ["MUG-1", "MUG-XL"] {
        let row = row(&h, id, sku).await;
        assert_eq!(row.product_name, "Big mug");
        assert_eq!(row.product_status, "active");
        assert_eq!((row.version, row.updated_at), (4, renamed.recorded_at));
    }
    assert_eq!(row(&h, id, "MUG-XL").await.level, "high");
    assert_eq!(row(&h, id, "MUG-1").await.level, "low");
    h.apply(id, ProductEvent::ProductArchived {}).await;
    assert_eq!(row(&h, id, "MUG-1").await.product_status, "archived");
}

#[tokio::test]
async fn inventory_and_catalog_agree_on_stock_after_every_event() {
    let mut h = Harness::new(vec![
        Arc::new(CatalogProjection),
        Arc::new(InventoryProjection::new(InventoryLevels::default())),
    ])
    .await;
    let id = create(
        &mut h,
        details("Set", "", "Kitchen", &[]),
        vec![variant("A", 100, 10), variant("B", 200, 3)],
    )
    .await;
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let lines = |a, b| vec![ReservationLine::new("A", a), ReservationLine::new("B", b)];
    let events = [
        ProductEvent::StockReserved {
            order_id: first,
            lines: lines(4, 1),
        },
        ProductEvent::StockReserved {
            order_id: second,
            lines: lines(2, 2),
        },
        ProductEvent::ReservationReleased {
            order_id: second,
            lines: lines(2, 2),
            reason: "expired".into(),
        },
        ProductEvent::ReservationCommitted {
            order_id: first,
            lines: lines(4, 1),
        },
        adjust("B", 7),
    ];
    let compare = "SELECT count(*) FROM catalog_variants c \
                   FULL JOIN inventory_levels i USING (product_id, sku) \
                   WHERE c.on_hand IS DISTINCT FROM i.on_hand \
                      OR c.reserved IS DISTINCT FROM i.reserved \
                      OR c.available IS DISTINCT FROM i.available";
    for event in events {
        h.apply(id, event).await;
        let differing: i64 = sqlx::query_scalar(compare)
            .fetch_one(h.pool())
            .await
            .expect("compare");
        assert_eq!(differing, 0);
    }
    let a = row(&h, id, "A").await;
    assert_eq!((a.on_hand, a.reserved, a.available), (6, 0, 6));
    let b = row(&h, id, "B").await;
    assert_eq!((b.on_hand, b.reserved, b.available), (7, 0, 7));
}

#[tokio::test]
async fn lists_fewest_available_first_filtered_by_level() {
    let mut h = harness(InventoryLevels::default()).await;
    create(
        &mut h,
        details("Set", "", "Kitchen", &[]),
        vec![
            variant("HIGH", 100, 80),
            variant("CRIT", 100, 1),
            variant("LOW", 100, 7),
            variant("LOW2", 100, 4),
        ],
    )
    .await;
    create_product(&mut h, "Mug", 30).await;

    let all = inventory::list(h.pool(), None, 1, 100).await.expect("list");
    let skus: Vec<_> = all
        .items
        .iter()
        .map(|r| (r.sku.as_str(), r.available))
        .collect();
    assert_eq!(
        skus,
        [
            ("CRIT", 1),
            ("LOW2", 4),
            ("LOW", 7),
            ("MUG-1", 30),
            ("HIGH", 80)
        ]
    );
    assert_eq!(all.total, 5);
    let low = inventory::list(h.pool(), Some(StockLevel::Low), 1, 1)
        .await
        .expect("list");
    assert_eq!((low.total, low.items.len()), (2, 1));
    assert_eq!(low.items[0].sku, "LOW2");
    let low = inventory::list(h.pool(), Some(StockLevel::Low), 2, 1)
        .await
        .expect("list");
    assert_eq!(low.items[0].sku, "LOW");
    for (level, sku) in [
        (StockLevel::Critical, "CRIT"),
        (StockLevel::Medium, "MUG-1"),
        (StockLevel::High, "HIGH"),
    ] {
        let page = inventory::list(h.pool(), Some(level), 1, 10)
            .await
            .expect("list");
        let skus: Vec<_> = page.items.iter().map(|r| r.sku.as_str()).collect();
        assert_eq!(skus, [sku], "{level}");
    }
}

/// The batch path (`apply_many`: the products whose events of the batch only move stock
/// written with a few statements for all of them, graded and summed up once) leaves the very
/// rows that applying the events one by one leaves: reservations, a release beyond what is
/// reserved (saturating at zero), a commit and an adjustment of one product; a price change
/// among another's reservations (stock-only for the inventory, not for the catalog); and a
/// product created in the same batch.
#[tokio::test]
async fn a_batch_writes_the_rows_event_by_event_writes() {
    let mut h = Harness::new(vec![
        Arc::new(CatalogProjection),
        Arc::new(InventoryProjection::new(InventoryLevels::default())),
    ])
    .await;
    let busy = create(
        &mut h,
        details("Set", "", "Kitchen", &[]),
        vec![variant("A", 100, 10), variant("B", 200, 3)],
    )
    .await;
    let repriced = create_product(&mut h, "Mug", 8).await;
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let lines = |a, b| vec![ReservationLine::new("A", a), ReservationLine::new("B", b)];
    let mug = |quantity| vec![ReservationLine::new("MUG-1", quantity)];

    let mut batch = Vec::new();
    for event in [
        ProductEvent::StockReserved {
            order_id: first,
            lines: lines(4, 1),
        },
        ProductEvent::StockReserved {
            order_id: second,
            lines: lines(2, 2),
        },
        ProductEvent::ReservationReleased {
            order_id: second,
            lines: lines(2, 5),
            reason: "expired".into(),
        },
        ProductEvent::ReservationCommitted {
            order_id: first,
            lines: lines(4, 1),
        },
        adjust("B", 7),
        ProductEvent::StockReserved {
            order_id: first,
            lines: vec![
                ReservationLine::new("A", 3),
                ReservationLine::new("GONE", 1),
            ],
        },
    ] {
        batch.push(h.envelope(&busy.to_string(), &event));
    }
    for event in [
        ProductEvent::StockReserved {
            order_id: first,
            lines: mug(2),
        },
        ProductEvent::VariantPriceChanged {
            sku: "MUG-1".into(),
            old_price: usd(1250),
            new_price: usd(990),
        },
        ProductEvent::StockReserved {
            order_id: second,
            lines: mug(5),
        },
    ] {
        batch.push(h.envelope(&repriced.to_string(), &event));
    }
    let fresh = Uuid::new_v4();
    for event in [
        ProductEvent::ProductCreated {
            product_id: fresh,
            details: details("Cap", "", "Clothing", &[]),
            low_stock_threshold: 2,
            variants: vec![variant("CAP", 1500, 4)],
            store: "default".into(),
        },
        ProductEvent::StockReserved {
            order_id: first,
            lines: vec![ReservationLine::new("CAP", 1)],
        },
    ] {
        batch.push(h.envelope(&fresh.to_string(), &event));
    }
    batch.sort_by(|a, b| (&a.aggregate_id, a.sequence).cmp(&(&b.aggregate_id, b.sequence)));
    h.apply_together(batch).await;

    let a = row(&h, busy, "A").await;
    assert_eq!((a.on_hand, a.reserved, a.available), (6, 3, 3));
    let b = row(&h, busy, "B").await;
    assert_eq!((b.on_hand, b.reserved, b.available), (7, 0, 7));
    assert_eq!(b.version, 7);
    let mug_row = row(&h, repriced, "MUG-1").await;
    assert_eq!((mug_row.reserved, mug_row.available), (7, 1));
    assert_eq!(mug_row.level, "critical");
    let cap = row(&h, fresh, "CAP").await;
    assert_eq!((cap.reserved, cap.available), (1, 3));
    let (total, price): (i64, i64) = sqlx::query_as(
        "SELECT total_available, min_price_minor FROM catalog_products WHERE id = $1",
    )
    .bind(repriced)
    .fetch_one(h.pool())
    .await
    .expect("catalog row");
    assert_eq!((total, price), (1, 990));

    let batched = h.snapshot().await;
    h.replay().await;
    assert_eq!(h.snapshot().await, batched);
}
