//! A relay killed after publishing a batch and before checkpointing it leaves no duplicate
//! on the stream: the next leader re-publishes the batch and JetStream drops the copies.

use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use commerce::app::Roles;
use commerce::store::Stores;

use super::{start, stored_event_ids, wait_until, workload, PATIENCE};
use crate::helpers::TestDatabase;
use crate::nats_server::{stream_envelopes, stream_len, NatsServer};

#[tokio::test]
async fn killing_the_relay_between_publish_and_checkpoint_produces_no_duplicate() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    workload::run(&stores, 1).await;
    let stored = stored_event_ids(&db.pool).await;
    assert!(stored.len() > 20);

    // A real relay process that aborts right after its first batch's PubAcks.
    let mut relay = Command::new(env!("CARGO_BIN_EXE_commerce"))
        .arg("relay")
        .env("DATABASE_URL", &db.url)
        .env("NATS_URL", nats.url())
        .env("RELAY_BATCH_SIZE", "10")
        .env("RELAY_FAULT", "crash-after-publish")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("relay process starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = relay.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > PATIENCE {
            relay.kill().ok();
            panic!("the faulty relay did not crash");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!status.success(), "the relay died: {status:?}");
    let js = nats.jetstream().await;
    // Up to one batch: fewer when a transaction elsewhere on the cluster (another test's)
    // holds the commit-safe horizon back.
    let first_batch = stream_len(&js, "COMMERCE").await;
    assert!(
        (1..=10).contains(&first_batch),
        "first batch published: {first_batch}"
    );
    let checkpoint: i64 =
        sqlx::query_scalar("SELECT last_position FROM relay_checkpoints WHERE name = 'main'")
            .fetch_one(&db.pool)
            .await
            .expect("checkpoint");
    assert_eq!(checkpoint, 0, "the batch was never checkpointed");

    // The next leader starts from the checkpoint and re-publishes those ten.
    let running = start(&db, &nats.url(), Roles::RELAY).await;
    wait_until("every event published", PATIENCE, || async {
        commerce::relay::backlog(&db.pool).await.expect("backlog") == 0
    })
    .await;
    let published: Vec<_> = stream_envelopes(&js, "COMMERCE")
        .await
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(published, stored, "each event exactly once, in order");
    let stats = running.state.pipeline.relay.clone().expect("relay stats");
    assert_eq!(stats.duplicates.load(Ordering::Relaxed), first_batch);
    running.stop().await;
}
