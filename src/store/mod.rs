//! The event store: one command executor per aggregate over the postgres-es tables, with the
//! metadata every event carries, and decisions over several aggregates committed together
//! ([`Transaction`], used by the use cases).
//!
//! [`AggregateStore::execute`] is the cqrs-es command path (load the aggregate, `handle` the
//! command into an `EventSink`, append the events) extended with what the HTTP contract needs
//! and `CqrsFramework::execute` does not return: the new version, an optional expected
//! version (`If-Match`), and bounded retries when a concurrent command on the same aggregate
//! wins the race for the next sequence number.
//!
//! Loading goes through postgres-es (latest snapshot plus the events after it); events stored
//! in an older payload version are upcast on load (`commerce_aggregates::upcast`). Appending
//! and snapshots are done here: a command's events are inserted in one statement, together
//! with those of the process's concurrent commands ([`group`]), where postgres-es opens a
//! transaction and inserts them one by one (three or more round trips per command, the
//! largest share of the engine's statements under load); and cqrs-es 0.5's
//! snapshot store applies a command's events a second time to an aggregate that
//! `EventSink::write` already updated, and labels a snapshot taken mid-batch with the batch's
//! last sequence. After each append the process's [`Appends`] tell the event readers (relay,
//! sealer, live streams) of every process.

mod cache;
mod companion;
mod error;
mod followed;
mod group;
mod metadata;
mod snapshot;
mod transaction;
mod turns;
mod wake;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use commerce_aggregates::cart::Cart;
use commerce_aggregates::category::Category;
use commerce_aggregates::contact::ContactMessage;
use commerce_aggregates::coupon::Coupon;
use commerce_aggregates::order::Order;
use commerce_aggregates::product::Product;
use commerce_aggregates::store::Store;
use commerce_aggregates::tag::Tag;
use commerce_aggregates::upcast::{event_upcasters, upcast};
use commerce_runtime::Backoff;
use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateError, DomainEvent, EventEnvelope, EventStore};
use postgres_es::PostgresEventRepository;
use sqlx::PgPool;

pub use companion::Companion;
pub use error::StoreError;
pub use metadata::{keys, Actor, CommandMetadata};
pub use snapshot::{Snapshot, Snapshots};
pub use transaction::{CommitError, Stream, Transaction, Turn};

/// The appends of one process: inserted together when concurrent ([`group`]), then announced
/// to the event readers of every process ([`wake`]). One per process, shared by its stores;
/// it needs a Tokio runtime, and its tasks end when the last clone is dropped.
#[derive(Clone)]
pub struct Appends {
    appender: group::Appender,
    wake: wake::Wake,
}

impl Appends {
    /// Appends through `pool`.
    pub fn new(pool: PgPool) -> Self {
        Self {
            appender: group::Appender::new(pool.clone()),
            wake: wake::Wake::new(pool),
        }
    }
}

/// Name of the events table (postgres-es layout plus our columns).
pub const EVENTS_TABLE: &str = "events";
/// Name of the snapshots table.
pub const SNAPSHOTS_TABLE: &str = "snapshots";
/// Streams per store whose following appends are remembered ([`followed`]).
const FOLLOWED_STREAMS: usize = 1_000;
/// How many times a command is retried after losing a sequence-number race.
pub const MAX_CONFLICT_RETRIES: u32 = 16;

/// Why a command was not committed.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError<E: std::error::Error> {
    /// The aggregate refused the command.
    #[error(transparent)]
    Domain(E),
    /// The caller expected another version (`If-Match`).
    #[error("expected version {expected}, the aggregate is at version {actual}")]
    VersionMismatch {
        /// Version the caller sent.
        expected: usize,
        /// Version in the store.
        actual: usize,
    },
    /// Concurrent commands kept winning the race for the next sequence number.
    #[error("the aggregate kept changing concurrently; retry")]
    Conflict,
    /// The event store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl<E: std::error::Error> ExecuteError<E> {
    /// A read's failure as the store's: a load refuses nothing and races nobody, so anything
    /// but a store failure is a bug.
    pub fn into_store_error(self) -> StoreError {
        match self {
            ExecuteError::Store(error) => error,
            other => StoreError::Failed(other.to_string()),
        }
    }
}

/// The outcome of a committed command.
#[derive(Debug)]
pub struct Committed<A: Aggregate> {
    /// The aggregate's version after the command: the sequence of its last event.
    pub version: usize,
    /// The events the command appended (empty for an idempotent no-op).
    pub events: Vec<EventEnvelope<A>>,
}

