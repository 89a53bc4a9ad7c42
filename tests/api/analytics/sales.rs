//! Sales and top products from controlled histories: which UTC day each figure counts on,
//! refunds on their own day, currencies apart, days without activity as zeros.

use commerce_aggregates::order::{OrderEvent, RejectionReason};
use commerce_projections::read_models::analytics::{self, ProductRank, SalesFigures};
use commerce_projections::read_models::MoneyView;
use uuid::Uuid;

use super::{at, day, harness, money, pay, place, range, Line};

#[tokio::test]
async fn sales_count_on_the_utc_day_of_payment_and_refunds_on_their_own_day() {
    let mut h = harness().await;
    let product = Uuid::new_v4();
    // Placed a minute before midnight, paid just after it.
    let usd_order = Uuid::new_v4();
    h.now = at(20, 23, 58);
    let usd_line = Line {
        product,
        sku: "MUG",
        quantity: 2,
        unit: 1000,
        discount: 0,
    };
    let total = place(&mut h, usd_order, "USD", &[usd_line], 500, None).await;
    h.now = at(21, 0, 1);
    pay(&mut h, usd_order, money(total, "USD")).await;
    // Rejected the next morning: placed, never a sale.
    let rejected = Uuid::new_v4();
    h.now = at(21, 10, 0);
    let line = Line {
        product,
        sku: "MUG",
        quantity: 1,
        unit: 1000,
        discount: 0,
    };
    place(&mut h, rejected, "USD", &[line], 500, None).await;
    let reason = RejectionReason::OutOfStock { sku: "MUG".into() };
    h.apply(rejected, OrderEvent::OrderRejected { reason })
        .await;
    // A euro sale with a coupon the same day.
    let eur_order = Uuid::new_v4();
    h.now = at(21, 12, 0);
    let eur_line = Line {
        product: Uuid::new_v4(),
        sku: "TEE",
        quantity: 3,
        unit: 700,
        discount: 210,
    };
    let eur_total = place(&mut h, eur_order, "EUR", &[eur_line], 0, Some("EURO10")).await;
    pay(&mut h, eur_order, money(eur_total, "EUR")).await;
    // The dollar order is refunded two days later.
    h.now = at(23, 9, 0);
    h.apply(
        usd_order,
        OrderEvent::OrderRefunded {
            amount: money(total, "USD"),
            reason: "damaged".into(),
            refunded_at: h.now,
            refund_id: None,
            provider_reference: None,
            lines: vec![],
        },
    )
    .await;
    // A sale after the range.
    let later = Uuid::new_v4();
    h.now = at(25, 8, 0);
    let line = Line {
        product,
        sku: "MUG",
        quantity: 1,
        unit: 1000,
        discount: 0,
    };
    let later_total = place(&mut h, later, "USD", &[line], 500, None).await;
    pay(&mut h, later, money(later_total, "USD")).await;

    let report = analytics::sales(h.pool(), &range(20, 23), None)
        .await
        .expect("sales");
    let currencies: Vec<_> = report.iter().map(|c| c.currency.as_str()).collect();
    assert_eq!(currencies, ["EUR", "USD"]);
    // One store's report holds its orders only, refunds included.
    for (store, currency) in [("eu", "EUR"), ("default", "USD")] {
        let one = analytics::sales(h.pool(), &range(20, 23), Some(store))
            .await
            .expect("sales");
        assert_eq!(one.len(), 1, "{store}");
        let all = report
            .iter()
            .find(|c| c.currency == currency)
            .expect("in all");
        assert_eq!(one[0], *all, "{store}");
    }
    let none = analytics::sales(h.pool(), &range(20, 23), Some("elsewhere"))
        .await
        .expect("sales");
    assert!(none.is_empty());
    let (eur, usd) = (&report[0], &report[1]);
    let days: Vec<_> = usd.days.iter().map(|d| d.day).collect();
    assert_eq!(
        days,
        [day(20), day(21), day(22), day(23)],
        "every day, zeros included"
    );
    let usd_money = |minor| MoneyView::new(minor, "USD");
    let eur_money = |minor| MoneyView::new(minor, "EUR");
    let placed_only = SalesFigures {
        orders_placed: 1,
        ..SalesFigures::zero("USD")
    };
    assert_eq!(usd.days[0].figures, placed_only);
    let sale = SalesFigures {
        orders_placed: 1,
        orders: 1,
        units: 2,
        subtotal: usd_money(2000),
        shipping: usd_money(500),
        gross_revenue: usd_money(2500),
        net_revenue: usd_money(2500),
        average_order_value: usd_money(2500),
        ..SalesFigures::zero("USD")
    };
    assert_eq!(usd.days[1].figures, sale);
    assert_eq!(usd.days[2].figures, SalesFigures::zero("USD"));
    let refund = SalesFigures {
        refunded_orders: 1,
        refunds: usd_money(2500),
        net_revenue: usd_money(-2500),
        ..SalesFigures::zero("USD")
    };
    assert_eq!(usd.days[3].figures, refund);
    assert_eq!(usd.days[3].figures.net_revenue.amount, -2500);
    assert_eq!(
        usd.totals,
        SalesFigures {
            orders_placed: 2,
            refunded_orders: 1,
            refunds: usd_money(2500),
            net_revenue: usd_money(0),
            ..sale.clone()
        }
    );
    assert_eq!(
        (
            usd.totals.net_revenue.amount,
            usd.totals.average_order_value.amount
        ),
        (0, 2500)
    );
    let eur_sale = SalesFigures {
        orders_placed: 1,
        orders: 1,
        units: 3,
        subtotal: eur_money(2100),
        discounts: eur_money(210),
        gross_revenue: eur_money(1890),
        net_revenue: eur_money(1890),
        average_order_value: eur_money(1890),
        ..SalesFigures::zero("EUR")
    };
    assert_eq!(eur.totals, eur_sale);
    assert_eq!(eur.days[1].figures, eur_sale);

    // One day: the payment, without the placement of the evening before or the refund.
    let one_day = analytics::sales(h.pool(), &range(21, 21), None)
        .await
        .expect("sales");
    assert_eq!(one_day[1].totals, sale);
    // A range without activity has no currency at all.
    let quiet = analytics::sales(h.pool(), &range(1, 19), None)
        .await
        .expect("sales");
    assert!(quiet.is_empty(), "{quiet:?}");
}

