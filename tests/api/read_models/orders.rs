//! Order projection: what each order event writes to `order_views` and `order_timeline`, and
//! `orders::get`, `orders::list`, `orders::timeline`.

use std::sync::Arc;

use chrono::Duration;
use commerce::store::Actor;
use commerce_aggregates::order::{
    AppliedCoupon, OrderEvent, OrderLine, OrderStatus, OrderTotals, RejectionReason, ShippingPolicy,
};
use commerce_aggregates::{Discount, Role};
use commerce_projections::read_models::orders::{
    self, CustomerMatch, IdPrefix, OrderProjection, OrderQuery, OrderSearch, OrderView,
};
use commerce_projections::read_models::MoneyView;
use uuid::Uuid;

use super::{start, Harness};
use crate::fixtures::{address, usd};

/// Places `order_id` for `customer_id`: 2 × 10.00 USD, 2.00 off with `coupon`, 5.00 shipping,
/// 20 % tax on the discounted line: total 26.60 (29.00 without a coupon).
pub async fn place_order(h: &mut Harness, order_id: Uuid, customer_id: Uuid, coupon: Option<&str>) {
    let discount = if coupon.is_some() { 200 } else { 0 };
    let tax = (2000 - discount) / 5;
    let line = OrderLine {
        product_id: Uuid::new_v4(),
        sku: "MUG-1".into(),
        name: "Mug".into(),
        quantity: 2,
        unit_price: usd(1000),
        line_total: usd(2000),
        discount: usd(discount),
        tax: usd(tax),
        total: usd(2000 - discount + tax),
    };
    h.apply(
        order_id,
        OrderEvent::OrderPlaced {
            order_id,
            cart_id: Uuid::new_v4(),
            customer_id: Some(customer_id),
            guest_email: None,
            customer_role: Role::Customer,
            lines: vec![line],
            coupon: coupon.map(|code| AppliedCoupon {
                code: code.into(),
                discount: Discount::Percent(10),
            }),
            shipping_address: address(),
            shipping_policy: ShippingPolicy {
                flat_rate: usd(500),
                free_above: None,
            },
            tax_rate_bps: 2000,
            totals: OrderTotals {
                subtotal: usd(2000),
                discount: usd(discount),
                shipping: usd(500),
                tax: usd(tax),
                total: usd(2000 - discount + 500 + tax),
            },
            placed_at: h.now,
            store: "default".into(),
        },
    )
    .await;
}

async fn harness() -> Harness {
    Harness::new(vec![Arc::new(OrderProjection)]).await
}

async fn view(h: &Harness, id: Uuid) -> OrderView {
    orders::get(h.pool(), id)
        .await
        .expect("query")
        .expect("order exists")
}

#[tokio::test]
async fn placed_order_has_its_totals_lines_and_first_timeline_entry() {
    let mut h = harness().await;
    let (id, customer) = (Uuid::new_v4(), Uuid::new_v4());
    place_order(&mut h, id, customer, Some("WELCOME")).await;

    let order = view(&h, id).await;
    assert_eq!(order.customer_id, Some(customer));
    assert_eq!(
        (order.status.as_str(), order.customer_role.as_str()),
        ("placed", "customer")
    );
    assert_eq!(order.subtotal, MoneyView::new(2000, "USD"));
    assert_eq!(order.discount, MoneyView::new(200, "USD"));
    assert_eq!(order.shipping, MoneyView::new(500, "USD"));
    assert_eq!(order.tax, MoneyView::new(360, "USD"));
    assert_eq!(order.total, MoneyView::new(2660, "USD"));
    assert_eq!(order.tax_rate_bps, 2000);
    assert_eq!(order.coupon_code.as_deref(), Some("WELCOME"));
    assert_eq!(order.shipping_address.city, "London");
    assert_eq!(order.lines[0].sku, "MUG-1");
    assert_eq!(order.lines[0].discount, MoneyView::new(200, "USD"));
    assert_eq!(order.lines[0].total.amount, 2160);
    assert_eq!(
        (order.placed_at, order.updated_at, order.version),
        (start(), start(), 1)
    );
    assert!(order.payment.is_none() && order.shipment.is_none() && order.refund.is_none());

    let timeline = orders::timeline(h.pool(), id).await.expect("timeline");
    assert_eq!(timeline.len(), 1);
    assert_eq!(
        (timeline[0].sequence, timeline[0].status.as_str()),
        (1, "placed")
    );
    assert_eq!(timeline[0].event_type, "OrderPlaced");
    assert_eq!(timeline[0].detail["total"]["amount"], 2660);
    assert_eq!(timeline[0].detail["coupon_code"], "WELCOME");
    assert_eq!(timeline[0].actor_role.as_deref(), Some("admin"));
    assert!(orders::get(h.pool(), Uuid::new_v4())
        .await
        .expect("query")
        .is_none());
}

