//! The fast replay (an in-memory fold per aggregate written with `COPY`) rebuilds exactly what
//! the live consumers built and what the per-event replay rebuilds — rows and positions —
//! over a history with every event type of the catalog, carts, orders, coupons and
//! inventory projections,
//! including a `StockAdjusted` stored in its `1.0` shape, and with pages small enough to
//! split aggregates between pages.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use commerce::app::Roles;
use commerce::config::PricingSettings;
use commerce::store::{CommandMetadata, Loaded, Stores};
use commerce::usecases::checkout::{check_out, CheckOut, CheckoutSettings};
use commerce::usecases::guest::CartHolder;
use commerce::usecases::Caller;
use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::coupon::CouponCommand;
use commerce_aggregates::order::{OrderCommand, OrderStatus, RefundScope, ReturnLine};
use commerce_aggregates::product::{NewVariant, ProductCommand};
use commerce_aggregates::{Address, Currency, Discount, Role};
use commerce_projections::{read_models, replay};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{dump_read_models, projections_caught_up, start, wait_until, workload, PATIENCE};
use crate::fixtures::usd;
use crate::helpers::{admin_metadata, TestDatabase};
use crate::nats_server::NatsServer;

/// The refund of the refunded order in the replayed history.
const REFUND_ID: Uuid = Uuid::from_u128(0x4ef0);

/// The aggregates whose events the fast-path projections consume: the history holds every
/// event type of each (as the catalogue lists them).
const FAST_PATH_AGGREGATES: &[&str] = &["cart", "order", "coupon", "product"];

fn variant(sku: &str, price: i64, stock: u32) -> NewVariant {
    NewVariant {
        sku: sku.into(),
        options: BTreeMap::from([("finish".to_string(), "brass \"antique\"".to_string())]),
        price: usd(price),
        stock,
    }
}

fn create(id: Uuid, name: &str, variants: Vec<NewVariant>) -> ProductCommand {
    ProductCommand::CreateProduct {
        product_id: id,
        name: name.into(),
        // Text that COPY and array literals must escape.
        description: "Line one\nline \"two\"\twith a tab and a \\ backslash".into(),
        category: "lighting".into(),
        tags: vec![
            "Desk, lamp".into(),
            "say \"hi\"".into(),
            "back\\slash".into(),
        ],
        images: vec!["https://img.example/lamp.png".into()],
        variants,
        low_stock_threshold: Some(3),
        store: "default".into(),
        currency: commerce_aggregates::Currency::parse("USD").expect("a currency"),
    }
}

async fn products(
    stores: &Stores,
    meta: &CommandMetadata,
    id: Uuid,
    commands: Vec<ProductCommand>,
) {
    for command in commands {
        stores
            .products
            .execute(&id.to_string(), command, meta, None)
            .await
            .expect("product command");
    }
}

/// Checks out a cart of one lamp through the checkout use case; the confirmed order's id.
async fn confirmed_order(stores: &Stores, meta: &CommandMetadata, lamp: Uuid) -> String {
    let (cart, customer) = (Uuid::new_v4(), Uuid::new_v4());
    let address = Address {
        name: "Grace".into(),
        line1: "2 Loop Road".into(),
        line2: Some("Flat\t3".into()),
        city: "Springfield".into(),
        postal_code: "12345".into(),
        country: "US".into(),
    };
    for command in [
        CartCommand::CreateCart {
            cart_id: cart,
            owner: customer.into(),
            currency: Currency::parse("USD").expect("valid"),
            store: "default".into(),
        },
        CartCommand::AddItem {
            shopper: customer.into(),
            product_id: lamp,
            sku: "LAMP-A".into(),
            quantity: 1,
            unit_price: usd(3000),
            store: "default".into(),
        },
        CartCommand::SetShippingAddress {
            shopper: customer.into(),
            address,
        },
    ] {
        stores
            .carts
            .execute(&cart.to_string(), command, meta, None)
            .await
            .expect("cart command");
    }
    let settings = CheckoutSettings {
        pricing: PricingSettings {
            shipping_flat_rate: 499,
            free_shipping_from: None,
            tax_rate_bps: 750,
        },
        payment_timeout: std::time::Duration::from_secs(1800),
    };
    let input = CheckOut {
        cart_id: cart,
        holder: CartHolder::Customer(Caller {
            id: customer,
            role: Role::Customer,
        }),
        guest_email: None,
        expected_version: None,
    };
    let order = check_out(stores, &settings, &input, meta)
        .await
        .expect("checked out");
    assert_eq!(order.status, OrderStatus::Confirmed);
    order.order_id.to_string()
}

