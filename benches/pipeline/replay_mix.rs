//! A mixed history for the replay benchmark, written straight into the events table (no
//! commands, no relay): per unit one product (created with two variants, published, stock
//! adjusted — every fourth adjustment stored in its `1.0` shape —, reserved, committed,
//! repriced: 6 events), one cart (created, two items, a quantity change, an address, a
//! coupon, checked out: 7 events) and one order (placed, confirmed, paid, shipped,
//! delivered: 5 events).

use std::collections::BTreeMap;

use chrono::Utc;
use commerce_aggregates::cart::{CartEvent, CartLine};
use commerce_aggregates::order::{OrderEvent, OrderLine, OrderTotals, ShippingPolicy};
use commerce_aggregates::product::{NewVariant, ProductDetails, ProductEvent, ReservationLine};
use commerce_aggregates::{Address, Currency, Money, Role};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Events per unit: product, cart, order.
pub const EVENTS_PER_UNIT: i64 = 18;

struct Row {
    aggregate_type: &'static str,
    aggregate_id: String,
    sequence: i64,
    event_type: String,
    event_version: String,
    payload: String,
}

fn usd(minor: i64) -> anyhow::Result<Money> {
    Ok(Money::new(minor, Currency::parse("USD")?))
}

fn push<E: serde::Serialize>(
    rows: &mut Vec<Row>,
    aggregate_type: &'static str,
    id: Uuid,
    (event_type, version): (&str, &str),
    event: &E,
) -> anyhow::Result<()> {
    let sequence = rows
        .iter()
        .rev()
        .take_while(|r| r.aggregate_id == id.to_string())
        .count() as i64
        + 1;
    rows.push(Row {
        aggregate_type,
        aggregate_id: id.to_string(),
        sequence,
        event_type: event_type.into(),
        event_version: version.into(),
        payload: serde_json::to_string(event)?,
    });
    Ok(())
}

fn address() -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "1 Loop Road".into(),
        line2: None,
        city: "Springfield".into(),
        postal_code: "12345".into(),
        country: "US".into(),
    }
}

fn product(rows: &mut Vec<Row>, n: i64) -> anyhow::Result<(Uuid, String, i64)> {
    let id = Uuid::new_v4();
    let sku = format!("SKU-{n}-A");
    let variant = |sku: String, price| -> anyhow::Result<NewVariant> {
        Ok(NewVariant {
            sku,
            options: BTreeMap::from([("size".into(), "m".into())]),
            price: usd(price)?,
            stock: 50,
        })
    };
    let created = ProductEvent::ProductCreated {
        product_id: id,
        details: ProductDetails {
            name: format!("Product {n}"),
            description: "A thing people buy, described at some length for the search index."
                .into(),
            category: "kitchen".into(),
            tags: vec!["gift".into(), format!("t{}", n % 50)],
            images: vec![format!("https://img.example/{n}.png")],
        },
        low_stock_threshold: 3,
        variants: vec![
            variant(sku.clone(), 1200)?,
            variant(format!("SKU-{n}-B"), 1500)?,
        ],
        store: "default".into(),
    };
    push(rows, "product", id, ("ProductCreated", "1.1"), &created)?;
    push(
        rows,
        "product",
        id,
        ("ProductPublished", "1.0"),
        &ProductEvent::ProductPublished {},
    )?;
    if n % 4 == 0 {
        let old = json!({"StockAdjusted": {
            "sku": sku, "adjustment": 5, "reason": "delivery", "on_hand": 55, "available": 55
        }});
        push(rows, "product", id, ("StockAdjusted", "1.0"), &old)?;
    } else {
        let adjusted = ProductEvent::StockAdjusted {
            sku: sku.clone(),
            adjustment: 5,
            reason: "delivery".into(),
            previous_on_hand: 50,
            on_hand: 55,
            available: 55,
        };
        push(rows, "product", id, ("StockAdjusted", "2.0"), &adjusted)?;
    }
    let order_id = Uuid::new_v4();
    let lines = vec![ReservationLine::new(sku.clone(), 2)];
    let reserved = ProductEvent::StockReserved {
        order_id,
        lines: lines.clone(),
    };
    push(rows, "product", id, ("StockReserved", "1.0"), &reserved)?;
    let committed = ProductEvent::ReservationCommitted { order_id, lines };
    push(
        rows,
        "product",
        id,
        ("ReservationCommitted", "1.0"),
        &committed,
    )?;
    let repriced = ProductEvent::VariantPriceChanged {
        sku: format!("SKU-{n}-B"),
        old_price: usd(1500)?,
        new_price: usd(1400)?,
    };
    push(
        rows,
        "product",
        id,
        ("VariantPriceChanged", "1.0"),
        &repriced,
    )?;
    Ok((id, sku, 1200))
}

