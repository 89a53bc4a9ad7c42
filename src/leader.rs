//! Leadership through a Postgres session advisory lock, for the tasks of which one process
//! at a time may run (the relay, the hash-chain sealer): the leader holds the lock on a
//! dedicated connection; when that connection dies the lock is released and a standby takes
//! over.

use std::future::Future;
use std::time::Duration;

use sqlx::{Connection, PgConnection, PgPool};

use crate::shutdown::Shutdown;

/// A dedicated connection holding the advisory lock `key`, or `None` on shutdown. Tries
/// every 500 ms while another process leads, reconnects every second while Postgres is
/// unreachable; `role` names the task in the logs.
pub async fn acquire(
    pool: &PgPool,
    key: i64,
    role: &'static str,
    shutdown: &Shutdown,
) -> Option<PgConnection> {
    let mut announced = false;
    while !shutdown.is_triggered() {
        match PgConnection::connect_with(&pool.connect_options()).await {
            Ok(mut conn) => loop {
                let locked = sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
                    .bind(key)
                    .fetch_one(&mut conn)
                    .await;
                match locked {
                    Ok(true) => return Some(conn),
                    Ok(false) if !announced => {
                        tracing::info!(role, "another process leads; standing by");
                        announced = true;
                    }
                    Ok(false) => {}
                    Err(error) => {
                        tracing::warn!(role, %error, "leader lock query failed");
                        break;
                    }
                }
                if shutdown.sleep(Duration::from_millis(500)).await {
                    return None;
                }
            },
            Err(error) => tracing::warn!(role, %error, "cannot reach Postgres"),
        }
        if shutdown.sleep(Duration::from_secs(1)).await {
            return None;
        }
    }
    None
}

/// A task of which one process at a time may run, for [`lead_until_shutdown`].
pub trait Leader: Sync {
    /// Does the task while `lock` (the connection holding its lock) lives: `Ok` once
    /// `shutdown` is triggered, `Err` when the lock or a dependency fails.
    fn lead(
        &self,
        lock: &mut PgConnection,
        shutdown: &Shutdown,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Leads until `shutdown`: waits for the lock `key` ([`acquire`]), runs the task on its
/// connection, and when the task fails lets the lock go, logs why and starts over a second
/// later; `role` names the task in the logs.
pub async fn lead_until_shutdown(
    task: &impl Leader,
    pool: &PgPool,
    key: i64,
    role: &'static str,
    shutdown: &Shutdown,
) {
    while let Some(mut lock) = acquire(pool, key, role, shutdown).await {
        tracing::info!("{role} is the leader");
        let result = task.lead(&mut lock, shutdown).await;
        drop(lock);
        match result {
            Ok(()) => break,
            Err(error) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "{role} interrupted, restarting"
                );
                if shutdown.sleep(Duration::from_secs(1)).await {
                    break;
                }
            }
        }
    }
}
