//! Catalog projection: what each product event writes to `catalog_products` and
//! `catalog_variants`, and `catalog::get`.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use commerce_aggregates::product::{NewVariant, ProductDetails, ProductEvent, ReservationLine};
use commerce_projections::read_models::catalog::{self, CatalogProjection};
use commerce_projections::read_models::MoneyView;
use sqlx::Row;
use uuid::Uuid;

use super::{start, Harness};
use crate::fixtures::usd;

/// A variant `sku` at `price` minor units with `stock` units.
pub fn variant(sku: &str, price: i64, stock: u32) -> NewVariant {
    NewVariant {
        sku: sku.into(),
        options: BTreeMap::from([("colour".to_string(), "white".to_string())]),
        price: usd(price),
        stock,
    }
}

/// Details with `name`, `category` and `tags`.
pub fn details(name: &str, description: &str, category: &str, tags: &[&str]) -> ProductDetails {
    ProductDetails {
        name: name.into(),
        description: description.into(),
        category: category.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        images: vec!["https://img.example/p.jpg".into()],
    }
}

/// Creates a product with `details` and `variants`; returns its id.
pub async fn create(h: &mut Harness, details: ProductDetails, variants: Vec<NewVariant>) -> Uuid {
    let id = Uuid::new_v4();
    h.apply(
        id,
        ProductEvent::ProductCreated {
            product_id: id,
            details,
            low_stock_threshold: 2,
            variants,
            store: "default".into(),
        },
    )
    .await;
    id
}

/// Creates a draft product `name` with one variant `MUG-1` at 12.50 USD holding `stock`.
pub async fn create_product(h: &mut Harness, name: &str, stock: u32) -> Uuid {
    create(
        h,
        details(name, "Stoneware, 300 ml", "Kitchen", &["coffee", "Ceramic"]),
        vec![variant("MUG-1", 1250, stock)],
    )
    .await
}

async fn harness() -> Harness {
    Harness::new(vec![Arc::new(CatalogProjection)]).await
}

fn reserve(order_id: Uuid, sku: &str, quantity: u32) -> ProductEvent {
    ProductEvent::StockReserved {
        order_id,
        lines: vec![ReservationLine::new(sku, quantity)],
    }
}

/// `(on_hand, reserved, available)` of a variant.
async fn stock_of(h: &Harness, id: Uuid, sku: &str) -> (i64, i64, i64) {
    let row = sqlx::query(
        "SELECT on_hand, reserved, available FROM catalog_variants \
         WHERE product_id = $1 AND sku = $2",
    )
    .bind(id)
    .bind(sku)
    .fetch_one(h.pool())
    .await
    .expect("variant row");
    (row.get(0), row.get(1), row.get(2))
}

