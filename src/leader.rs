//! Leadership through a Postgres session advisory lock, for the tasks of which one process
//! at a time may run (the relay, the hash-chain sealer): the leader holds the lock on a
//! dedicated connection; when that connection dies the lock is released and a standby takes
//! over.

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