/// What the shared workload leaves out: a SKU added twice, a coupon removed, a variant
/// added, a tag linked and a free-text one unlinked, a low-stock crossing, a refund, an
/// expiry and a `StockAdjusted` in its `1.0` shape.
async fn extra_history(stores: &Stores, pool: &PgPool) {
    let meta = admin_metadata();
    let lamp = Uuid::new_v4();
    products(
        stores,
        &meta,
        lamp,
        vec![
            create(lamp, "Desk lamp", vec![variant("LAMP-A", 3000, 20)]),
            ProductCommand::PublishProduct,
            ProductCommand::AddVariant {
                variant: variant("LAMP-B", 3500, 5),
            },
            ProductCommand::AdjustStock {
                sku: "LAMP-B".into(),
                adjustment: -3,
                reason: "breakage".into(),
            },
            ProductCommand::LinkTag {
                slug: "brass".into(),
            },
            ProductCommand::UnlinkTag {
                slug: "desk-lamp".into(),
            },
        ],
    )
    .await;

    let old = Uuid::new_v4();
    products(
        stores,
        &meta,
        old,
        vec![create(old, "Old lamp", vec![variant("OLD-1", 900, 10)])],
    )
    .await;
    let stored_1_0 = json!({"StockAdjusted": {
        "sku": "OLD-1", "adjustment": 5, "reason": "delivery", "on_hand": 15, "available": 15
    }});
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata) VALUES ('product', $1, 2, 'StockAdjusted', '1.0', $2, \
         '{\"actor_id\":\"test\",\"actor_role\":\"admin\",\"correlation_id\":\"c\", \
           \"causation_id\":\"c\",\"request_id\":\"r\"}')",
    )
    .bind(old.to_string())
    .bind(&stored_1_0)
    .execute(pool)
    .await
    .expect("1.0 event stored");

    let (cart, customer) = (Uuid::new_v4(), Uuid::new_v4());
    let add = |quantity| CartCommand::AddItem {
        shopper: customer.into(),
        product_id: lamp,
        sku: "LAMP-A".into(),
        quantity,
        unit_price: usd(3000),
        store: "default".into(),
    };
    for command in [
        CartCommand::CreateCart {
            cart_id: cart,
            owner: customer.into(),
            currency: Currency::parse("USD").expect("valid"),
            store: "default".into(),
        },
        add(1),
        add(2),
        CartCommand::ApplyCoupon {
            shopper: customer.into(),
            code: "spring".into(),
        },
        CartCommand::RemoveCoupon {
            shopper: customer.into(),
        },
    ] {
        stores
            .carts
            .execute(&cart.to_string(), command, &meta, None)
            .await
            .expect("cart command");
    }

    coupon_history(stores, &meta).await;
    let refunded = confirmed_order(stores, &meta, lamp).await;
    let Loaded {
        aggregate: order, ..
    } = stores.orders.load(&refunded).await.expect("order loads");
    let total = order.totals().expect("totals").total;
    let now = Utc::now();
    for command in [
        OrderCommand::RecordPayment {
            provider: "test".into(),
            payment_reference: "pay-refund".into(),
            amount: total,
            at: now,
        },
        // A refund the provider refuses, one of part of the total, then the rest.
        OrderCommand::RequestRefund {
            refund_id: Uuid::from_u128(1),
            scope: RefundScope::Amount(usd(300)),
            reason: "scratched".into(),
            at: now,
        },
        OrderCommand::FailRefund {
            refund_id: Uuid::from_u128(1),
            reason: "insufficient balance".into(),
            at: now,
        },
        OrderCommand::RequestRefund {
            refund_id: Uuid::from_u128(2),
            scope: RefundScope::Amount(usd(300)),
            reason: "scratched".into(),
            at: now,
        },
        OrderCommand::CompleteRefund {
            refund_id: Uuid::from_u128(2),
            provider_reference: "re_0".into(),
            at: now,
        },
        OrderCommand::RequestRefund {
            refund_id: REFUND_ID,
            scope: RefundScope::Remaining,
            reason: "damaged in transit".into(),
            at: now,
        },
        OrderCommand::CompleteRefund {
            refund_id: REFUND_ID,
            provider_reference: "re_1".into(),
            at: now,
        },
    ] {
        stores
            .orders
            .execute(&refunded, command, &meta, None)
            .await
            .expect("order command");
    }
    returned_order(stores, &meta, lamp).await;
    let expired = confirmed_order(stores, &meta, lamp).await;
    stores
        .orders
        .execute(
            &expired,
            OrderCommand::ExpireOrder {
                at: now + Duration::days(1),
            },
            &meta,
            None,
        )
        .await
        .expect("expired");
}

