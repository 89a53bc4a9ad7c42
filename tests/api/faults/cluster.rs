//! A 3-node NATS cluster with the event stream replicated three times
//! (`NATS_STREAM_REPLICAS=3`), the engine (`commerce serve`) given every node's URL: under
//! steady load the node leading the stream is killed with SIGKILL. No event is lost — the
//! stream holds every stored event exactly once, in commit order, every acknowledged command
//! is stored, no order is left half checked out and the read models equal a fresh replay —
//! and the killed node, started again, catches up with the stream.

use async_nats::jetstream;

use super::crash::{
    check_acknowledged_commands_stored, check_orders_settled, check_read_models_equal_replay,
    settle, PATIENCE,
};
use super::engine::Engine;
use super::load::{route, Load, LoadSettings, Shop};
use crate::helpers::TestDatabase;
use crate::nats_server::NatsCluster;
use crate::pipeline::wait_until;

/// The event stream's name.
const STREAM: &str = "COMMERCE";

/// The stream's cluster information (leader, replicas) as a node sees it now.
async fn stream_cluster(js: &jetstream::Context) -> Option<jetstream::stream::ClusterInfo> {
    let mut stream = js.get_stream(STREAM).await.ok()?;
    let info = stream.info().await.ok()?;
    info.cluster.clone()
}

#[tokio::test]
async fn killing_a_nats_cluster_node_under_load_loses_no_event() {
    let mut cluster = NatsCluster::start(3).await;
    let db = TestDatabase::create().await;
    let mut engine =
        Engine::start_with(&db.url, &cluster.urls(), &[("NATS_STREAM_REPLICAS", "3")]).await;
    let shop = Shop::create(&engine, &LoadSettings::default()).await;
    let load = Load::start(&shop);
    load.wait_for_acks(100, PATIENCE).await;
    load.wait_for_checkouts(5, PATIENCE).await;

    // The stream is replicated on every node; its leader is the victim.
    let js = cluster.jetstream().await;
    let mut stream = js
        .get_stream(STREAM)
        .await
        .expect("the relay created the stream");
    let info = stream.info().await.expect("stream info");
    assert_eq!(info.config.num_replicas, 3, "NATS_STREAM_REPLICAS=3");
    let leader = info
        .cluster
        .as_ref()
        .and_then(|c| c.leader.clone())
        .expect("the stream has a leader");
    let victim = cluster.index_of(&leader).expect("a node of the cluster");
    let killed_pid = cluster.pid(victim).expect("running");
    let published_before = info.state.messages;
    cluster.kill9(victim);

    // The load goes on; the two remaining nodes elect a new stream leader.
    load.wait_for_acks(100, PATIENCE).await;
    load.wait_for_checkouts(5, PATIENCE).await;
    let survivor = (victim + 1) % 3;
    let js = cluster.nodes[survivor].jetstream().await;
    let new_leader = std::cell::RefCell::new(None);
    wait_until("a new stream leader", PATIENCE, || async {
        let current = stream_cluster(&js).await.and_then(|c| c.leader);
        let elected = current.as_deref().is_some_and(|l| l != leader);
        *new_leader.borrow_mut() = current;
        elected
    })
    .await;
    let new_leader = new_leader.into_inner().unwrap_or_default();

    // The killed node comes back and catches up.
    cluster.restart(victim).await;
    load.wait_for_acks(50, PATIENCE).await;
    let record = load.stop().await;
    settle(&db.pool, &cluster.nodes[survivor]).await;
    let events =
        check_acknowledged_commands_stored(&db.pool, &cluster.nodes[survivor], &record).await;
    let statuses = check_orders_settled(&db.pool, &shop).await;
    let victim_name = format!("n{victim}");
    wait_until("the restarted node caught up", PATIENCE, || async {
        stream_cluster(&js).await.is_some_and(|c| {
            c.replicas.len() == 2
                && c.replicas
                    .iter()
                    .all(|peer| peer.current && !peer.offline && peer.lag.unwrap_or(0) == 0)
                && (c.leader.as_deref() == Some(&victim_name)
                    || c.replicas.iter().any(|peer| peer.name == victim_name))
        })
    })
    .await;
    let stopped = engine.stop().await.expect("engine was running");
    assert!(stopped.success(), "clean shutdown: {stopped}");
    check_read_models_equal_replay(&db.pool).await;

    eprintln!(
        "faults::cluster: 3 nodes, stream R3; SIGKILL of the stream leader {leader} (PID \
         {killed_pid}) after {published_before} events published, new leader {new_leader}, \
         node restarted and caught up; {} commands acknowledged ({} checkouts, {} payments), \
         {} not acknowledged; {events} events stored = on the stream once, in commit order; \
         orders {statuses:?}",
        record.acks.len(),
        record.count(route::CHECKOUT),
        record.count(route::PAY),
        record.failures.len(),
    );
}