/// `(total_available, in_stock, version)` of a product.
async fn totals_of(h: &Harness, id: Uuid) -> (i64, bool, i64) {
    let row = sqlx::query(
        "SELECT total_available, in_stock, version FROM catalog_products WHERE id = $1",
    )
    .bind(id)
    .fetch_one(h.pool())
    .await
    .expect("product row");
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test]
async fn product_created_fills_the_product_and_its_variants() {
    let mut h = harness().await;
    let id = create(
        &mut h,
        details("Espresso cup", "Porcelain, 80 ml", "Kitchen", &["coffee"]),
        vec![variant("CUP-W", 1250, 5), variant("CUP-B", 1450, 0)],
    )
    .await;

    let view = catalog::get(h.pool(), id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(view.name, "Espresso cup");
    assert_eq!(view.description, "Porcelain, 80 ml");
    assert_eq!(view.category, "Kitchen");
    assert_eq!(view.tags, ["coffee"]);
    assert_eq!(view.images, ["https://img.example/p.jpg"]);
    assert_eq!(view.status, "draft");
    assert_eq!(view.min_price, Some(MoneyView::new(1250, "USD")));
    assert_eq!(view.max_price, Some(MoneyView::new(1450, "USD")));
    assert_eq!((view.total_available, view.in_stock), (5, true));
    assert_eq!(view.low_stock_threshold, 2);
    assert_eq!(
        (view.created_at, view.updated_at, view.version),
        (start(), start(), 1)
    );
    let skus: Vec<_> = view.variants.iter().map(|v| v.sku.as_str()).collect();
    assert_eq!(skus, ["CUP-B", "CUP-W"]);
    let white = &view.variants[1];
    assert_eq!(
        white.options,
        std::collections::BTreeMap::from([("colour".to_owned(), "white".to_owned())])
    );
    assert_eq!(white.price, MoneyView::new(1250, "USD"));
    assert_eq!((white.on_hand, white.reserved, white.available), (5, 0, 5));

    assert!(catalog::get(h.pool(), Uuid::new_v4())
        .await
        .expect("query")
        .is_none());
}

#[tokio::test]
async fn details_update_replaces_descriptive_columns_and_the_search_document() {
    let mut h = harness().await;
    let id = create_product(&mut h, "Espresso cup", 5).await;
    let updated = h
        .apply(
            id,
            ProductEvent::ProductDetailsUpdated {
                details: details("Travel flask", "Keeps tea hot", "Outdoor", &["Camping"]),
                low_stock_threshold: 7,
            },
        )
        .await;

    let row = sqlx::query(
        "SELECT name, description, category, tags, tag_keys, low_stock_threshold, updated_at, \
         version, search @@ websearch_to_tsquery('english', 'flask') AS new_hit, \
         search @@ websearch_to_tsquery('english', 'espresso') AS old_hit \
         FROM catalog_products WHERE id = $1",
    )
    .bind(id)
    .fetch_one(h.pool())
    .await
    .expect("row");
    assert_eq!(row.get::<String, _>("name"), "Travel flask");
    assert_eq!(row.get::<String, _>("description"), "Keeps tea hot");
    assert_eq!(row.get::<String, _>("category"), "Outdoor");
    assert_eq!(row.get::<Vec<String>, _>("tags"), ["Camping"]);
    assert_eq!(row.get::<Vec<String>, _>("tag_keys"), ["camping"]);
    assert_eq!(row.get::<i64, _>("low_stock_threshold"), 7);
    assert_eq!(
        row.get::<DateTime<Utc>, _>("updated_at"),
        updated.recorded_at
    );
    assert_eq!(row.get::<i64, _>("version"), 2);
    assert!(row.get::<bool, _>("new_hit"));
    assert!(!row.get::<bool, _>("old_hit"));
}

#[tokio::test]
async fn variant_added_and_price_changed_keep_the_price_range_right() {
    let mut h = harness().await;
    let id = create_product(&mut h, "Mug", 5).await;
    h.apply(
        id,
        ProductEvent::VariantAdded {
            variant: variant("MUG-XL", 2000, 3),
        },
    )
    .await;
    let view = catalog::get(h.pool(), id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(view.variants.len(), 2);
    assert_eq!(view.min_price.map(|m| m.amount), Some(1250));
    assert_eq!(view.max_price.map(|m| m.amount), Some(2000));
    assert_eq!(view.total_available, 8);

    h.apply(
        id,
        ProductEvent::VariantPriceChanged {
            sku: "MUG-1".into(),
            old_price: usd(1250),
            new_price: usd(2500),
        },
    )
    .await;
    let view = catalog::get(h.pool(), id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(view.min_price.map(|m| m.amount), Some(2000));
    assert_eq!(view.max_price.map(|m| m.amount), Some(2500));
    assert_eq!(view.variants[0].price, MoneyView::new(2500, "USD"));
    assert_eq!(view.version, 3);
}

#[tokio::test]
async fn stock_events_move_on_hand_and_reserved_and_the_product_totals() {
    let mut h = harness().await;
    let id = create_product(&mut h, "Mug", 5).await;
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());

    h.apply(id, reserve(first, "MUG-1", 2)).await;
    assert_eq!(stock_of(&h, id, "MUG-1").await, (5, 2, 3));
    h.apply(id, reserve(second, "MUG-1", 3)).await;
    assert_eq!(stock_of(&h, id, "MUG-1").await, (5, 5, 0));
    assert_eq!(totals_of(&h, id).await, (0, false, 3));

    h.apply(
        id,
        ProductEvent::ReservationReleased {
            order_id: second,
            lines: vec![ReservationLine::new("MUG-1", 3)],
            reason: "cancelled".into(),
        },
    )
    .await;
    assert_eq!(stock_of(&h, id, "MUG-1").await, (5, 2, 3));
    assert_eq!(totals_of(&h, id).await, (3, true, 4));

    h.apply(
        id,
        ProductEvent::ReservationCommitted {
            order_id: first,
            lines: vec![ReservationLine::new("MUG-1", 2)],
        },
    )
    .await;
    assert_eq!(stock_of(&h, id, "MUG-1").await, (3, 0, 3));

    h.apply(
        id,
        ProductEvent::StockAdjusted {
            sku: "MUG-1".into(),
            adjustment: 9,
            reason: "delivery".into(),
            previous_on_hand: 3,
            on_hand: 12,
            available: 12,
        },
    )
    .await;
    assert_eq!(stock_of(&h, id, "MUG-1").await, (12, 0, 12));
    assert_eq!(totals_of(&h, id).await, (12, true, 6));
}

#[tokio::test]
async fn publish_archive_and_threshold_events_set_status_and_version() {
    let mut h = harness().await;
    let id = create_product(&mut h, "Mug", 5).await;
    let status = |h: &Harness| {
        let pool = h.pool().clone();
        async move {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT status, version FROM catalog_products WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("row")
        }
    };
    h.apply(id, ProductEvent::ProductPublished {}).await;
    assert_eq!(status(&h).await, ("active".into(), 2));
    let crossed = h
        .apply(
            id,
            ProductEvent::LowStockThresholdCrossed {
                sku: "MUG-1".into(),
                available: 2,
                threshold: 2,
            },
        )
        .await;
    assert_eq!(status(&h).await, ("active".into(), 3));
    let view = catalog::get(h.pool(), id)
        .await
        .expect("query")
        .expect("found");
    assert_eq!(view.updated_at, crossed.recorded_at);
    assert_eq!(
        view.total_available, 5,
        "the threshold event changes no stock"
    );
    h.apply(id, ProductEvent::ProductArchived {}).await;
    assert_eq!(status(&h).await, ("archived".into(), 4));
}

#[tokio::test]
async fn a_replay_waits_for_a_read_of_products_and_variants_instead_of_deadlocking() {
    let db = crate::helpers::TestDatabase::create().await;
    // A read in progress, as the search index's: the products first, then (in a subquery)
    // the variants.
    let mut read = db.pool.begin().await.expect("begin");
    sqlx::query("SELECT count(*) FROM catalog_products")
        .execute(&mut *read)
        .await
        .expect("products");
    let pool = db.pool.clone();
    let replay = tokio::spawn(async move {
        commerce_projections::replay::replay(&pool, &CatalogProjection).await
    });
    // Until the replay waits for a lock the read holds.
    let mut waiting = false;
    for _ in 0..100 {
        waiting = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                             WHERE NOT l.granted AND c.relname LIKE 'catalog_%')",
        )
        .fetch_one(&db.pool)
        .await
        .expect("locks");
        if waiting {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(waiting, "the replay waits for the read");
    // The read goes on to the variants: the replay holds none of the tables yet.
    sqlx::query("SELECT count(*) FROM catalog_variants")
        .execute(&mut *read)
        .await
        .expect("the read is not chosen as a deadlock victim");
    read.commit().await.expect("commit");
    replay.await.expect("joined").expect("the replay completes");
}
