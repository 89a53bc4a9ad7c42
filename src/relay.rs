//! The relay: publishes every committed event to JetStream, exactly once in effect.
//!
//! - **One leader.** A relay publishes only while it holds a session advisory lock on a
//!   dedicated connection; others stand by and take over when that connection dies.
//! - **Nothing skipped.** Events are read in `(commit_xid, global_position)` order below the
//!   oldest running transaction ([`commerce_eventlog::reader`]), so a transaction that
//!   commits late is published before anything that follows it.
//! - **Nothing lost or doubled.** Each event is published with `Nats-Msg-Id` = its event id
//!   and the checkpoint advances only after every PubAck of the batch; a crash in between
//!   re-publishes the batch and JetStream drops the duplicates. Within a batch each message
//!   carries the previous one's id as `Nats-Expected-Last-Msg-Id`, so a message lost in a
//!   reconnect makes its successors fail too instead of landing ahead of it.
//! - **Woken by NOTIFY**, which the writers send after their commits (`store::Wake`), with a
//!   polling fallback (a notification can be lost, events inserted by other means notify
//!   nobody, and an event below a long transaction only becomes publishable when that
//!   transaction ends).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_nats::jetstream::{self, message::PublishMessage};
use commerce_eventlog::notify::NOTIFY_CHANNEL;
use commerce_eventlog::reader::{read_events, Horizon, Position, ReadFilter};
use commerce_eventlog::stream::{ensure_streams, StreamSettings};
use commerce_eventlog::Envelope;
use commerce_runtime::Backoff;
use sqlx::postgres::PgListener;
use sqlx::{Connection, PgConnection, PgPool};

use crate::leader;
use crate::shutdown::Shutdown;

/// Advisory lock key held by the leading relay ("commerce" in ASCII).
pub const RELAY_LOCK_KEY: i64 = 0x636f_6d6d_6572_6365;

/// The relay checkpoint row.
pub const CHECKPOINT: &str = "main";

/// The wait before publishing a batch again after NATS refused it.
const PUBLISH_BACKOFF: Backoff =
    Backoff::new(Duration::from_millis(200), Duration::from_millis(3_200));

/// How the relay publishes.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// The streams it publishes to.
    pub stream: StreamSettings,
    /// Events read and published per batch.
    pub batch_size: i64,
    /// Polling interval when no notification arrives.
    pub poll_interval: Duration,
    /// Fault injection for tests: abort the process after publishing a batch, before its
    /// checkpoint (`RELAY_FAULT=crash-after-publish`).
    pub crash_after_publish: bool,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            stream: StreamSettings::default(),
            batch_size: 500,
            poll_interval: Duration::from_millis(250),
            crash_after_publish: false,
        }
    }
}

/// Counters the relay exposes on `/metrics`.
#[derive(Debug, Default)]
pub struct RelayStats {
    /// True while this process is the leader.
    pub leader: AtomicBool,
    /// Events published (acknowledged by JetStream) by this process.
    pub published: AtomicU64,
    /// Publications JetStream reported as duplicates (re-published after a crash).
    pub duplicates: AtomicU64,
}

/// The relay of one process.
pub struct Relay {
    pool: PgPool,
    js: jetstream::Context,
    settings: RelaySettings,
    stats: Arc<RelayStats>,
}

impl Relay {
    /// A relay publishing the events of `pool` through `js`.
    pub fn new(pool: PgPool, js: jetstream::Context, settings: RelaySettings) -> Self {
        Self {
            pool,
            js,
            settings,
            stats: Arc::default(),
        }
    }

    /// Its counters.
    pub fn stats(&self) -> Arc<RelayStats> {
        self.stats.clone()
    }

    /// Publishes until `shutdown`: waits for leadership, leads, and starts over when it
    /// loses the lock or a dependency fails.
    pub async fn run(self, shutdown: Shutdown) -> anyhow::Result<()> {
        leader::lead_until_shutdown(&self, &self.pool, RELAY_LOCK_KEY, "relay", &shutdown).await;
        tracing::info!("relay stopped: shutdown requested");
        Ok(())
    }

