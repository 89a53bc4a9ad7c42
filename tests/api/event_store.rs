//! The events table: engine columns filled by defaults, complete metadata, append-only.

use std::sync::Arc;
use std::time::Duration;

use commerce::store::{keys, Actor, CommandMetadata, Stores};
use commerce_aggregates::product::ProductCommand;
use commerce_aggregates::Role;
use sqlx::postgres::PgListener;
use sqlx::Row;
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::helpers::{spawn_app, TestDatabase};
use crate::products::create_product;

#[tokio::test]
async fn event_columns_and_metadata_are_filled() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let meta = CommandMetadata::new(Actor::user(user, Role::Admin), "req-columns");
    let id = Uuid::new_v4();
    app.stores
        .products
        .execute(&id.to_string(), create_product(id, "COL-1", 3), &meta, None)
        .await
        .expect("created");
    app.stores
        .products
        .execute(
            &id.to_string(),
            commerce_aggregates::product::ProductCommand::PublishProduct,
            &meta,
            None,
        )
        .await
        .expect("published");

    let rows = sqlx::query(
        "SELECT aggregate_type, sequence, event_version, global_position,
                commit_xid::text AS commit_xid, event_id, recorded_at, metadata
           FROM events WHERE aggregate_id = $1 ORDER BY sequence",
    )
    .bind(id.to_string())
    .fetch_all(&app.db.pool)
    .await
    .expect("rows");
    assert_eq!(rows.len(), 2);
    let mut positions = Vec::new();
    let mut event_ids = Vec::new();
    let versions: Vec<String> = rows.iter().map(|row| row.get("event_version")).collect();
    assert_eq!(
        versions,
        ["1.1", "1.0"],
        "ProductCreated 1.1, ProductPublished 1.0"
    );
    for row in &rows {
        assert_eq!(row.get::<String, _>("aggregate_type"), "product");
        positions.push(row.get::<i64, _>("global_position"));
        event_ids.push(row.get::<Uuid, _>("event_id"));
        let xid: String = row.get("commit_xid");
        assert!(xid.parse::<u64>().expect("numeric xid") > 0);
        let recorded: chrono::DateTime<chrono::Utc> = row.get("recorded_at");
        assert!((chrono::Utc::now() - recorded).num_seconds().abs() < 60);
        let metadata: serde_json::Value = row.get("metadata");
        assert_eq!(metadata[keys::ACTOR_ID], user.to_string());
        assert_eq!(metadata[keys::ACTOR_ROLE], "admin");
        assert_eq!(metadata[keys::REQUEST_ID], "req-columns");
        assert_eq!(
            metadata[keys::CORRELATION_ID],
            meta.correlation_id.to_string()
        );
        assert_eq!(metadata[keys::CAUSATION_ID], meta.causation_id.to_string());
    }
    assert!(positions[0] < positions[1], "positions grow: {positions:?}");
    assert_ne!(event_ids[0], event_ids[1]);
    // Two commands, two transactions.
    let xids: Vec<String> = rows.iter().map(|r| r.get("commit_xid")).collect();
    assert_ne!(xids[0], xids[1]);
    app.stop().await;
}

#[tokio::test]
async fn events_of_one_command_share_its_transaction_id() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    let meta = CommandMetadata::new(Actor::system("test"), "req-xid");
    // Threshold 2 and 3 units: reserving 2 appends StockReserved and LowStockThresholdCrossed.
    app.stores
        .products
        .execute(&id.to_string(), create_product(id, "XID-2", 3), &meta, None)
        .await
        .expect("created");
    app.stores
        .products
        .execute(
            &id.to_string(),
            commerce_aggregates::product::ProductCommand::PublishProduct,
            &meta,
            None,
        )
        .await
        .expect("published");
    let committed = app
        .stores
        .products
        .execute(
            &id.to_string(),
            commerce_aggregates::product::ProductCommand::ReserveStock {
                order_id: Uuid::new_v4(),
                lines: vec![commerce_aggregates::product::ReservationLine {
                    sku: "XID-2".into(),
                    quantity: 2,
                }],
            },
            &meta,
            None,
        )
        .await
        .expect("reserved");
    assert_eq!(committed.events.len(), 2);
    let distinct: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT commit_xid::text) FROM events WHERE aggregate_id = $1 AND sequence >= 3",
    )
    .bind(id.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(distinct, 1);
    app.stop().await;
}

#[tokio::test]
async fn an_event_without_complete_metadata_is_refused() {
    let app = spawn_app().await;
    let result = sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('product', 'x', 1, 'ProductPublished', '1.0', '{}', '{\"actor_id\": \"a\"}')",
    )
    .execute(&app.db.pool)
    .await;
    let error = result.expect_err("refused").to_string();
    assert!(error.contains("events_metadata_complete"), "{error}");
    app.stop().await;
}

