//! The sealer: appends every committed event to the hash chain (`event_chain`), in the
//! commit-safe order the relay publishes in.
//!
//! Writers never wait for it: postgres-es inserts events concurrently from many transactions,
//! and a chain computed at insert time would serialise them all. Instead, one sealer at a time
//! (the holder of a Postgres session advisory lock, run with the relay) reads the events after
//! the chain's head in `(commit_xid, global_position)` order, only below the oldest running
//! transaction (`pg_snapshot_xmin`), so a late commit is sealed before anything after it and
//! nothing legitimate can ever appear below the head. Each batch is one transaction that also
//! takes a transaction advisory lock, so an ad-hoc [`seal_batch`] (`commerce audit seal`) and
//! the sealer task never interleave.
//!
//! An event edited before it is sealed is sealed as edited: the window is the sealer's lag
//! (woken by `NOTIFY events_appended`, polling as a fallback, and pausing [`SEAL_PAUSE`]
//! after each batch that was not full, so bursts of appends are sealed together).

use std::time::{Duration, Instant};

use anyhow::Context as _;
use sqlx::postgres::PgListener;
use sqlx::{Connection, PgConnection, PgPool, Postgres, QueryBuilder, Row};

use super::chain::{content_hash, link_hash, to_hash, Hash, LinkFields, GENESIS};
use super::stored::{parse_xid, StoredEvent};
use crate::leader;
use crate::shutdown::Shutdown;
use commerce_eventlog::notify::NOTIFY_CHANNEL;
use commerce_eventlog::reader::{read_rows, Horizon, Position, ReadFilter};

/// Session advisory lock held by the leading sealer ("chainsea" in ASCII).
pub const SEALER_LOCK_KEY: i64 = 0x6368_6169_6e73_6561;
/// Transaction advisory lock taken by every sealing batch.
const BATCH_LOCK_KEY: i64 = SEALER_LOCK_KEY + 1;

/// The sealer's default pause after a batch that was not full (see [`SealerSettings::pause`]).
pub const SEAL_PAUSE: Duration = Duration::from_millis(50);

/// How the sealer works.
#[derive(Debug, Clone)]
pub struct SealerSettings {
    /// Events sealed per transaction.
    pub batch_size: i64,
    /// Polling interval when no notification arrives.
    pub poll_interval: Duration,
    /// Least time between two batches that found less than a full batch: appends that
    /// arrive meanwhile are sealed together, instead of one sealing transaction (five
    /// statements) per burst of appends.
    pub pause: Duration,
}

/// The sealer of one process (see the module documentation).
pub struct Sealer {
    pool: PgPool,
    settings: SealerSettings,
}

impl Sealer {
    /// A sealer over `pool`.
    pub fn new(pool: PgPool, settings: SealerSettings) -> Self {
        Self { pool, settings }
    }

    /// Seals until `shutdown`: waits for leadership, leads, and starts over when it loses the
    /// lock or Postgres fails.
    pub async fn run(self, shutdown: Shutdown) -> anyhow::Result<()> {
        leader::lead_until_shutdown(&self, &self.pool, SEALER_LOCK_KEY, "sealer", &shutdown).await;
        Ok(())
    }
}

impl leader::Leader for Sealer {
    async fn lead(&self, lock: &mut PgConnection, shutdown: &Shutdown) -> anyhow::Result<()> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(NOTIFY_CHANNEL).await?;
        let mut lock_checked = Instant::now();
        while !shutdown.is_triggered() {
            if lock_checked.elapsed() > Duration::from_secs(2) {
                lock.ping().await.context("sealer lock connection lost")?;
                lock_checked = Instant::now();
            }
            let sealed = seal_batch(&self.pool, self.settings.batch_size).await?;
            if sealed as i64 >= self.settings.batch_size {
                continue;
            }
            // Notifications arriving during the pause stay queued in the listener.
            if shutdown.sleep(self.settings.pause).await {
                break;
            }
            tokio::select! {
                notified = listener.recv() => { notified?; }
                _ = tokio::time::sleep(self.settings.poll_interval) => {}
                _ = shutdown.wait() => {}
            }
        }
        Ok(())
    }
}