/// A delivered order with a rejected return and a received one.
async fn returned_order(stores: &Stores, meta: &CommandMetadata, lamp: Uuid) {
    let order = confirmed_order(stores, meta, lamp).await;
    let Loaded {
        aggregate: placed, ..
    } = stores.orders.load(&order).await.expect("order loads");
    let total = placed.totals().expect("totals").total;
    let sku = placed.lines()[0].sku.clone();
    let now = Utc::now();
    let lines = vec![ReturnLine { sku, quantity: 1 }];
    let (rejected, received) = (Uuid::from_u128(3), Uuid::from_u128(4));
    for command in [
        OrderCommand::RecordPayment {
            provider: "test".into(),
            payment_reference: "pay-return".into(),
            amount: total,
            at: now,
        },
        OrderCommand::ShipOrder {
            carrier: "DHL".into(),
            tracking_number: "JD9".into(),
            at: now,
        },
        OrderCommand::DeliverOrder { at: now },
        OrderCommand::RequestReturn {
            return_id: rejected,
            lines: lines.clone(),
            reason: "wrong size".into(),
            window_days: 30,
            at: now,
        },
        OrderCommand::RejectReturn {
            return_id: rejected,
            reason: "worn".into(),
            at: now,
        },
        OrderCommand::RequestReturn {
            return_id: received,
            lines,
            reason: "wrong size".into(),
            window_days: 30,
            at: now,
        },
        OrderCommand::ApproveReturn {
            return_id: received,
            at: now,
        },
        OrderCommand::ReceiveReturn {
            return_id: received,
            restock: false,
            at: now,
        },
    ] {
        stores
            .orders
            .execute(&order, command, meta, None)
            .await
            .expect("order command");
    }
}

/// A coupon redeemed twice, one redemption released, its terms updated, then deactivated.
async fn coupon_history(stores: &Stores, meta: &CommandMetadata) {
    let code = "EXTRA-5";
    let now = Utc::now();
    let redeem = |order_id| CouponCommand::RedeemCoupon {
        order_id,
        customer_id: Uuid::new_v4(),
        customer_role: Role::Customer,
        subtotal: usd(4000),
        at: now,
    };
    let first = Uuid::new_v4();
    for command in [
        CouponCommand::CreateCoupon {
            code: code.into(),
            discount: Discount::Fixed(usd(500)),
            min_subtotal: None,
            starts_at: None,
            expires_at: Some(now + Duration::days(7)),
            eligible_roles: vec![Role::Customer, Role::Prime],
            max_redemptions: Some(10),
            max_per_customer: None,
        },
        redeem(first),
        redeem(Uuid::new_v4()),
        CouponCommand::ReleaseRedemption {
            order_id: first,
            reason: "order_cancelled".into(),
        },
        CouponCommand::UpdateCoupon {
            discount: Some(Discount::Percent(15)),
            min_subtotal: Some(Some(usd(1000))),
            starts_at: None,
            expires_at: Some(None),
            eligible_roles: Some(vec![]),
            max_redemptions: None,
            max_per_customer: Some(Some(1)),
        },
        CouponCommand::DeactivateCoupon,
    ] {
        stores
            .coupons
            .execute(code, command, meta, None)
            .await
            .expect("coupon command");
    }
}

/// Every projection's `projection_positions` rows for the aggregates it consumes, sorted
/// (a live consumer of several aggregate types also records the events it skips).
async fn all_positions(pool: &PgPool) -> BTreeMap<String, Vec<(String, String, i64)>> {
    let mut out = BTreeMap::new();
    for projection in read_models::all(Default::default()) {
        let types: Vec<String> = projection
            .aggregate_types()
            .iter()
            .map(|t| t.to_string())
            .collect();
        let rows = sqlx::query_as(
            "SELECT aggregate_type, aggregate_id, last_sequence FROM projection_positions \
             WHERE projection = $1 AND aggregate_type = ANY($2) ORDER BY 1, 2",
        )
        .bind(projection.name())
        .bind(&types)
        .fetch_all(pool)
        .await
        .expect("positions");
        out.insert(projection.name().to_string(), rows);
    }
    out
}

/// Removes some positions, moves others and adds one of an aggregate that has no events, for
/// every projection.
/// Every index of the database's tables and its definition.
async fn all_indexes(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT indexrelname::text, pg_get_indexdef(indexrelid) FROM pg_stat_user_indexes \
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .expect("indexes")
}

