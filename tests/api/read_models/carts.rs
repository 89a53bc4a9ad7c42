//! Cart projection: what each cart event writes to `cart_views` and `cart_lines`, and
//! `carts::get`.

use std::sync::Arc;

use commerce_aggregates::cart::{CartEvent, CartLine};
use commerce_aggregates::Currency;
use commerce_projections::read_models::carts::{self, CartProjection, CartView};
use commerce_projections::read_models::MoneyView;
use uuid::Uuid;

use super::{start, Harness};
use crate::fixtures::{address, usd};

/// Opens a USD cart for `customer_id`; returns its id.
pub async fn create_cart(h: &mut Harness, customer_id: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    h.apply(
        id,
        CartEvent::CartCreated {
            cart_id: id,
            owner: customer_id.into(),
            currency: Currency::parse("USD").expect("valid"),
            store: "default".into(),
        },
    )
    .await;
    id
}

/// Adds `quantity` of `sku` at `price` minor units.
pub async fn add_item(
    h: &mut Harness,
    cart: Uuid,
    product_id: Uuid,
    sku: &str,
    quantity: u32,
    price: i64,
) {
    h.apply(
        cart,
        CartEvent::ItemAdded {
            product_id,
            sku: sku.into(),
            quantity,
            unit_price: usd(price),
        },
    )
    .await;
}

async fn harness() -> Harness {
    Harness::new(vec![Arc::new(CartProjection)]).await
}

async fn view(h: &Harness, id: Uuid) -> CartView {
    carts::get(h.pool(), id)
        .await
        .expect("query")
        .expect("cart exists")
}

fn skus(cart: &CartView) -> Vec<(&str, i64)> {
    cart.lines
        .iter()
        .map(|l| (l.sku.as_str(), l.quantity))
        .collect()
}

#[tokio::test]
async fn created_cart_is_open_and_empty() {
    let mut h = harness().await;
    let customer = Uuid::new_v4();
    let id = create_cart(&mut h, customer).await;
    let cart = view(&h, id).await;
    assert_eq!(cart.customer_id, Some(customer));
    assert_eq!(
        (cart.status.as_str(), cart.currency.as_str()),
        ("open", "USD")
    );
    assert_eq!((cart.item_count, cart.line_count), (0, 0));
    assert_eq!(cart.subtotal, MoneyView::new(0, "USD"));
    assert!(cart.lines.is_empty() && cart.coupon_code.is_none() && cart.order_id.is_none());
    assert_eq!(
        (cart.created_at, cart.updated_at, cart.version),
        (start(), start(), 1)
    );
    assert!(carts::get(h.pool(), Uuid::new_v4())
        .await
        .expect("query")
        .is_none());
}

#[tokio::test]
async fn line_events_keep_lines_in_insertion_order_and_totals_right() {
    let mut h = harness().await;
    let id = create_cart(&mut h, Uuid::new_v4()).await;
    let product = Uuid::new_v4();
    add_item(&mut h, id, product, "MUG", 2, 1250).await;
    add_item(&mut h, id, product, "CUP", 1, 800).await;
    add_item(&mut h, id, product, "ANT", 3, 100).await;
    let cart = view(&h, id).await;
    assert_eq!(skus(&cart), [("MUG", 2), ("CUP", 1), ("ANT", 3)]);
    assert_eq!(cart.lines[0].unit_price, MoneyView::new(1250, "USD"));
    assert_eq!(cart.lines[0].line_total, MoneyView::new(2500, "USD"));
    assert_eq!(cart.lines[0].product_id, product);
    assert_eq!((cart.item_count, cart.line_count), (6, 3));
    assert_eq!(cart.subtotal.amount, 2500 + 800 + 300);

    h.apply(
        id,
        CartEvent::ItemQuantityChanged {
            sku: "CUP".into(),
            quantity: 4,
        },
    )
    .await;
    let cart = view(&h, id).await;
    assert_eq!(cart.lines[1].line_total.amount, 3200);
    assert_eq!(
        (cart.item_count, cart.subtotal.amount),
        (9, 2500 + 3200 + 300)
    );

    h.apply(id, CartEvent::ItemRemoved { sku: "MUG".into() })
        .await;
    add_item(&mut h, id, product, "MUG", 1, 1250).await;
    let cart = view(&h, id).await;
    assert_eq!(skus(&cart), [("CUP", 4), ("ANT", 3), ("MUG", 1)]);
    assert_eq!((cart.item_count, cart.line_count), (8, 3));
    assert_eq!(cart.subtotal.amount, 3200 + 300 + 1250);
    assert_eq!(cart.version, 7);
}

