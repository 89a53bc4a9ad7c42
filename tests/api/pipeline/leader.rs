//! One relay leads at a time; a second one stands by and takes over when the first stops.

use std::sync::atomic::Ordering;
use std::time::Duration;

use commerce::app::Roles;

use super::{start, stored_event_ids, wait_until, workload, PATIENCE};
use crate::helpers::TestDatabase;
use crate::nats_server::{stream_envelopes, stream_len, NatsServer};

#[tokio::test]
async fn a_standby_relay_takes_over_when_the_leader_stops() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let first = start(&db, &nats.url(), Roles::RELAY).await;
    let first_stats = first.state.pipeline.relay.clone().expect("relay stats");
    wait_until("a leader", PATIENCE, || async {
        first_stats.leader.load(Ordering::Relaxed)
    })
    .await;
    let second = start(&db, &nats.url(), Roles::RELAY).await;
    let second_stats = second.state.pipeline.relay.clone().expect("relay stats");

    workload::run(&first.state.stores, 1).await;
    let js = nats.jetstream().await;
    let before = stored_event_ids(&db.pool).await.len() as u64;
    wait_until("first events published", PATIENCE, || async {
        stream_len(&js, "COMMERCE").await == before
    })
    .await;
    // The standby published nothing while the leader ran.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second_stats.leader.load(Ordering::Relaxed));
    assert_eq!(second_stats.published.load(Ordering::Relaxed), 0);

    first.stop().await;
    wait_until("the standby to lead", PATIENCE, || async {
        second_stats.leader.load(Ordering::Relaxed)
    })
    .await;
    workload::run(&second.state.stores, 2).await;
    let stored = stored_event_ids(&db.pool).await;
    wait_until("every event published", PATIENCE, || async {
        stream_len(&js, "COMMERCE").await == stored.len() as u64
    })
    .await;
    let published: Vec<_> = stream_envelopes(&js, "COMMERCE")
        .await
        .into_iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(
        published, stored,
        "each event once, in order, across the handover"
    );
    assert!(second_stats.published.load(Ordering::Relaxed) > 0);
    second.stop().await;
}
