//! Carts over several limited products whose SKUs overlap (some carts hold two of them, some
//! one) checked out at once: no product is oversold, every confirmed order holds the
//! reservations of all its lines, every other cart stays open, nothing deadlocks and nothing
//! answers 5xx.

use commerce::store::Loaded;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures_util::future::join_all;
use uuid::Uuid;

use super::{cart_is_open, check_out_all, start_engine, Shopper};
use crate::client::AddItem;
use crate::fixtures::{active_product, ready_cart};
use crate::pipeline::{projections_caught_up, wait_until};

/// Units of each product.
const STOCK: u32 = 10;
/// Carts checked out at once.
const CARTS: usize = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn carts_sharing_limited_products_never_oversell_and_never_split_an_order() {
    let engine = start_engine().await;
    let app = &engine.app;
    let admin = app.as_admin();
    let mut products = Vec::new();
    for name in ["A", "B", "C"] {
        let sku = format!("OVL-{name}-{}", Uuid::new_v4().simple());
        products.push((active_product(&admin, &sku, STOCK.into()).await, sku));
    }
    // Each cart's products, by index: one of them, or two (in either order of addition).
    let shapes: [&[usize]; 6] = [&[0], &[0, 1], &[1], &[2, 1], &[2], &[0, 2]];
    let carts: Vec<(Shopper, Vec<usize>)> = join_all((0..CARTS).map(|i| {
        let shape = shapes[i % shapes.len()];
        let products = &products;
        async move {
            let customer = app.as_customer();
            let (first, first_sku) = &products[shape[0]];
            let cart = ready_cart(&customer, first, first_sku, 1).await;
            for &index in &shape[1..] {
                let (product, sku) = &products[index];
                customer
                    .add_item(&cart, &AddItem::new(product, sku, 1))
                    .await
                    .command(200, 4);
            }
            (Shopper { customer, cart }, shape.to_vec())
        }
    }))
    .await;
    let (shoppers, shapes): (Vec<Shopper>, Vec<Vec<usize>>) = carts.into_iter().unzip();

    let (replies, _, elapsed) =
        tokio::time::timeout(Duration::from_secs(120), check_out_all(&shoppers))
            .await
            .expect("every checkout answered (no deadlock)");
    eprintln!("{CARTS} overlapping checkouts decided in {elapsed:.3?}");

    let mut confirmed: Vec<(Uuid, &Vec<usize>)> = Vec::new();
    for ((reply, shopper), shape) in replies.iter().zip(&shoppers).zip(&shapes) {
        match reply.status.as_u16() {
            201 => {
                assert_eq!(reply.body["status"], "confirmed", "{}", reply.text);
                let id = reply.body["id"].as_str().expect("order id");
                confirmed.push((id.parse().expect("uuid"), shape));
            }
            409 => {
                reply.problem(409, "out_of_stock");
                let named = shape
                    .iter()
                    .any(|&i| reply.text.contains(products[i].1.as_str()));
                assert!(
                    named,
                    "the refusal names one of the cart's SKUs: {}",
                    reply.text
                );
                assert!(cart_is_open(app, &shopper.cart).await, "refused, closed");
            }
            _ => panic!("unexpected answer {}", reply.text),
        }
    }

    let mut wanted: HashMap<usize, u32> = HashMap::new();
    for (_, shape) in &confirmed {
        for &index in shape.iter() {
            *wanted.entry(index).or_default() += 1;
        }
    }
    for (index, (product, sku)) in products.iter().enumerate() {
        let Loaded { aggregate, .. } = app.stores.products.load(product).await.expect("product");
        let variant = aggregate.variant(sku).expect("variant");
        let sold = wanted.get(&index).copied().unwrap_or(0);
        assert_eq!(
            variant.reserved, sold,
            "{sku}: reserved vs confirmed orders"
        );
        assert!(variant.reserved <= STOCK, "{sku} oversold");
        // Each product has more single-product carts than units: it sells out.
        assert_eq!(variant.available(), 0, "{sku} left unsold");
        for (order, shape) in &confirmed {
            assert_eq!(
                aggregate.reservation(*order).is_some(),
                shape.contains(&index),
                "order {order} and its reservation of {sku}"
            );
        }
    }

    let pool = app.db.pool.clone();
    wait_until("projections caught up", Duration::from_secs(60), || {
        projections_caught_up(&pool)
    })
    .await;
    let shown: BTreeMap<String, i64> =
        sqlx::query_as("SELECT sku, available FROM catalog_variants WHERE sku LIKE 'OVL-%'")
            .fetch_all(&app.db.pool)
            .await
            .expect("catalog variants")
            .into_iter()
            .collect();
    assert_eq!(shown.len(), 3);
    assert!(shown.values().all(|&available| available == 0), "{shown:?}");
    let orders: i64 =
        sqlx::query_scalar("SELECT count(*) FROM order_views WHERE status = 'confirmed'")
            .fetch_one(&app.db.pool)
            .await
            .expect("order views");
    assert_eq!(orders as usize, confirmed.len());
}