async fn scramble_positions(pool: &PgPool) {
    for statement in [
        "DELETE FROM projection_positions WHERE aggregate_id IN \
         (SELECT DISTINCT aggregate_id FROM projection_positions ORDER BY 1 LIMIT 4)",
        "UPDATE projection_positions SET last_sequence = last_sequence + 7 WHERE aggregate_id IN \
         (SELECT DISTINCT aggregate_id FROM projection_positions ORDER BY 1 DESC LIMIT 4)",
        "INSERT INTO projection_positions (projection, aggregate_type, aggregate_id, last_sequence) \
         SELECT DISTINCT projection, aggregate_type, 'no-such-aggregate', 3 \
         FROM projection_positions",
    ] {
        sqlx::query(statement)
            .execute(pool)
            .await
            .expect("positions scrambled");
    }
}

async fn assert_every_event_type_stored(pool: &PgPool) {
    let catalogue = crate::events::asyncapi::CATALOGUE
        .iter()
        .filter(|(aggregate, _)| FAST_PATH_AGGREGATES.contains(aggregate));
    assert_eq!(catalogue.clone().count(), FAST_PATH_AGGREGATES.len());
    for (aggregate, types) in catalogue {
        let stored: BTreeSet<String> =
            sqlx::query_scalar("SELECT DISTINCT event_type FROM events WHERE aggregate_type = $1")
                .bind(aggregate)
                .fetch_all(pool)
                .await
                .expect("event types")
                .into_iter()
                .collect();
        let expected: BTreeSet<String> = types.iter().map(|t| t.to_string()).collect();
        assert_eq!(stored, expected, "{aggregate} event types in the history");
    }
    let old: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'StockAdjusted' AND event_version = '1.0'",
    )
    .fetch_one(pool)
    .await
    .expect("count");
    assert_eq!(old, 1, "one StockAdjusted stored as 1.0");
}

#[tokio::test]
async fn fast_replay_rebuilds_what_the_live_consumers_and_the_per_event_replay_build() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let running = start(&db, &nats.url(), Roles::PIPELINE).await;
    workload::run(&running.state.stores, 1).await;
    extra_history(&running.state.stores, &db.pool).await;
    workload::run(&running.state.stores, 2).await;
    wait_until("projections caught up", PATIENCE, || {
        projections_caught_up(&db.pool)
    })
    .await;
    running.stop().await;
    assert_every_event_type_stored(&db.pool).await;

    let live = dump_read_models(&db.pool).await;
    let live_positions = all_positions(&db.pool).await;
    let indexes = all_indexes(&db.pool).await;
    assert!(
        indexes
            .iter()
            .any(|(name, _)| name == "catalog_products_search"),
        "{indexes:?}"
    );
    let projections = read_models::all(Default::default());
    let fast: Vec<&str> = projections
        .iter()
        .filter(|p| p.rebuild().is_some())
        .map(|p| p.name())
        .collect();
    assert_eq!(
        fast,
        ["catalog", "carts", "orders", "coupons", "inventory"],
        "projections with a fast path"
    );

    // Fast (where there is one), then per event, then fast again in tiny pages that split
    // aggregates and over positions gone wrong: each time the very rows the live consumers
    // built, and the same positions.
    for (how, page) in [
        ("fast", None),
        ("per event", None),
        ("fast, pages of 3", Some(3)),
    ] {
        if page.is_some() {
            scramble_positions(&db.pool).await;
        }
        let mut replayed = 0;
        for projection in &projections {
            replayed += match (how, page) {
                ("per event", _) => replay::replay_per_event(&db.pool, projection.as_ref()).await,
                (_, Some(page)) => {
                    replay::replay_in_pages(&db.pool, projection.as_ref(), page).await
                }
                _ => replay::replay(&db.pool, projection.as_ref()).await,
            }
            .expect("replay succeeds");
        }
        assert!(replayed > 100, "{how}: {replayed} events replayed");
        let rebuilt = dump_read_models(&db.pool).await;
        for (table, rows) in &live {
            assert!(!rows.is_empty(), "the history fills {table}");
            assert_eq!(&rebuilt[table], rows, "{how}: {table} as built live");
        }
        assert_eq!(
            all_positions(&db.pool).await,
            live_positions,
            "{how}: positions"
        );
        // The fast path sets the secondary indexes aside while it writes.
        assert_eq!(all_indexes(&db.pool).await, indexes, "{how}: indexes");
    }
}
