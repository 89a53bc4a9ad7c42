//! `replay` rebuilds read models equal to the ones the live consumers built.

use commerce::app::Roles;
use commerce_projections::{read_models, replay};

use super::{dump_read_models, projections_caught_up, start, wait_until, workload, PATIENCE};
use crate::helpers::TestDatabase;
use crate::nats_server::NatsServer;

#[tokio::test]
async fn replay_rebuilds_read_models_equal_to_the_live_ones() {
    let nats = NatsServer::start().await;
    let db = TestDatabase::create().await;
    let running = start(&db, &nats.url(), Roles::PIPELINE).await;
    workload::run(&running.state.stores, 1).await;
    workload::run(&running.state.stores, 2).await;
    wait_until("projections caught up", PATIENCE, || {
        projections_caught_up(&db.pool)
    })
    .await;

    let live = dump_read_models(&db.pool).await;
    for (table, rows) in &live {
        assert!(!rows.is_empty(), "the workload fills {table}");
    }
    for projection in read_models::all(Default::default()) {
        let applied = replay::replay(&db.pool, projection.as_ref())
            .await
            .expect("replay succeeds");
        assert!(applied > 0, "{} replayed events", projection.name());
    }
    let rebuilt = dump_read_models(&db.pool).await;
    assert_eq!(rebuilt, live);
    running.stop().await;
}
