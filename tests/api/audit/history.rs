//! `GET orders/{id}/history`: the order's own events plus the reservations, coupon
//! redemption, payment and releases made for it, with actors and correlation/causation ids;
//! for the owner, admins and auditors only.

use commerce_aggregates::Role;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{checked_out, event, get, history, paid_order, wait_sealed};
use crate::checkout::start_engine;

/// `(aggregate_type, event_type)` of every event, in order.
fn kinds(history: &[Value]) -> Vec<(String, String)> {
    history
        .iter()
        .map(|e| {
            (
                e["aggregate_type"].as_str().unwrap_or_default().to_string(),
                e["event_type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn position(history: &[Value], event_type: &str) -> usize {
    history
        .iter()
        .position(|e| e["event_type"] == event_type)
        .unwrap_or_else(|| panic!("no {event_type}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orders_history_has_its_events_reservations_coupon_redemption_and_payment() {
    let engine = start_engine().await;
    let app = &engine.app;
    let purchase = paid_order(app, "AUDIT10").await;
    // Another customer's order of the same product and coupon must not appear.
    let other = checked_out(app, &purchase.product, &purchase.sku, Some("AUDIT10")).await;

    let events = history(app, &purchase.order, &purchase.token).await;
    let kinds = kinds(&events);
    // The checkout's events are one commit, each stream's events together.
    let expected = [
        ("cart", "CartCheckedOut"),
        ("order", "OrderPlaced"),
        ("order", "OrderConfirmed"),
        ("product", "StockReserved"),
        ("coupon", "CouponRedeemed"),
        ("order", "OrderPaid"),
    ];
    assert_eq!(
        kinds,
        expected.map(|(a, e)| (a.to_string(), e.to_string())),
        "{events:#?}"
    );
    // Commit order: every event committed after the one before it.
    let positions: Vec<i64> = events
        .iter()
        .map(|e| e["global_position"].as_i64().expect("position"))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    for e in &events {
        assert!(!e["payload"].to_string().contains(&other.order), "{e}");
        for key in ["event_id", "recorded_at", "event_version", "request_id"] {
            assert!(e[key].is_string(), "{key} missing in {e}");
        }
    }

    // Who and why: the customer checked out (every event of that one commit says so, with
    // the request's correlation and causation) and paid.
    let placed = event(&events, "OrderPlaced");
    let customer = purchase.customer.to_string();
    assert_eq!(placed["actor"], json!({"id": customer, "role": "customer"}));
    assert_eq!(placed["payload"]["OrderPlaced"]["order_id"], purchase.order);
    for together in [
        "CartCheckedOut",
        "StockReserved",
        "CouponRedeemed",
        "OrderConfirmed",
    ] {
        let e = event(&events, together);
        assert_eq!(e["actor"], placed["actor"], "{together}");
        assert_eq!(e["request_id"], placed["request_id"], "{together}");
        assert_eq!(e["correlation_id"], placed["correlation_id"], "{together}");
        assert_eq!(e["causation_id"], placed["causation_id"], "{together}");
    }
    let reserved = event(&events, "StockReserved");
    assert_eq!(reserved["aggregate_id"], purchase.product);
    assert_eq!(
        reserved["payload"]["StockReserved"],
        json!({"order_id": purchase.order, "lines": [{"sku": purchase.sku, "quantity": 2}]})
    );
    let redeemed = event(&events, "CouponRedeemed");
    assert_eq!(redeemed["aggregate_id"], "AUDIT10");
    assert_eq!(
        redeemed["payload"]["CouponRedeemed"]["discount_amount"],
        json!({"amount": 250, "currency": "USD"})
    );
    let paid = event(&events, "OrderPaid");
    assert_eq!(paid["actor"], json!({"id": customer, "role": "customer"}));
    assert_ne!(paid["correlation_id"], placed["correlation_id"]);
    assert_eq!(paid["payload"]["OrderPaid"]["provider"], "test");

    // A cancellation releases the stock and the redemption in its own commit.
    app.with_token(&purchase.token)
        .cancel_order(&purchase.order, "changed my mind")
        .await
        .command(200, 6);
    let events = history(app, &purchase.order, &purchase.token).await;
    let cancelled = event(&events, "OrderCancelled");
    assert_eq!(cancelled["actor"]["id"], customer);
    for released in ["ReservationReleased", "RedemptionReleased"] {
        let e = event(&events, released);
        assert_eq!(e["actor"], cancelled["actor"], "{released}");
        assert_eq!(e["causation_id"], cancelled["causation_id"], "{released}");
        assert_eq!(
            e["correlation_id"], cancelled["correlation_id"],
            "{released}"
        );
        assert!(position(&events, released) > position(&events, "OrderCancelled"));
    }

    // Every event gets sealed into the hash chain.
    wait_sealed(app).await;
    let events = history(app, &purchase.order, &purchase.token).await;
    assert!(
        events.iter().all(|e| e["chain_link"].as_i64().is_some()),
        "{events:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orders_history_is_for_its_owner_admins_and_auditors_only() {
    let engine = start_engine().await;
    let app = &engine.app;
    let purchase = paid_order(app, "MINE10").await;
    let path = format!("/orders/{}/history", purchase.order);
    // Sealed first, so that every reader sees the same `chain_link`s.
    wait_sealed(app).await;
    let owners = history(app, &purchase.order, &purchase.token).await;

    for role in [Role::Auditor, Role::Admin] {
        let (_, token) = app.token(role);
        assert_eq!(
            history(app, &purchase.order, &token).await,
            owners,
            "{role:?}"
        );
    }
    for role in [Role::Customer, Role::Prime] {
        let (_, token) = app.token(role);
        get(app, &path, &token).await.problem(404, "not_found");
    }
    get(
        app,
        &format!("/orders/{}/history", Uuid::new_v4()),
        &purchase.token,
    )
    .await
    .problem(404, "not_found");
    get(app, "/orders/not-a-uuid/history", &purchase.token)
        .await
        .problem(404, "not_found");
    let anonymous = app.anonymous().order_history(&purchase.order).await;
    assert_eq!(anonymous.status, 401);
}