    /// Publishes while `lock` lives (the body of its [`leader::Leader`] impl).
    async fn relay(&self, lock: &mut PgConnection, shutdown: &Shutdown) -> anyhow::Result<()> {
        while let Err(error) = ensure_streams(&self.js, &self.settings.stream).await {
            tracing::warn!(%error, "JetStream unavailable, retrying");
            if shutdown.sleep(Duration::from_secs(1)).await {
                return Ok(());
            }
        }
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(NOTIFY_CHANNEL).await?;
        let mut checkpoint = load_checkpoint(&self.pool).await?;
        let mut lock_checked = Instant::now();
        let mut failures = 0u32;
        while !shutdown.is_triggered() {
            if lock_checked.elapsed() > Duration::from_secs(2) {
                lock.ping().await.context("relay lock connection lost")?;
                lock_checked = Instant::now();
            }
            let batch = {
                let mut conn = self.pool.acquire().await?;
                let filter =
                    ReadFilter::new(checkpoint, self.settings.batch_size, Horizon::Published);
                read_events(&mut conn, &filter).await?
            };
            let Some(&(last, _)) = batch.last() else {
                tokio::select! {
                    notified = listener.recv() => { notified?; }
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                    _ = shutdown.wait() => {}
                }
                continue;
            };
            match self.publish(&batch).await {
                Ok(duplicates) => {
                    tracing::debug!(events = batch.len(), duplicates, from = ?batch[0].0, to = ?last,
                        "batch published");
                    failures = 0;
                    let count = batch.len() as u64;
                    self.stats.published.fetch_add(count, Ordering::Relaxed);
                    self.stats
                        .duplicates
                        .fetch_add(duplicates, Ordering::Relaxed);
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, events = batch.len(), "publish failed, retrying from the checkpoint");
                    if shutdown.sleep(PUBLISH_BACKOFF.after(failures)).await {
                        return Ok(());
                    }
                    continue;
                }
            }
            if self.settings.crash_after_publish {
                tracing::error!("RELAY_FAULT=crash-after-publish: aborting before the checkpoint");
                std::process::abort();
            }
            save_checkpoint(&self.pool, last, batch.len()).await?;
            checkpoint = last;
        }
        Ok(())
    }

    /// Publishes a batch, pipelined, and waits for every PubAck. Returns how many JetStream
    /// reported as duplicates.
    async fn publish(&self, batch: &[(Position, Envelope)]) -> Result<u64, async_nats::Error> {
        let mut acks = Vec::with_capacity(batch.len());
        let mut previous: Option<String> = None;
        for (_, envelope) in batch {
            let id = envelope.event_id.to_string();
            let mut message = PublishMessage::build()
                .payload(serde_json::to_vec(envelope)?.into())
                .message_id(&id);
            if let Some(previous) = &previous {
                message = message.expected_last_message_id(previous);
            }
            acks.push(self.js.send_publish(envelope.subject(), message).await?);
            previous = Some(id);
        }
        let mut duplicates = 0;
        for ack in acks {
            if ack.await?.duplicate {
                duplicates += 1;
            }
        }
        Ok(duplicates)
    }
}

impl leader::Leader for Relay {
    async fn lead(&self, lock: &mut PgConnection, shutdown: &Shutdown) -> anyhow::Result<()> {
        self.stats.leader.store(true, Ordering::Relaxed);
        let result = self.relay(lock, shutdown).await;
        self.stats.leader.store(false, Ordering::Relaxed);
        result
    }
}

async fn load_checkpoint(pool: &PgPool) -> Result<Position, sqlx::Error> {
    let (xid, global): (String, i64) = sqlx::query_as(
        "SELECT last_xid::text, last_position FROM relay_checkpoints WHERE name = $1",
    )
    .bind(CHECKPOINT)
    .fetch_one(pool)
    .await?;
    let xid = xid
        .parse()
        .map_err(|e| sqlx::Error::Decode(format!("checkpoint xid '{xid}': {e}").into()))?;
    Ok(Position { xid, global })
}

/// Moves the checkpoint forward (never back, should two relays briefly overlap).
async fn save_checkpoint(pool: &PgPool, to: Position, count: usize) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE relay_checkpoints
            SET last_xid = $2::text::xid8, last_position = $3,
                published = published + $4, updated_at = now()
          WHERE name = $1 AND (last_xid, last_position) < ($2::text::xid8, $3)",
    )
    .bind(CHECKPOINT)
    .bind(to.xid.to_string())
    .bind(to.global)
    .bind(i64::try_from(count).unwrap_or(i64::MAX))
    .execute(pool)
    .await?;
    Ok(())
}

/// Committed events not yet published: the relay's backlog.
pub async fn backlog(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM events e, relay_checkpoints c
          WHERE c.name = $1 AND (e.commit_xid, e.global_position) > (c.last_xid, c.last_position)",
    )
    .bind(CHECKPOINT)
    .fetch_one(pool)
    .await
}
