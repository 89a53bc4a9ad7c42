//! `GET events`: an external consumer starting at position 0 receives every event exactly
//! once, in the store's order, while commands keep committing; a late-committing transaction
//! is never stepped over; roles and bad parameters.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use commerce_aggregates::Role;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{assert_unique, auditor, follow, get_feed, ids, insert_raw, stored_order, workload};
use crate::helpers::{admin_metadata, spawn_app, TestApp};
use crate::products::create_product;

#[tokio::test]
async fn an_external_consumer_from_zero_gets_every_event_once_in_order_under_concurrent_writes() {
    let app = spawn_app().await;
    let token = auditor(&app);
    workload::run(&app.stores, 0).await;

    // Writers: four workloads at once, and a transaction that takes its position early and
    // commits late, while the consumer pages along.
    let done = AtomicBool::new(false);
    let writers = async {
        let late_id = format!("late-{}", Uuid::new_v4());
        let mut late = app.db.pool.begin().await.expect("begin");
        let published = json!({"ProductPublished": {}});
        insert_raw(
            &mut late,
            "product",
            &late_id,
            1,
            ("ProductPublished", "1.0"),
            &published,
        )
        .await;
        join_all((1..=4).map(|round| workload::run(&app.stores, round))).await;
        late.commit().await.expect("late commit");
        join_all((5..=6).map(|round| workload::run(&app.stores, round))).await;
        done.store(true, Ordering::SeqCst);
    };
    let consumer = async {
        let (mut received, mut after) = (Vec::new(), 0);
        let deadline = Instant::now() + Duration::from_secs(60);
        // Keeps paging (small pages, so many of them) until the writers are done and the
        // consumer has caught up with everything stored.
        loop {
            let finished = done.load(Ordering::SeqCst);
            let (batch, next) = follow(&app, &token, after, 7).await;
            received.extend(batch);
            after = next;
            let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
            if finished && received.len() as i64 >= stored {
                return received;
            }
            assert!(Instant::now() < deadline, "consumer never caught up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let ((), received) = tokio::join!(writers, consumer);
    let received_ids = ids(&received);
    assert_unique(&received_ids);
    let stored = stored_order(&app.db.pool).await;
    assert_eq!(
        received_ids, stored,
        "every stored event, once, in commit-safe order"
    );
    // Each item is complete and positions name the events.
    let first = &received[0];
    for field in [
        "position",
        "event_id",
        "subject",
        "aggregate_type",
        "aggregate_id",
        "sequence",
        "event_type",
        "event_version",
        "recorded_at",
        "metadata",
        "payload",
    ] {
        assert!(!first[field].is_null(), "{field} in {first}");
    }
    assert_eq!(
        first["subject"],
        format!(
            "commerce.{}.{}.{}",
            first["aggregate_type"].as_str().expect("type"),
            first["aggregate_id"].as_str().expect("id"),
            first["event_type"].as_str().expect("t")
        )
    );
}

/// Follows the feed from `after` until `count` events arrived (the horizon is cluster-wide:
/// other tests' transactions can hold it back briefly); fails on more.
async fn caught_up(app: &TestApp, token: &str, after: i64, count: usize) -> (Vec<Value>, i64) {
    let (mut events, mut after) = (Vec::new(), after);
    let deadline = Instant::now() + Duration::from_secs(20);
    while events.len() < count {
        assert!(
            Instant::now() < deadline,
            "only {} of {count} events",
            events.len()
        );
        let (batch, next) = follow(app, token, after, 100).await;
        events.extend(batch);
        after = next;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(events.len(), count);
    (events, after)
}

#[tokio::test]
async fn a_late_committing_transaction_holds_the_feed_back_and_comes_first() {
    let app = spawn_app().await;
    let token = auditor(&app);
    let meta = admin_metadata();
    let early = Uuid::new_v4();
    app.stores
        .products
        .execute(
            &early.to_string(),
            create_product(early, "EARLY", 3),
            &meta,
            None,
        )
        .await
        .expect("created");
    // Other tests' transactions on the cluster hold the horizon back for a moment. The
    // engine's opening of the default store comes first.
    let (before, after_early) = caught_up(&app, &token, 0, 2).await;

    // The late transaction takes the next position, then others commit after it.
    let late_id = format!("late-{}", Uuid::new_v4());
    let mut late = app.db.pool.begin().await.expect("begin");
    let published = json!({"ProductPublished": {}});
    insert_raw(
        &mut late,
        "product",
        &late_id,
        1,
        ("ProductPublished", "1.0"),
        &published,
    )
    .await;
    for n in 0..3 {
        let id = Uuid::new_v4();
        app.stores
            .products
            .execute(
                &id.to_string(),
                create_product(id, &format!("LATER-{n}"), 3),
                &meta,
                None,
            )
            .await
            .expect("created");
    }
    // While it is open, nothing committed after it is served: serving it would let the late
    // event land behind a position the consumer has already passed.
    let (status, page) = get_feed(&app, &token, &format!("?after={after_early}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["events"], json!([]));
    assert_eq!(page["next_after"], after_early);

    late.commit().await.expect("late commit");
    let (rest, _) = caught_up(&app, &token, after_early, 4).await;
    assert_eq!(rest[0]["aggregate_id"], late_id.as_str());
    // Positions follow commit-safe order, not allocation order: the late event's position
    // is lower than the ones after it only because it was allocated first.
    let positions: Vec<i64> = rest
        .iter()
        .map(|e| e["position"].as_i64().expect("pos"))
        .collect();
    assert!(positions[0] < positions[1], "{positions:?}");
    let mut all = before;
    all.extend(rest);
    assert_eq!(ids(&all), stored_order(&app.db.pool).await);
}

#[tokio::test]
async fn types_filter_the_feed_and_next_after_skips_what_they_leave_out() {
    let app = spawn_app().await;
    let token = auditor(&app);
    workload::run(&app.stores, 0).await;
    let stored = stored_order(&app.db.pool).await.len();
    let everything: Vec<Value> = caught_up(&app, &token, 0, stored).await.0;
    let (status, page) = get_feed(&app, &token, "?types=OrderPaid,%20OrderPlaced").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let events = page["events"].as_array().expect("events");
    assert!(!events.is_empty());
    assert!(events
        .iter()
        .all(|e| e["event_type"] == "OrderPaid" || e["event_type"] == "OrderPlaced"));
    let expected: Vec<&Value> = everything
        .iter()
        .filter(|e| e["event_type"] == "OrderPaid" || e["event_type"] == "OrderPlaced")
        .collect();
    assert_eq!(events.iter().collect::<Vec<_>>(), expected);
    // Caught up: next_after is the last stored event, not the last matching one.
    let last = everything.last().expect("events")["position"].clone();
    assert_eq!(page["next_after"], last);
    let (_, empty) = get_feed(&app, &token, &format!("?types=OrderPaid&after={last}")).await;
    assert_eq!(empty["events"], json!([]));
}

#[tokio::test]
async fn only_admins_and_auditors_read_the_feed() {
    let app = spawn_app().await;
    let url = app.api("/events");
    let anonymous = app.client.get(&url).send().await.expect("sent");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for role in [Role::Customer, Role::Prime] {
        let (status, body) = get_feed(&app, &app.token(role).1, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(body["code"], "forbidden");
    }
    for role in [Role::Admin, Role::Auditor] {
        let (status, body) = get_feed(&app, &app.token(role).1, "").await;
        assert_eq!(status, StatusCode::OK, "{role:?}");
        // The only event yet is the engine opening the default store (served once other
        // tests' transactions on the cluster no longer hold the horizon back).
        let subjects: Vec<&str> = body["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|event| event["subject"].as_str())
            .collect();
        assert!(
            subjects.is_empty() || subjects == ["commerce.store.default.StoreCreated"],
            "{body}"
        );
    }
}

#[tokio::test]
async fn bad_parameters_are_422_problems() {
    let app = spawn_app().await;
    let token = auditor(&app);
    for (query, code) in [
        ("?limit=0", "validation_failed"),
        ("?limit=1001", "validation_failed"),
        ("?limit=ten", "validation_failed"),
        ("?after=-1", "validation_failed"),
        ("?after=x", "validation_failed"),
        ("?after=424242", "unknown_position"),
        ("?types=OrderPlaced,Nope", "unknown_event_type"),
    ] {
        let response = app
            .client
            .get(app.api(&format!("/events{query}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{query}"
        );
        let body: Value = response.json().await.expect("problem");
        assert_eq!(body["code"], code, "{query}: {body}");
        if code == "unknown_event_type" {
            let detail = body["detail"].as_str().expect("detail");
            for valid in [
                "OrderPlaced",
                "StockAdjusted",
                "CouponRedeemed",
                "AccountRegistered",
            ] {
                assert!(detail.contains(valid), "{detail}");
            }
        }
    }
    let (status, page) = get_feed(&app, &token, "?limit=1000").await;
    assert_eq!(status, StatusCode::OK, "{page}");
}