/// The chain's last link, or the genesis before the first.
struct Head {
    /// Its number (0 before the first link).
    link: i64,
    /// Its hash, which the next link chains from.
    hash: Hash,
    /// Where it sealed, in commit order.
    position: Position,
}

/// The last link: its number, hash and where it sealed.
async fn head(conn: &mut PgConnection) -> Result<Head, sqlx::Error> {
    let row = sqlx::query(
        "SELECT link, hash, commit_xid::text AS commit_xid, global_position
           FROM event_chain ORDER BY link DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(Head {
            link: 0,
            hash: GENESIS,
            position: Position::default(),
        });
    };
    let hash: Vec<u8> = row.try_get("hash")?;
    let hash = to_hash(&hash).ok_or_else(|| sqlx::Error::Decode("chain hash length".into()))?;
    let xid: String = row.try_get("commit_xid")?;
    Ok(Head {
        link: row.try_get("link")?,
        hash,
        position: Position {
            xid: parse_xid(&xid)?,
            global: row.try_get("global_position")?,
        },
    })
}

/// Seals the next (at most `limit`) committed events after the chain's head, in one
/// transaction; how many it sealed.
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn seal_batch(pool: &PgPool, limit: i64) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(BATCH_LOCK_KEY)
        .execute(&mut *tx)
        .await?;
    let head = head(&mut tx).await?;
    let (mut link, mut prev) = (head.link, head.hash);
    let filter = ReadFilter::new(head.position, limit.max(1), Horizon::Snapshot);
    let rows = read_rows(&mut tx, &filter).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let events = rows
        .iter()
        .map(StoredEvent::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(
        "INSERT INTO event_chain (link, global_position, commit_xid, event_id, aggregate_type, \
         aggregate_id, sequence, content_hash, prev_hash, hash) ",
    );
    insert.push_values(&events, |mut values, event| {
        link += 1;
        let fields = LinkFields {
            link,
            global_position: event.global_position,
            sequence: event.sequence,
            content_hash: content_hash(&event.content()),
        };
        let hash = link_hash(&prev, &fields);
        values
            .push_bind(link)
            .push_bind(event.global_position)
            .push_bind(event.commit_xid.to_string())
            .push_unseparated("::text::xid8")
            .push_bind(event.event_id)
            .push_bind(event.aggregate_type.clone())
            .push_bind(event.aggregate_id.clone())
            .push_bind(event.sequence)
            .push_bind(fields.content_hash.to_vec())
            .push_bind(prev.to_vec())
            .push_bind(hash.to_vec());
        prev = hash;
    });
    insert.build().execute(&mut *tx).await?;
    tx.commit().await?;
    tracing::debug!(sealed = events.len(), head = link, "events sealed");
    Ok(events.len())
}

/// Seals every committed event not sealed yet (batches of `batch_size`); how many.
pub async fn seal_all(pool: &PgPool, batch_size: i64) -> Result<u64, sqlx::Error> {
    let mut total = 0u64;
    loop {
        let sealed = seal_batch(pool, batch_size).await?;
        total += sealed as u64;
        if (sealed as i64) < batch_size.max(1) {
            return Ok(total);
        }
    }
}

/// Events stored after the chain's head, not sealed yet: the sealer's backlog (for metrics).
/// With a head, only the events after it are read (the commit-order index from the head on);
/// every event only while the chain is empty.
pub async fn backlog(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "WITH h AS (SELECT commit_xid, global_position FROM event_chain
                     ORDER BY link DESC LIMIT 1)
         SELECT CASE WHEN EXISTS (SELECT 1 FROM h)
                THEN (SELECT count(*) FROM events e, h
                       WHERE (e.commit_xid, e.global_position) > (h.commit_xid, h.global_position))
                ELSE (SELECT count(*) FROM events) END",
    )
    .fetch_one(pool)
    .await
}
