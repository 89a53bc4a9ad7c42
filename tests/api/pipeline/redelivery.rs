//! Delivering every event three times, shuffled across and within aggregates, builds the
//! same read models as one in-order delivery: duplicates are skipped and early events wait
//! for their predecessors.

use commerce::app::Roles;
use commerce_projections::stream::{ensure_streams, StreamSettings};

use super::{dump_read_models, projections_caught_up, start, wait_until, workload, PATIENCE};
use crate::helpers::TestDatabase;
use crate::nats_server::{stream_envelopes, NatsServer};

/// Fisher–Yates with a fixed xorshift seed: the same shuffle on every run.
fn shuffle<T>(items: &mut [T]) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..items.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = (state % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[tokio::test]
async fn redelivering_every_message_twice_shuffled_leaves_read_models_identical() {
    // Reference: events delivered once, in order.
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let running = start(&db, &nats.url(), Roles::PIPELINE).await;
    workload::run(&running.state.stores, 1).await;
    wait_until("projections caught up", PATIENCE, || {
        projections_caught_up(&db.pool)
    })
    .await;
    let reference = dump_read_models(&db.pool).await;
    let js = nats.jetstream().await;
    let envelopes = stream_envelopes(&js, "COMMERCE").await;
    running.stop().await;

    // The same events three times each, shuffled, to fresh read models.
    let mut copies: Vec<_> = envelopes
        .iter()
        .chain(&envelopes)
        .chain(&envelopes)
        .collect();
    shuffle(&mut copies);
    let other_nats = NatsServer::start().await;
    let other_js = other_nats.jetstream().await;
    ensure_streams(&other_js, &StreamSettings::default())
        .await
        .expect("streams");
    for envelope in copies {
        let payload = serde_json::to_vec(envelope).expect("serialises");
        other_js
            .publish(envelope.subject(), payload.into())
            .await
            .expect("publish")
            .await
            .expect("stored");
    }
    let other_db = TestDatabase::create().await;
    let workers = start(&other_db, &other_nats.url(), Roles::WORKER).await;
    let mut rebuilt = dump_read_models(&other_db.pool).await;
    let started = std::time::Instant::now();
    while rebuilt != reference && started.elapsed() < PATIENCE * 2 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        rebuilt = dump_read_models(&other_db.pool).await;
    }
    assert_eq!(rebuilt, reference);
    workers.stop().await;
}