fn cart(rows: &mut Vec<Row>, product: (Uuid, String, i64), order_id: Uuid) -> anyhow::Result<()> {
    let id = Uuid::new_v4();
    let (product_id, sku, price) = product;
    let created = CartEvent::CartCreated {
        cart_id: id,
        owner: Uuid::new_v4().into(),
        currency: Currency::parse("USD")?,
        store: "default".into(),
    };
    push(rows, "cart", id, ("CartCreated", "1.1"), &created)?;
    for (sku, quantity) in [(sku.clone(), 1), (format!("{sku}-X"), 2)] {
        let added = CartEvent::ItemAdded {
            product_id,
            sku,
            quantity,
            unit_price: usd(price)?,
        };
        push(rows, "cart", id, ("ItemAdded", "1.0"), &added)?;
    }
    let changed = CartEvent::ItemQuantityChanged {
        sku: sku.clone(),
        quantity: 3,
    };
    push(rows, "cart", id, ("ItemQuantityChanged", "1.0"), &changed)?;
    let address_set = CartEvent::ShippingAddressSet { address: address() };
    push(
        rows,
        "cart",
        id,
        ("ShippingAddressSet", "1.0"),
        &address_set,
    )?;
    let coupon = CartEvent::CouponApplied {
        code: "SPRING".into(),
    };
    push(rows, "cart", id, ("CouponApplied", "1.0"), &coupon)?;
    let checked_out = CartEvent::CartCheckedOut {
        order_id,
        lines: vec![CartLine {
            product_id,
            sku,
            quantity: 3,
            unit_price: usd(price)?,
        }],
        coupon_code: Some("SPRING".into()),
        shipping_address: address(),
    };
    push(rows, "cart", id, ("CartCheckedOut", "1.0"), &checked_out)
}

fn order(rows: &mut Vec<Row>, product_id: Uuid, id: Uuid) -> anyhow::Result<()> {
    let now = Utc::now();
    let placed = OrderEvent::OrderPlaced {
        order_id: id,
        cart_id: Uuid::new_v4(),
        customer_id: Some(Uuid::new_v4()),
        guest_email: None,
        customer_role: Role::Customer,
        lines: vec![OrderLine {
            product_id,
            sku: "SKU-A".into(),
            name: "Product".into(),
            quantity: 3,
            unit_price: usd(1200)?,
            line_total: usd(3600)?,
            discount: usd(0)?,
            tax: usd(288)?,
            total: usd(3888)?,
        }],
        coupon: None,
        shipping_address: address(),
        shipping_policy: ShippingPolicy {
            flat_rate: usd(499)?,
            free_above: None,
        },
        tax_rate_bps: 800,
        totals: OrderTotals {
            subtotal: usd(3600)?,
            discount: usd(0)?,
            shipping: usd(499)?,
            tax: usd(288)?,
            total: usd(4387)?,
        },
        placed_at: now,
        store: "default".into(),
    };
    push(rows, "order", id, ("OrderPlaced", "1.1"), &placed)?;
    let events = [
        OrderEvent::OrderConfirmed {
            payment_due_by: now,
        },
        OrderEvent::OrderPaid {
            provider: "test".into(),
            payment_reference: format!("pay-{id}"),
            amount: usd(4387)?,
            paid_at: now,
        },
        OrderEvent::OrderShipped {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            shipped_at: now,
        },
        OrderEvent::OrderDelivered { delivered_at: now },
    ];
    for event in &events {
        let name = serde_json::to_value(event)?
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_default();
        push(rows, "order", id, (&name, "1.0"), event)?;
    }
    Ok(())
}

/// Writes `units` units of history; returns the events written per aggregate type.
pub async fn insert(pool: &PgPool, units: i64) -> anyhow::Result<BTreeMap<&'static str, i64>> {
    let mut counts = BTreeMap::new();
    let mut start = 0;
    while start < units {
        let end = (start + 200).min(units);
        let mut rows = Vec::new();
        for n in start..end {
            let order_id = Uuid::new_v4();
            let product = product(&mut rows, n)?;
            let product_id = product.0;
            cart(&mut rows, product, order_id)?;
            order(&mut rows, product_id, order_id)?;
        }
        for row in &rows {
            *counts.entry(row.aggregate_type).or_insert(0) += 1;
        }
        let column = |f: fn(&Row) -> String| rows.iter().map(f).collect::<Vec<_>>();
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, \
             event_version, payload, metadata) \
             SELECT t, i, s, e, v, p::jsonb, $7 \
               FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], \
                           $6::text[]) AS r(t, i, s, e, v, p)",
        )
        .bind(column(|r| r.aggregate_type.to_string()))
        .bind(column(|r| r.aggregate_id.clone()))
        .bind(rows.iter().map(|r| r.sequence).collect::<Vec<_>>())
        .bind(column(|r| r.event_type.clone()))
        .bind(column(|r| r.event_version.clone()))
        .bind(column(|r| r.payload.clone()))
        .bind(
            json!({"actor_id": "bench", "actor_role": "system", "correlation_id": "b",
                     "causation_id": "b", "request_id": "b"}),
        )
        .execute(pool)
        .await?;
        start = end;
    }
    Ok(counts)
}
