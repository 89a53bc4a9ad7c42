//! The publication pipeline end to end: relay, JetStream, projection workers, replay —
//! each test with its own database and its own nats-server.

mod consumers;
mod crash;
mod dead_letter;
mod fast_replay;
mod late_commit;
mod leader;
mod nats_outage;
mod redelivery;
mod replay;
mod two_workers;
mod workload;

use std::collections::BTreeMap;
use std::time::Duration;

use commerce::app::{App, Roles};
use commerce::http::AppState;
use commerce::shutdown::Shutdown;
use commerce_projections::read_models;
use sqlx::PgPool;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use crate::fixtures::wait_until;
use crate::helpers::{test_config_with, TestDatabase};

/// Engine roles running in the test against a database and a NATS server.
pub struct Running {
    /// Their shared state.
    pub state: AppState,
    shutdown: Shutdown,
    handle: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Stops every role and waits for them.
    pub async fn stop(self) {
        self.shutdown.trigger();
        self.handle
            .await
            .expect("roles task")
            .expect("roles stop cleanly");
    }
}

/// Starts `roles` (relay and/or workers) against `db` and the NATS at `nats_url`.
pub async fn start(db: &TestDatabase, nats_url: &str, roles: Roles) -> Running {
    start_with(db, nats_url, roles, &[]).await
}

/// [`start`] with more configuration overrides.
pub async fn start_with(
    db: &TestDatabase,
    nats_url: &str,
    roles: Roles,
    overrides: &[(&str, &str)],
) -> Running {
    let mut all = vec![("NATS_URL", nats_url), ("HTTP_ADDR", "127.0.0.1:0")];
    all.extend_from_slice(overrides);
    let config = test_config_with(db, &all);
    let app = App::with_pool(&config, db.pool.clone(), roles)
        .await
        .expect("app builds");
    let state = app.state().clone();
    let shutdown = Shutdown::new();
    let handle = tokio::spawn(app.run(shutdown.clone()));
    Running {
        state,
        shutdown,
        handle,
    }
}

/// Every stored event id, in commit order.
pub async fn stored_event_ids(pool: &PgPool) -> Vec<Uuid> {
    sqlx::query_scalar("SELECT event_id FROM events ORDER BY commit_xid, global_position")
        .fetch_all(pool)
        .await
        .expect("event ids")
}

/// True when every projection has applied the last event of every aggregate it reads.
pub async fn projections_caught_up(pool: &PgPool) -> bool {
    for projection in read_models::all(Default::default()) {
        let behind: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (
                 SELECT aggregate_type, aggregate_id, max(sequence) AS last
                   FROM events WHERE aggregate_type = ANY($2) GROUP BY 1, 2) e
             LEFT JOIN projection_positions p
               ON p.projection = $1 AND p.aggregate_type = e.aggregate_type
              AND p.aggregate_id = e.aggregate_id
             WHERE p.last_sequence IS NULL OR p.last_sequence < e.last",
        )
        .bind(projection.name())
        .bind(
            projection
                .aggregate_types()
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>(),
        )
        .fetch_one(pool)
        .await
        .expect("positions");
        if behind > 0 {
            return false;
        }
    }
    true
}

/// Every read-model table's rows as JSON, sorted, for comparing two read models.
pub async fn dump_read_models(pool: &PgPool) -> BTreeMap<String, Vec<String>> {
    let mut dump = BTreeMap::new();
    for projection in read_models::all(Default::default()) {
        for table in projection.tables() {
            let rows: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT to_jsonb(t)::text FROM {table} t ORDER BY 1"
            ))
            .fetch_all(pool)
            .await
            .expect("table rows");
            dump.insert(table.to_string(), rows);
        }
    }
    dump
}

/// Ten seconds: generous for a loaded CI machine, short for a stuck pipeline.
pub const PATIENCE: Duration = Duration::from_secs(20);