#[tokio::test]
async fn happy_path_fills_payment_shipment_and_the_timeline() {
    let mut h = harness().await;
    let (id, customer) = (Uuid::new_v4(), Uuid::new_v4());
    h.actor = Actor::user(customer, Role::Customer);
    place_order(&mut h, id, customer, None).await;
    h.actor = Actor::system("checkout");
    let due = start() + Duration::minutes(30);
    h.apply(
        id,
        OrderEvent::OrderConfirmed {
            payment_due_by: due,
        },
    )
    .await;
    assert_eq!(view(&h, id).await.payment_due_by, Some(due));
    h.actor = Actor::user(customer, Role::Customer);
    h.apply(
        id,
        OrderEvent::OrderPaid {
            provider: "test".into(),
            payment_reference: "pay_123".into(),
            amount: usd(2900),
            paid_at: h.now,
        },
    )
    .await;
    let order = view(&h, id).await;
    let payment = order.payment.expect("payment");
    assert_eq!(payment.provider, "test");
    assert_eq!(payment.reference, "pay_123");
    assert_eq!(payment.amount.amount, 2900);
    h.actor = Actor::user(Uuid::new_v4(), Role::Admin);
    h.apply(
        id,
        OrderEvent::OrderShipped {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            shipped_at: h.now,
        },
    )
    .await;
    let delivered = h
        .apply(
            id,
            OrderEvent::OrderDelivered {
                delivered_at: h.now,
            },
        )
        .await;

    let order = view(&h, id).await;
    assert_eq!(order.status, "delivered");
    let shipment = order.shipment.expect("shipment");
    assert_eq!(shipment.carrier, "UPS");
    assert_eq!(shipment.tracking_number, "1Z999");
    assert!(shipment
        .delivered_at
        .is_some_and(|at| at >= shipment.shipped_at));
    assert_eq!(
        (order.version, order.updated_at),
        (5, delivered.recorded_at)
    );

    let timeline = orders::timeline(h.pool(), id).await.expect("timeline");
    let steps: Vec<_> = timeline
        .iter()
        .map(|e| (e.sequence, e.status.as_str(), e.event_type.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (1, "placed", "OrderPlaced"),
            (2, "confirmed", "OrderConfirmed"),
            (3, "paid", "OrderPaid"),
            (4, "shipped", "OrderShipped"),
            (5, "delivered", "OrderDelivered"),
        ]
    );
    let roles: Vec<_> = timeline.iter().map(|e| e.actor_role.as_deref()).collect();
    assert_eq!(
        roles,
        [
            Some("customer"),
            Some("system"),
            Some("customer"),
            Some("admin"),
            Some("admin")
        ]
    );
    assert_eq!(timeline[0].actor_id, Some(customer.to_string()));
    assert_eq!(timeline[3].detail["tracking_number"], "1Z999");
    assert!(timeline.windows(2).all(|w| w[0].at < w[1].at));
}

#[tokio::test]
async fn rejection_cancellation_refund_and_expiry_are_recorded() {
    let mut h = harness().await;
    let customer = Uuid::new_v4();

    let rejected = Uuid::new_v4();
    place_order(&mut h, rejected, customer, None).await;
    h.apply(
        rejected,
        OrderEvent::OrderRejected {
            reason: RejectionReason::OutOfStock {
                sku: "MUG-1".into(),
            },
        },
    )
    .await;
    let order = view(&h, rejected).await;
    assert_eq!(order.status, "rejected");
    let rejection = order.rejection.expect("rejection");
    assert_eq!(rejection.code, "out_of_stock");
    assert_eq!(rejection.sku.as_deref(), Some("MUG-1"));
    let timeline = orders::timeline(h.pool(), rejected)
        .await
        .expect("timeline");
    assert_eq!(timeline[1].detail["reason"]["out_of_stock"]["sku"], "MUG-1");

    let cancelled = Uuid::new_v4();
    place_order(&mut h, cancelled, customer, None).await;
    h.apply(
        cancelled,
        OrderEvent::OrderConfirmed {
            payment_due_by: h.now,
        },
    )
    .await;
    h.apply(
        cancelled,
        OrderEvent::OrderPaid {
            provider: "test".into(),
            payment_reference: "pay_9".into(),
            amount: usd(2900),
            paid_at: h.now,
        },
    )
    .await;
    h.apply(
        cancelled,
        OrderEvent::OrderCancelled {
            reason: "changed my mind".into(),
            refund: Some(usd(2900)),
            by: Role::Customer,
            cancelled_at: h.now,
            refund_id: None,
        },
    )
    .await;
    let order = view(&h, cancelled).await;
    assert_eq!(order.status, "cancelled");
    assert_eq!(order.cancel_reason.as_deref(), Some("changed my mind"));
    assert_eq!(order.cancelled_by.as_deref(), Some("customer"));
    assert_eq!(order.refund, Some(MoneyView::new(2900, "USD")));

    let refunded = Uuid::new_v4();
    place_order(&mut h, refunded, customer, None).await;
    h.apply(
        refunded,
        OrderEvent::OrderRefunded {
            amount: usd(2900),
            reason: "damaged".into(),
            refunded_at: h.now,
            refund_id: None,
            provider_reference: None,
            lines: vec![],
        },
    )
    .await;
    let order = view(&h, refunded).await;
    assert_eq!(order.status, "refunded");
    assert_eq!(order.refund_reason.as_deref(), Some("damaged"));
    assert_eq!(order.refund.map(|r| r.amount), Some(2900));

    let expired = Uuid::new_v4();
    place_order(&mut h, expired, customer, None).await;
    h.apply(
        expired,
        OrderEvent::OrderConfirmed {
            payment_due_by: h.now,
        },
    )
    .await;
    h.apply(expired, OrderEvent::OrderExpired { expired_at: h.now })
        .await;
    let order = view(&h, expired).await;
    assert_eq!((order.status.as_str(), order.version), ("expired", 3));
    assert!(order.refund.is_none());
}

