//! Two worker processes sharing every durable consumer never apply an event twice: the read
//! models they build together equal a replay.

use commerce::app::Roles;
use commerce_projections::{read_models, replay};

use super::{dump_read_models, projections_caught_up, start, wait_until, workload, PATIENCE};
use crate::helpers::TestDatabase;
use crate::nats_server::NatsServer;

#[tokio::test]
async fn two_workers_on_the_same_consumers_never_double_apply() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let relay = start(&db, &nats.url(), Roles::RELAY).await;
    let first = start(&db, &nats.url(), Roles::WORKER).await;
    let second = start(&db, &nats.url(), Roles::WORKER).await;
    for round in 1..=3 {
        workload::run(&relay.state.stores, round).await;
    }
    wait_until("projections caught up", PATIENCE, || {
        projections_caught_up(&db.pool)
    })
    .await;
    first.stop().await;
    second.stop().await;
    let live = dump_read_models(&db.pool).await;
    for projection in read_models::all(Default::default()) {
        replay::replay(&db.pool, projection.as_ref())
            .await
            .expect("replay");
    }
    assert_eq!(dump_read_models(&db.pool).await, live);
    relay.stop().await;
}