#[tokio::test]
async fn coupon_address_and_checkout_are_recorded() {
    let mut h = harness().await;
    let id = create_cart(&mut h, Uuid::new_v4()).await;
    let product = Uuid::new_v4();
    add_item(&mut h, id, product, "MUG", 1, 1250).await;
    h.apply(
        id,
        CartEvent::CouponApplied {
            code: "WELCOME".into(),
        },
    )
    .await;
    assert_eq!(view(&h, id).await.coupon_code.as_deref(), Some("WELCOME"));
    h.apply(
        id,
        CartEvent::CouponRemoved {
            code: "WELCOME".into(),
        },
    )
    .await;
    assert_eq!(view(&h, id).await.coupon_code, None);
    h.apply(id, CartEvent::ShippingAddressSet { address: address() })
        .await;
    let cart = view(&h, id).await;
    assert_eq!(cart.shipping_address, Some(address()));
    assert_eq!(cart.status, "open");

    let order_id = Uuid::new_v4();
    let checked_out = h
        .apply(
            id,
            CartEvent::CartCheckedOut {
                order_id,
                lines: vec![CartLine {
                    product_id: product,
                    sku: "MUG".into(),
                    quantity: 1,
                    unit_price: usd(1250),
                }],
                coupon_code: Some("SPRING".into()),
                shipping_address: address(),
            },
        )
        .await;
    let cart = view(&h, id).await;
    assert_eq!(cart.status, "checked_out");
    assert_eq!(cart.order_id, Some(order_id));
    assert_eq!(cart.coupon_code.as_deref(), Some("SPRING"));
    assert_eq!(cart.subtotal.amount, 1250);
    assert_eq!(
        (cart.version, cart.updated_at),
        (6, checked_out.recorded_at)
    );
    assert_eq!(cart.created_at, start());
}

#[tokio::test]
async fn abandoned_cart_is_closed() {
    let mut h = harness().await;
    let id = create_cart(&mut h, Uuid::new_v4()).await;
    add_item(&mut h, id, Uuid::new_v4(), "MUG", 1, 1250).await;
    h.apply(id, CartEvent::CartAbandoned {}).await;
    let cart = view(&h, id).await;
    assert_eq!(cart.status, "abandoned");
    assert_eq!(cart.order_id, None);
    assert_eq!((cart.version, cart.item_count), (3, 1));
}

/// The batch path (`apply_many`: the added lines of many events in one statement, one
/// recount per cart; analytics' added SKUs in one statement) leaves the very rows that
/// applying the events one by one leaves, including a SKU added twice in one batch, removed
/// and added again, and line changes between additions.
#[tokio::test]
async fn a_batch_writes_the_rows_event_by_event_writes() {
    let mut h = Harness::new(vec![
        Arc::new(CartProjection),
        Arc::new(commerce_projections::read_models::analytics::AnalyticsProjection),
    ])
    .await;
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let product = Uuid::new_v4();
    let created = |cart| CartEvent::CartCreated {
        cart_id: cart,
        owner: Uuid::new_v4().into(),
        currency: Currency::parse("USD").expect("valid"),
        store: "default".into(),
    };
    let added = |sku: &str, quantity, price| CartEvent::ItemAdded {
        product_id: product,
        sku: sku.into(),
        quantity,
        unit_price: usd(price),
    };
    let mut batch = Vec::new();
    for event in [
        created(first),
        added("MUG", 1, 900),
        added("CAP", 2, 1_500),
        added("MUG", 3, 900),
        CartEvent::ItemQuantityChanged {
            sku: "CAP".into(),
            quantity: 5,
        },
        added("PEN", 1, 250),
        CartEvent::ItemRemoved { sku: "MUG".into() },
        CartEvent::ShippingAddressSet { address: address() },
        added("MUG", 1, 900),
        added("PEN", 2, 250),
    ] {
        batch.push(h.envelope(&first.to_string(), &event));
    }
    for event in [
        created(second),
        added("MUG", 2, 900),
        CartEvent::CouponApplied {
            code: "SPRING".into(),
        },
    ] {
        batch.push(h.envelope(&second.to_string(), &event));
    }
    h.apply_together(batch).await;

    let cart = view(&h, first).await;
    assert_eq!(skus(&cart), vec![("CAP", 5), ("MUG", 1), ("PEN", 2)]);
    assert_eq!(
        (cart.item_count, cart.subtotal.amount, cart.version),
        (8, 8_900, 10)
    );
    assert!(cart.shipping_address.is_some());
    let other = view(&h, second).await;
    assert_eq!((other.item_count, other.version), (2, 3));
    assert_eq!(other.coupon_code.as_deref(), Some("SPRING"));

    // Analytics: the SKUs ever added, first occurrence order, the removed one added again.
    let analytics: (Vec<String>, i64) =
        sqlx::query_as("SELECT skus, version FROM analytics_carts WHERE cart_id = $1")
            .bind(first)
            .fetch_one(h.pool())
            .await
            .expect("analytics row");
    assert_eq!(
        analytics,
        (vec!["CAP".to_string(), "PEN".into(), "MUG".into()], 10)
    );

    let batched = h.snapshot().await;
    h.replay().await;
    assert_eq!(h.snapshot().await, batched);
}