#[tokio::test]
async fn stored_events_cannot_be_updated_or_deleted() {
    let app = spawn_app().await;
    let id = crate::products::active_product(&app, "RO-1", 1).await;
    let update = sqlx::query("UPDATE events SET payload = '{}' WHERE aggregate_id = $1")
        .bind(id.to_string())
        .execute(&app.db.pool)
        .await;
    assert!(update
        .expect_err("refused")
        .to_string()
        .contains("append-only"));
    let delete = sqlx::query("DELETE FROM events WHERE aggregate_id = $1")
        .bind(id.to_string())
        .execute(&app.db.pool)
        .await;
    assert!(delete
        .expect_err("refused")
        .to_string()
        .contains("append-only"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_id = $1")
        .bind(id.to_string())
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(count, 2);
    app.stop().await;
}

/// The event readers are woken by the writers after their commits, not by a trigger inside
/// the appending transaction (whose commit Postgres would serialise with every other
/// notifying one): a plain insert notifies nobody; a command notifies once it has committed.
#[tokio::test]
async fn appends_notify_the_event_readers_after_their_commit() {
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    let mut listener = PgListener::connect_with(&db.pool).await.expect("listener");
    listener
        .listen(commerce_eventlog::notify::NOTIFY_CHANNEL)
        .await
        .expect("listening");

    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('product', 'raw', 1, 'ProductPublished', '1.0', '{}',
                 '{\"actor_id\":\"t\",\"actor_role\":\"system\",\"correlation_id\":\"c\",\"causation_id\":\"c\",\"request_id\":\"r\"}')",
    )
    .execute(&db.pool)
    .await
    .expect("inserted");
    let quiet = tokio::time::timeout(Duration::from_millis(300), listener.recv()).await;
    assert!(quiet.is_err(), "a plain insert notified: {quiet:?}");

    let meta = CommandMetadata::new(Actor::user(Uuid::new_v4(), Role::Admin), "req-wake");
    let id = Uuid::new_v4();
    stores
        .products
        .execute(
            &id.to_string(),
            create_product(id, "WAKE-1", 3),
            &meta,
            None,
        )
        .await
        .expect("created");
    tokio::time::timeout(Duration::from_secs(5), listener.recv())
        .await
        .expect("the command's append notified the readers")
        .expect("notification");
    // Sent after the commit: a reader woken now sees the event.
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_id = $1")
        .bind(id.to_string())
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(seen, 1);
}

/// Concurrent commands of one process are appended together: fewer transactions than
/// commands, each command's events consecutive in one of them. A command that lost its
/// sequence race inside a shared batch is answered alone (and retried on the current state);
/// the others of its batch are stored exactly once.
#[tokio::test]
async fn concurrent_commands_are_appended_together_and_answered_one_by_one() {
    let db = TestDatabase::create().await;
    let here = Arc::new(Stores::with_cache(db.pool.clone(), 1000, 100));
    let elsewhere = Stores::new(db.pool.clone(), 1000);
    let meta = CommandMetadata::new(Actor::system("test"), "req-group");
    // Cached here at version 1, then changed elsewhere: here's next command on it is stale.
    let stale = Uuid::new_v4();
    here.products
        .execute(
            &stale.to_string(),
            create_product(stale, "GRP-S", 5),
            &meta,
            None,
        )
        .await
        .expect("created");
    elsewhere
        .products
        .execute(
            &stale.to_string(),
            ProductCommand::PublishProduct,
            &meta,
            None,
        )
        .await
        .expect("published elsewhere");

    const NEW: usize = 40;
    let start = Arc::new(Barrier::new(NEW + 1));
    let mut tasks = JoinSet::new();
    let mut fresh = Vec::new();
    for n in 0..NEW {
        let id = Uuid::new_v4();
        fresh.push(id);
        let (here, start, meta) = (here.clone(), start.clone(), meta.clone());
        tasks.spawn(async move {
            start.wait().await;
            let command = create_product(id, &format!("GRP-{n}"), 5);
            (
                id,
                here.products
                    .execute(&id.to_string(), command, &meta, None)
                    .await,
            )
        });
    }
    let (store, gate, stale_meta) = (here.clone(), start.clone(), meta.clone());
    tasks.spawn(async move {
        gate.wait().await;
        let command = ProductCommand::AdjustStock {
            sku: "GRP-S".into(),
            adjustment: 3,
            reason: "delivery".into(),
        };
        let id = stale.to_string();
        (
            stale,
            store
                .products
                .execute(&id, command, &stale_meta, None)
                .await,
        )
    });
    while let Some(joined) = tasks.join_next().await {
        let (id, result) = joined.expect("task");
        let committed = result.unwrap_or_else(|e| panic!("{id}: {e}"));
        let stored: Vec<i64> = sqlx::query_scalar(
            "SELECT sequence FROM events WHERE aggregate_type = 'product' AND aggregate_id = $1
              ORDER BY global_position",
        )
        .bind(id.to_string())
        .fetch_all(&db.pool)
        .await
        .expect("sequences");
        let expected: Vec<i64> = (1..=committed.version as i64).collect();
        assert_eq!(stored, expected, "{id}: each event once, in order");
        if id == stale {
            assert_eq!(committed.version, 3, "decided again after the publication");
        }
    }
    let ids: Vec<String> = fresh.iter().map(Uuid::to_string).collect();
    let (transactions, commands): (i64, i64) = sqlx::query_as(
        "SELECT count(DISTINCT commit_xid::text), count(DISTINCT aggregate_id)
           FROM events WHERE aggregate_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_one(&db.pool)
    .await
    .expect("counts");
    assert_eq!(commands, NEW as i64);
    assert!(
        transactions < commands,
        "{commands} concurrent commands in {transactions} transactions"
    );
    // Each command's events are consecutive and share a transaction.
    let split: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (
             SELECT aggregate_id FROM events WHERE aggregate_id = ANY($1)
              GROUP BY aggregate_id
             HAVING count(DISTINCT commit_xid::text) > 1
                 OR max(global_position) - min(global_position) + 1 <> count(*)) AS s",
    )
    .bind(&ids)
    .fetch_one(&db.pool)
    .await
    .expect("split");
    assert_eq!(split, 0);
}
