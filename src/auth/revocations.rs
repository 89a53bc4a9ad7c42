//! The revoked access tokens, in memory.
//!
//! Every authenticated request asks whether its token's `jti` was revoked. Asking Postgres
//! costs a round trip per request (a third of the machine on cached product reads), so each
//! process keeps the revoked, unexpired `jti`s in a set instead:
//!
//! - a process records the tokens it revokes itself as it revokes them (in the revoking
//!   transaction, before it commits: a revocation rolled back still refuses the token here
//!   until it expires, the safe side);
//! - a trigger on `revoked_access_tokens` notifies `access_token_revoked` at commit and every
//!   process's listener adds the token ([`crate::listen::run`]); on (re)connecting, the
//!   listener loads the whole table first;
//! - while its listener is not connected, a process cannot know about other processes'
//!   revocations, and asks Postgres as before.
//!
//! A token revoked by another process is therefore refused by this one once the notification
//! arrives, milliseconds after the revocation commits. The set is process-wide (several
//! engines in one process, as in the tests, share it; `jti`s are unique), and expired tokens
//! are dropped from it as it grows: an expired token is refused anyway.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::listen::Subscriber;

/// The channel the trigger notifies (migration `access_token_revoked`).
pub const CHANNEL: &str = "access_token_revoked";

/// Revoked `jti` → the token's expiry, for the whole process.
#[derive(Default)]
struct Revoked {
    tokens: HashMap<Uuid, i64>,
    /// Size after the last sweep of expired tokens; the next sweep comes at twice that.
    swept_at: usize,
}

fn revoked() -> &'static RwLock<Revoked> {
    static REVOKED: OnceLock<RwLock<Revoked>> = OnceLock::new();
    REVOKED.get_or_init(RwLock::default)
}

/// Whether `jti` is in the set (every request asks: a shared lock).
fn contains(jti: &Uuid) -> bool {
    revoked()
        .read()
        // Every update is one step: the data is consistent even after a panic.
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .tokens
        .contains_key(jti)
}

/// Records that `jti`, valid until `expires_at`, is revoked (see the module documentation).
pub fn record(jti: Uuid, expires_at: DateTime<Utc>) {
    record_at(jti, expires_at.timestamp(), Utc::now().timestamp());
}

fn record_at(jti: Uuid, expires_at: i64, now: i64) {
    let mut revoked = revoked()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    revoked.tokens.insert(jti, expires_at);
    if revoked.tokens.len() >= (2 * revoked.swept_at).max(1024) {
        revoked.tokens.retain(|_, expires| *expires >= now);
        revoked.swept_at = revoked.tokens.len();
    }
}

/// One process's view of the revocations: the shared set, trusted only while this process's
/// listener is connected.
#[derive(Clone)]
pub struct RevocationList {
    live: Arc<AtomicBool>,
}

impl RevocationList {
    /// A list not trusted yet: every question goes to Postgres (unless the token was revoked
    /// in this process) until its listener ([`crate::listen::run`]) has connected.
    pub fn offline() -> Self {
        Self {
            live: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether the access token `jti` has been revoked.
    pub async fn is_revoked(&self, pool: &PgPool, jti: Uuid) -> Result<bool, sqlx::Error> {
        if contains(&jti) {
            return Ok(true);
        }
        if self.live.load(Ordering::Acquire) {
            return Ok(false);
        }
        super::sessions::is_revoked(pool, jti).await
    }
}

#[async_trait]
impl Subscriber for RevocationList {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    async fn connected(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let rows: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT jti, expires_at FROM revoked_access_tokens WHERE expires_at >= now()",
        )
        .fetch_all(pool)
        .await?;
        let now = Utc::now().timestamp();
        for (jti, expires_at) in rows {
            record_at(jti, expires_at.timestamp(), now);
        }
        self.live.store(true, Ordering::Release);
        Ok(())
    }

    fn notified(&self, payload: &str) {
        let parsed = payload.split_once(' ').and_then(|(jti, expires)| {
            Some((jti.parse::<Uuid>().ok()?, expires.parse::<i64>().ok()?))
        });
        match parsed {
            Some((jti, expires_at)) => record_at(jti, expires_at, Utc::now().timestamp()),
            None => {
                // Cannot tell which token: ask Postgres until the listener reconnects.
                tracing::error!(payload, "unreadable revocation notification");
                self.live.store(false, Ordering::Release);
            }
        }
    }

    fn disconnected(&self) {
        self.live.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notified_token_is_revoked_and_expired_ones_are_swept_as_the_set_grows() {
        let list = RevocationList::offline();
        let jti = Uuid::new_v4();
        let now = Utc::now().timestamp();
        list.notified(&format!("{jti} {}", now + 600));
        assert!(contains(&jti));

        let expired: Vec<Uuid> = (0..3000).map(|_| Uuid::new_v4()).collect();
        for id in &expired {
            record_at(*id, now - 1, now);
        }
        let left = expired.iter().filter(|id| contains(id)).count();
        assert!(left < expired.len(), "expired tokens swept ({left} left)");
        assert!(contains(&jti), "live token kept");
    }

    #[test]
    fn an_unreadable_notification_stops_trusting_the_set() {
        let list = RevocationList::offline();
        list.live.store(true, Ordering::Release);
        list.notified("not a token");
        assert!(!list.live.load(Ordering::Acquire));
    }
}