/// Loads and commands one kind of aggregate.
pub struct AggregateStore<A: Aggregate> {
    /// Reads snapshots (when enabled) and events.
    loader: PersistedEventStore<PostgresEventRepository, A>,
    /// Write a snapshot whenever the version crosses a multiple of this.
    snapshot_every: Option<usize>,
    /// Aggregates as the last commands left them (see [`cache`]).
    cache: Option<cache::AggregateCache<A>>,
    /// Commands of this process on one aggregate run one at a time (see [`turns`]).
    turns: turns::Turns,
    /// Where this process's appends go (shared by its stores).
    appends: Appends,
    /// How far streams are known to hold only what following decisions ignore (see
    /// [`followed`]).
    followed: followed::Followed,
    pool: PgPool,
}

impl<A> AggregateStore<A>
where
    A: Aggregate<Services = ()> + Clone + Send + Sync,
    A::Command: Clone + Send,
{
    /// Aggregates rebuilt from all their events on every load, appended through `appends`.
    pub fn event_sourced(pool: PgPool, appends: Appends) -> Self {
        Self {
            loader: PersistedEventStore::new_event_store(repository(pool.clone()))
                .with_upcasters(event_upcasters()),
            snapshot_every: None,
            cache: None,
            turns: turns::Turns::default(),
            followed: followed::Followed::new(FOLLOWED_STREAMS),
            appends,
            pool,
        }
    }

    /// Aggregates loaded from a snapshot plus the events after it; a snapshot is written
    /// every `every` events; appended through `appends`.
    pub fn snapshotted(pool: PgPool, every: usize, appends: Appends) -> Self {
        let every = every.max(1);
        Self {
            loader: PersistedEventStore::new_snapshot_store(repository(pool.clone()), every)
                .with_upcasters(event_upcasters()),
            snapshot_every: Some(every),
            cache: None,
            turns: turns::Turns::default(),
            followed: followed::Followed::new(FOLLOWED_STREAMS),
            appends,
            pool,
        }
    }

    /// Keeps up to `capacity` aggregates in memory between commands (0: none); see [`cache`].
    pub fn with_cache(mut self, capacity: usize) -> Self {
        self.cache = cache::AggregateCache::new(capacity);
        self
    }

    /// The aggregate's current state and version (0 and the default state when it has no
    /// events).
    ///
    /// With the cache, a kept aggregate is brought up to date with the events stored after
    /// its version (one query, usually answering none) instead of being loaded from all its
    /// events: as current as a full load, without decoding the stream again.
    pub async fn load(&self, id: &str) -> Result<Loaded<A>, ExecuteError<A::Error>> {
        let asked = Instant::now();
        if let Some(cache) = &self.cache {
            if let Some((mut aggregate, version, _)) = cache.get(id) {
                let current = self
                    .catch_up(id, &mut aggregate, version)
                    .await
                    .map_err(ExecuteError::Store)?;
                if current == version {
                    cache.touch(id, version, asked);
                } else {
                    cache.put(id, aggregate.clone(), current, asked);
                }
                return Ok(Loaded {
                    aggregate,
                    version: current,
                });
            }
        }
        let context = self.loader.load_aggregate(id).await.map_err(store_error)?;
        self.keep(
            id,
            context.aggregate.clone(),
            context.current_sequence,
            asked,
        );
        Ok(Loaded {
            aggregate: context.aggregate,
            version: context.current_sequence,
        })
    }

    /// The kept aggregate and its version as they are, without asking the store whether they
    /// are current (when none is kept, a [`load`](Self::load)). For a caller that commits on
    /// it with that version expected, so that the commit finds out a stale state.
    pub async fn load_unchecked(&self, id: &str) -> Result<Loaded<A>, ExecuteError<A::Error>> {
        if let Some((aggregate, version, _)) = self.cache.as_ref().and_then(|c| c.get(id)) {
            return Ok(Loaded { aggregate, version });
        }
        self.load(id).await
    }

    /// What `read` makes of the aggregate and its version, as [`load`](Self::load) would
    /// find them, except that a kept aggregate known to be current within `max_age` (read,
    /// checked or committed to by this process that recently) is read in place, without
    /// asking the store or copying it. What another process committed in that window may be
    /// missing, so this is for reads whose outcome is checked again on the current state where
    /// it matters (a cart line's price is checked when the order's stock is reserved). `read`
    /// may run under the cache's lock: it must be quick.
    pub async fn read_recent<R>(
        &self,
        id: &str,
        max_age: Duration,
        read: impl FnOnce(&A, usize) -> R,
    ) -> Result<R, ExecuteError<A::Error>> {
        let read = match &self.cache {
            Some(cache) => match cache.read_fresh(id, max_age, read) {
                Ok(result) => return Ok(result),
                Err(read) => read,
            },
            None => read,
        };
        let Loaded { aggregate, version } = self.load(id).await?;
        Ok(read(&aggregate, version))
    }

    /// Applies the events stored after `version` to `aggregate`; its version afterwards.
    async fn catch_up(
        &self,
        id: &str,
        aggregate: &mut A,
        version: usize,
    ) -> Result<usize, StoreError> {
        let after = i64::try_from(version).map_err(|e| StoreError::Failed(e.to_string()))?;
        let rows: Vec<(i64, String, String, serde_json::Value)> = sqlx::query_as(
            "SELECT sequence, event_type, event_version, payload FROM events
              WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3
              ORDER BY sequence",
        )
        .bind(A::TYPE)
        .bind(id)
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        let mut current = version;
        for (sequence, event_type, event_version, payload) in rows {
            let sequence = usize::try_from(sequence).unwrap_or_default();
            let payload = upcast(&event_type, &event_version, payload).payload;
            let event: A::Event = serde_json::from_value(payload).map_err(|e| {
                StoreError::Failed(format!(
                    "decoding event {sequence} of {} {id}: {e}",
                    A::TYPE
                ))
            })?;
            aggregate.apply(event);
            current = sequence;
        }
        Ok(current)
    }

    /// Every stored event of the aggregate, in sequence order.
    pub async fn events(&self, id: &str) -> Result<Vec<EventEnvelope<A>>, ExecuteError<A::Error>> {
        self.loader.load_events(id).await.map_err(store_error)
    }

    /// Runs `command` against the aggregate `id` and appends its events with `metadata`.
    /// Commands of this process on one aggregate run one after another ([`turns`]).
    ///
    /// With `expected_version`, the command is refused unless the aggregate is at exactly that
    /// version. Without it, losing a race to a concurrent command reloads the aggregate and
    /// runs the command again, at most [`MAX_CONFLICT_RETRIES`] times.
    pub async fn execute(
        &self,
        id: &str,
        command: A::Command,
        metadata: &CommandMetadata,
        expected_version: Option<usize>,
    ) -> Result<Committed<A>, ExecuteError<A::Error>> {
        self.run(id, command, metadata, expected_version, false, &[])
            .await
    }

    /// [`execute`](Self::execute), with `companions` stored in the commit of the command's
    /// events (not at all when the command appends nothing).
    pub async fn execute_with(
        &self,
        id: &str,
        command: A::Command,
        metadata: &CommandMetadata,
        expected_version: Option<usize>,
        companions: &[Companion],
    ) -> Result<Committed<A>, ExecuteError<A::Error>> {
        self.run(id, command, metadata, expected_version, false, companions)
            .await
    }

    /// Runs `command` on the aggregate `id` that the caller has just named (a random id
    /// nobody else knows yet): it starts from the empty aggregate instead of asking the store.
    /// That is checked like a cached state: its events are appended from sequence 1, which
    /// fails if the id is taken after all, and a refusal or no-op runs again on a load.
    pub async fn execute_new(
        &self,
        id: &str,
        command: A::Command,
        metadata: &CommandMetadata,
    ) -> Result<Committed<A>, ExecuteError<A::Error>> {
        self.run(id, command, metadata, None, true, &[]).await
    }

    #[tracing::instrument(skip_all, fields(aggregate = A::TYPE, id = %id), err(level = "debug"))]
    async fn run(
        &self,
        id: &str,
        command: A::Command,
        metadata: &CommandMetadata,
        expected_version: Option<usize>,
        mut assume_new: bool,
        companions: &[Companion],
    ) -> Result<Committed<A>, ExecuteError<A::Error>> {
        let metadata = metadata.to_map();
        let turn = self.turns.take(id).await;
        let mut attempt = 0;
        // Whether this round may start from an unchecked state (the cached one, or the empty
        // one of a new id); after a refusal, a no-op or a version mismatch on it, the command
        // runs again on a fresh load.
        let mut unchecked_allowed = true;
        loop {
            let cached = self
                .cache
                .as_ref()
                .filter(|_| unchecked_allowed)
                .and_then(|cache| cache.take(id))
                .or_else(|| {
                    (unchecked_allowed && assume_new).then(|| (A::default(), 0, Instant::now()))
                });
            // The empty state is assumed once; a lost race means the id was taken after all.
            assume_new = false;
            let from_cache = cached.is_some();
            let (mut aggregate, version, checked) = match cached {
                Some(entry) => entry,
                None => {
                    let asked = Instant::now();
                    let context = self.loader.load_aggregate(id).await.map_err(store_error)?;
                    (context.aggregate, context.current_sequence, asked)
                }
            };
            if let Some(expected) = expected_version {
                if expected != version {
                    if from_cache {
                        unchecked_allowed = false;
                        continue;
                    }
                    self.keep(id, aggregate, version, checked);
                    return Err(ExecuteError::VersionMismatch {
                        expected,
                        actual: version,
                    });
                }
            }
            let sink = EventSink::default();
            if let Err(error) = aggregate.handle(command.clone(), &(), &sink).await {
                // The aggregate may hold events of the refused command: not kept.
                if from_cache {
                    unchecked_allowed = false;
                    continue;
                }
                return Err(ExecuteError::Domain(error));
            }
            let events = sink.collect().await;
            if events.is_empty() {
                if from_cache {
                    unchecked_allowed = false;
                    continue;
                }
                self.keep(id, aggregate, version, checked);
                return Ok(Committed {
                    version,
                    events: Vec::new(),
                });
            }
            let appending = Instant::now();
            match self
                .append(id, version, events, &metadata, companions)
                .await
            {
                Ok(events) => {
                    self.appends.wake.appended();
                    let new_version = events.last().map_or(version, |e| e.sequence);
                    let snapshot = self.snapshot_due(id, &aggregate, version, new_version);
                    // Its sequence was free when the append was sent: current as of then.
                    self.keep(id, aggregate, new_version, appending);
                    drop(turn);
                    if let Some(snapshot) = snapshot {
                        snapshot.write().await;
                    }
                    return Ok(Committed {
                        version: new_version,
                        events,
                    });
                }
                Err(ExecuteError::Conflict) if attempt < MAX_CONFLICT_RETRIES => {
                    attempt += 1;
                    tracing::debug!(attempt, from_cache, "sequence conflict, retrying");
                    if !from_cache {
                        tokio::time::sleep(CONFLICT_BACKOFF.after(attempt)).await;
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Appends `events` after `version` and stores `companions`, atomically, in one statement
    /// with the appends of this process's concurrent commands ([`group`]). Another command having taken one of the
    /// sequence numbers is a [`ExecuteError::Conflict`].
    async fn append(
        &self,
        id: &str,
        version: usize,
        events: Vec<A::Event>,
        metadata: &HashMap<String, String>,
        companions: &[Companion],
    ) -> Result<Vec<EventEnvelope<A>>, ExecuteError<A::Error>> {
        let stored_metadata =
            serde_json::to_value(metadata).map_err(|e| ExecuteError::Store(encoding_failed(&e)))?;
        let rows = rows::<A>(id, version, &events, stored_metadata).map_err(ExecuteError::Store)?;
        match self
            .appends
            .appender
            .append(vec![rows], companions.to_vec())
            .await
        {
            Ok(_) => Ok(envelopes(id, version, events, metadata)),
            Err(group::AppendError::Conflict) => Err(ExecuteError::Conflict),
            Err(group::AppendError::Store(error)) => Err(ExecuteError::Store(error)),
        }
    }

    fn keep(&self, id: &str, aggregate: A, version: usize, checked: Instant) {
        if let Some(cache) = &self.cache {
            cache.put(id, aggregate, version, checked);
        }
    }
}

fn repository(pool: PgPool) -> PostgresEventRepository {
    PostgresEventRepository::new(pool).with_tables(EVENTS_TABLE, SNAPSHOTS_TABLE)
}

fn store_error<E: std::error::Error>(error: AggregateError<E>) -> ExecuteError<E> {
    match error {
        AggregateError::UserError(e) => ExecuteError::Domain(e),
        AggregateError::AggregateConflict => ExecuteError::Conflict,
        other => ExecuteError::Store(error::from_aggregate_error(&other)),
    }
}

fn encoding_failed(error: &serde_json::Error) -> StoreError {
    StoreError::Failed(format!("encoding an event: {error}"))
}

/// The rows of `events` appended to stream `id` after `version`.
fn rows<A: Aggregate>(
    id: &str,
    version: usize,
    events: &[A::Event],
    metadata: serde_json::Value,
) -> Result<group::Rows, StoreError> {
    let mut rows = Vec::with_capacity(events.len());
    for (sequence, event) in (version + 1..).zip(events) {
        rows.push((
            i64::try_from(sequence).map_err(|e| StoreError::Failed(e.to_string()))?,
            event.event_type(),
            event.event_version(),
            serde_json::to_value(event).map_err(|e| encoding_failed(&e))?,
        ));
    }
    Ok(group::Rows {
        aggregate_type: A::TYPE,
        aggregate_id: id.to_owned(),
        events: rows,
        metadata,
        condition: None,
    })
}

/// The envelopes of `events`, stored in stream `id` after `version`.
fn envelopes<A: Aggregate>(
    id: &str,
    version: usize,
    events: Vec<A::Event>,
    metadata: &HashMap<String, String>,
) -> Vec<EventEnvelope<A>> {
    (version + 1..)
        .zip(events)
        .map(|(sequence, payload)| EventEnvelope {
            aggregate_id: id.to_owned(),
            sequence,
            payload,
            metadata: metadata.clone(),
        })
        .collect()
}

/// The wait before deciding again after a conflict, jittered so racing commands spread out:
/// 2–4 ms, 4–8 ms, … at most 64–128 ms.
pub const CONFLICT_BACKOFF: Backoff =
    Backoff::new(Duration::from_millis(2), Duration::from_millis(64)).jittered();

/// An aggregate's state and the version it is at (0 before its first event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded<A> {
    /// The state.
    pub aggregate: A,
    /// The sequence of its last event.
    pub version: usize,
}

/// One store per aggregate of the domain.
pub struct Stores {
    /// Products, snapshotted (their streams grow with every reservation).
    pub products: AggregateStore<Product>,
    /// Carts.
    pub carts: AggregateStore<Cart>,
    /// Orders.
    pub orders: AggregateStore<Order>,
    /// Coupons, keyed by their normalised code, snapshotted (a popular code's stream grows
    /// with every order redeeming it).
    pub coupons: AggregateStore<Coupon>,
    /// Stores, the sales channels, keyed by slug (`shops` because `Stores` already names
    /// this set of event stores); kept in memory like the others, since every new cart and
    /// product reads its store.
    pub shops: AggregateStore<Store>,
    /// Messages sent through the contact form, keyed by their id.
    pub contact_messages: AggregateStore<ContactMessage>,
    /// Categories, keyed by their slug.
    pub categories: AggregateStore<Category>,
    /// Tags, keyed by their slug.
    pub tags: AggregateStore<Tag>,
    /// Where the stores' appends go.
    appends: Appends,
}

impl Stores {
    /// Stores over `pool`; products and coupons are snapshotted every `snapshot_every` events.
    pub fn new(pool: PgPool, snapshot_every: usize) -> Self {
        Self::with_cache(pool, snapshot_every, 0)
    }

    /// [`Stores::new`] keeping up to `cache_entries` aggregates of each type in memory
    /// between commands (see [`AggregateStore::with_cache`]).
    ///
    /// The stores share one [`Appends`] (a Tokio runtime is needed).
    pub fn with_cache(pool: PgPool, snapshot_every: usize, cache_entries: usize) -> Self {
        let appends = Appends::new(pool.clone());
        Self {
            products: AggregateStore::snapshotted(pool.clone(), snapshot_every, appends.clone())
                .with_cache(cache_entries),
            carts: AggregateStore::event_sourced(pool.clone(), appends.clone())
                .with_cache(cache_entries),
            orders: AggregateStore::event_sourced(pool.clone(), appends.clone())
                .with_cache(cache_entries),
            coupons: AggregateStore::snapshotted(pool.clone(), snapshot_every, appends.clone())
                .with_cache(cache_entries),
            shops: AggregateStore::event_sourced(pool.clone(), appends.clone())
                .with_cache(cache_entries),
            contact_messages: AggregateStore::event_sourced(pool.clone(), appends.clone()),
            categories: AggregateStore::event_sourced(pool.clone(), appends.clone()),
            tags: AggregateStore::event_sourced(pool, appends.clone()),
            appends,
        }
    }

    /// A transaction over streams of these stores (see [`Transaction`]).
    pub fn transaction(&self) -> Transaction<'_> {
        Transaction::new(&self.appends)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_backoff_grows_and_stays_bounded() {
        assert!(CONFLICT_BACKOFF.after(1) >= Duration::from_millis(2));
        assert!(CONFLICT_BACKOFF.after(1) < Duration::from_millis(4));
        assert!(CONFLICT_BACKOFF.after(30) < Duration::from_millis(129));
    }
}
