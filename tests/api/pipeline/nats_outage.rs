//! Events committed while nats-server is down are published when it is back; none lost,
//! none doubled, in commit order.

use commerce::app::Roles;

use super::{start, stored_event_ids, wait_until, workload, PATIENCE};
use crate::helpers::TestDatabase;
use crate::nats_server::{stream_envelopes, stream_len, NatsServer};

#[tokio::test]
async fn events_committed_while_nats_is_stopped_are_published_after_it_restarts() {
    let mut nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let relay = start(&db, &nats.url(), Roles::RELAY).await;
    let js = nats.jetstream().await;

    workload::run(&relay.state.stores, 1).await;
    let before = stored_event_ids(&db.pool).await.len() as u64;
    wait_until("first events published", PATIENCE, || async {
        stream_len(&js, "COMMERCE").await == before
    })
    .await;

    nats.stop();
    // Commands keep succeeding: they only need Postgres.
    workload::run(&relay.state.stores, 2).await;
    let stored = stored_event_ids(&db.pool).await;
    assert!(stored.len() as u64 > before);
    wait_until("the relay to notice the backlog", PATIENCE, || async {
        commerce::relay::backlog(&db.pool).await.expect("backlog") > 0
    })
    .await;

    nats.restart().await;
    let js = nats.jetstream().await;
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
        "exactly the stored events, once each, in commit order"
    );
    wait_until("an empty backlog", PATIENCE, || async {
        commerce::relay::backlog(&db.pool).await.expect("backlog") == 0
    })
    .await;
    relay.stop().await;
}