#[tokio::test]
async fn lists_filter_by_customer_status_and_period_newest_first() {
    let mut h = harness().await;
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let mut placed = Vec::new();
    for customer in [alice, bob, alice, alice, bob] {
        let id = Uuid::new_v4();
        let at = h.now;
        place_order(&mut h, id, customer, None).await;
        placed.push((id, at));
    }
    h.apply(
        placed[2].0,
        OrderEvent::OrderConfirmed {
            payment_due_by: h.now,
        },
    )
    .await;
    let ids = |page: &commerce_projections::read_models::Page<OrderView>| -> Vec<Uuid> {
        page.items.iter().map(|o| o.id).collect()
    };
    let list = |query| {
        let pool = h.pool().clone();
        async move { orders::list(&pool, &query).await.expect("list") }
    };

    let all = list(OrderQuery::default()).await;
    assert_eq!(all.total, 5);
    assert_eq!(
        ids(&all),
        placed.iter().rev().map(|(id, _)| *id).collect::<Vec<_>>()
    );
    let alices = list(OrderQuery {
        customer_id: Some(alice),
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(ids(&alices), [placed[3].0, placed[2].0, placed[0].0]);
    let confirmed = list(OrderQuery {
        status: Some(OrderStatus::Confirmed),
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(ids(&confirmed), [placed[2].0]);
    let none_of_bobs = list(OrderQuery {
        customer_id: Some(bob),
        status: Some(OrderStatus::Confirmed),
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(none_of_bobs.total, 0);
    // `from` is inclusive, `to` exclusive.
    let period = list(OrderQuery {
        from: Some(placed[1].1),
        to: Some(placed[3].1),
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(ids(&period), [placed[2].0, placed[1].0]);
    let second_page = list(OrderQuery {
        page: 2,
        per_page: 2,
        ..OrderQuery::default()
    })
    .await;
    assert_eq!(ids(&second_page), [placed[2].0, placed[1].0]);
    assert_eq!(
        (second_page.total, second_page.page, second_page.per_page),
        (5, 2, 2)
    );
}

#[tokio::test]
async fn a_search_finds_orders_by_id_prefix_and_by_customer() {
    let mut h = harness().await;
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    place_order(&mut h, first, alice, None).await;
    place_order(&mut h, second, bob, None).await;
    let search = |search: OrderSearch| {
        let pool = h.pool().clone();
        async move {
            let found = orders::search(&pool, &OrderQuery::default(), &search)
                .await
                .expect("search");
            found.items.iter().map(|o| o.id).collect::<Vec<_>>()
        }
    };
    // Upper-case, with a dash, as people paste ids.
    let typed = first.to_string()[..10].to_uppercase();
    let by_prefix = search(OrderSearch {
        id_prefix: IdPrefix::parse(&typed),
        ..OrderSearch::default()
    })
    .await;
    assert_eq!(by_prefix, [first]);
    let bobs = search(OrderSearch {
        customer: Some(CustomerMatch {
            account: Some(bob),
            guest_email: Some("nobody@example.com".into()),
        }),
        ..OrderSearch::default()
    })
    .await;
    assert_eq!(bobs, [second]);
    let nobody = search(OrderSearch {
        customer: Some(CustomerMatch {
            account: None,
            guest_email: Some("nobody@example.com".into()),
        }),
        ..OrderSearch::default()
    })
    .await;
    assert!(nobody.is_empty());
}