#[tokio::test]
async fn a_refund_in_the_range_gives_back_units_of_a_sale_made_before_it() {
    let mut h = harness().await;
    let (product, order) = (Uuid::new_v4(), Uuid::new_v4());
    h.now = at(20, 9, 0);
    let line = Line {
        product,
        sku: "LAMP",
        quantity: 2,
        unit: 3000,
        discount: 600,
    };
    let total = place(&mut h, order, "USD", &[line], 0, Some("SAVE")).await;
    pay(&mut h, order, money(total, "USD")).await;
    h.now = at(22, 9, 0);
    h.apply(
        order,
        OrderEvent::OrderCancelled {
            reason: "changed mind".into(),
            refund: Some(money(total, "USD")),
            by: commerce_aggregates::Role::Admin,
            cancelled_at: h.now,
            refund_id: None,
        },
    )
    .await;

    let sold = analytics::products(h.pool(), &range(20, 20), 10, ProductRank::Revenue)
        .await
        .expect("products");
    let p = &sold[0].products[0];
    assert_eq!(
        (
            p.rank,
            p.orders,
            p.units_sold,
            p.net_units,
            p.gross_sales.amount,
            p.discounts.amount,
            p.net_revenue.amount
        ),
        (1, 1, 2, 2, 6000, 600, 5400)
    );
    let refunded = analytics::products(h.pool(), &range(22, 22), 10, ProductRank::Units)
        .await
        .expect("products");
    let p = &refunded[0].products[0];
    assert_eq!(
        (
            p.orders,
            p.units_sold,
            p.units_refunded,
            p.net_units,
            p.refunds.amount,
            p.net_revenue.amount
        ),
        (0, 0, 2, -2, 5400, -5400)
    );
    assert_eq!((p.sku.as_str(), p.name.as_str()), ("LAMP", "Product LAMP"));
    let whole = analytics::products(h.pool(), &range(20, 22), 10, ProductRank::Units)
        .await
        .expect("products");
    let p = &whole[0].products[0];
    assert_eq!((p.orders, p.net_units, p.net_revenue.amount), (1, 0, 0));
    let sales = analytics::sales(h.pool(), &range(22, 22), None)
        .await
        .expect("sales");
    assert_eq!(
        (sales[0].totals.refunds.amount, sales[0].totals.orders),
        (total, 0)
    );
}