/// A batch that only adds lines to carts already holding some moves their counts and
/// subtotal by what it adds (no recount); a history that adds a SKU the cart already holds
/// replaces the line and recounts. Either way the rows are those the events one by one leave.
#[tokio::test]
async fn lines_added_in_a_batch_move_the_counts_of_carts_with_lines() {
    let mut h = harness().await;
    let (first, second) = (
        create_cart(&mut h, Uuid::new_v4()).await,
        create_cart(&mut h, Uuid::new_v4()).await,
    );
    let product = Uuid::new_v4();
    add_item(&mut h, first, product, "MUG", 1, 1_250).await;
    add_item(&mut h, second, product, "CAP", 2, 1_500).await;
    let added = |sku: &str, quantity, price| CartEvent::ItemAdded {
        product_id: product,
        sku: sku.into(),
        quantity,
        unit_price: usd(price),
    };

    let mut batch = vec![
        h.envelope(&first.to_string(), &added("PEN", 2, 250)),
        h.envelope(&first.to_string(), &added("CUP", 1, 800)),
        h.envelope(&second.to_string(), &added("MUG", 3, 900)),
    ];
    let coupon = CartEvent::CouponApplied {
        code: "SPRING".into(),
    };
    batch.push(h.envelope(&second.to_string(), &coupon));
    h.apply_together(batch).await;
    let cart = view(&h, first).await;
    assert_eq!(skus(&cart), [("MUG", 1), ("PEN", 2), ("CUP", 1)]);
    assert_eq!(
        (cart.item_count, cart.line_count, cart.subtotal.amount),
        (4, 3, 1_250 + 500 + 800)
    );
    assert_eq!(cart.version, 4);
    let other = view(&h, second).await;
    assert_eq!(
        (other.item_count, other.line_count, other.subtotal.amount),
        (5, 2, 3_000 + 2_700)
    );
    assert_eq!(
        (other.version, other.coupon_code.as_deref()),
        (4, Some("SPRING"))
    );

    // PEN again: the line is replaced, not added to the counts a second time.
    let batch = vec![
        h.envelope(&first.to_string(), &added("PEN", 5, 250)),
        h.envelope(&first.to_string(), &added("ANT", 1, 100)),
    ];
    h.apply_together(batch).await;
    let cart = view(&h, first).await;
    assert_eq!(
        skus(&cart),
        [("MUG", 1), ("CUP", 1), ("PEN", 5), ("ANT", 1)]
    );
    assert_eq!(
        (cart.item_count, cart.line_count, cart.subtotal.amount),
        (8, 4, 1_250 + 800 + 1_250 + 100)
    );
    assert_eq!(cart.version, 6);

    let batched = h.snapshot().await;
    h.replay().await;
    assert_eq!(h.snapshot().await, batched);
}
