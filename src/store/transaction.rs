//! Decisions over several streams, committed together.
//!
//! A use case opens every aggregate its decision needs ([`AggregateStore::open`]), lets each
//! decide ([`Stream::decide`]), and commits all the resulting events in one
//! [`Transaction`]: every stream at the sequence after the version it was decided on, all or
//! nothing, in one statement with the process's other concurrent commits (`group`). A stream
//! someone else appended to meanwhile makes the whole commit a conflict; the use case opens
//! its streams again from the store and decides again.
//!
//! The use case holds the turns of its streams ([`AggregateStore::turns`]) from opening to
//! the commit's answer, so the commits of this process on one aggregate follow each other
//! without racing, and each turn lasts one commit. Turns are taken in one order by every
//! caller (by store: carts, orders, products, coupons; within a store by lock), so two
//! decisions never wait for each other.
//!
//! A stream opened from the cache is *unchecked*: another process may have appended to it.
//! A commit finds that out; a refusal decided on an unchecked stream must be decided again on
//! streams read from the store before it is answered.

use std::time::Instant;

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, EventStore};
use tokio::sync::MutexGuard;

use super::{group, AggregateStore, Appends, CommandMetadata, Snapshot, Snapshots, StoreError};

/// One aggregate opened for a decision: its state, the version it was read at, and the
/// events decided on it so far (already applied to the state).
#[derive(Debug)]
pub struct Stream<A: Aggregate> {
    id: String,
    state: A,
    version: usize,
    /// When the version was last known to be the stored one.
    checked: Instant,
    /// Taken from the cache without asking the store.
    unchecked: bool,
    events: Vec<A::Event>,
}

impl<A> Stream<A>
where
    A: Aggregate<Services = ()>,
{
    /// The aggregate id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The state, with the events decided so far applied.
    pub fn state(&self) -> &A {
        &self.state
    }

    /// The version the stream was read at.
    pub fn version(&self) -> usize {
        self.version
    }

    /// The version once the decided events are committed.
    pub fn next_version(&self) -> usize {
        self.version + self.events.len()
    }

    /// True when it was taken from the cache without asking the store (see the module
    /// documentation).
    pub fn is_unchecked(&self) -> bool {
        self.unchecked
    }

    /// The events decided so far.
    pub fn decided(&self) -> &[A::Event] {
        &self.events
    }

    /// True when it was taken unchecked and nothing was decided on it: the commit will not
    /// look at it, so a decision that relied on it (nothing to release, say) must be made
    /// again on the stored state.
    pub fn is_unverified(&self) -> bool {
        self.unchecked && self.events.is_empty()
    }

    /// Lets the aggregate decide `command`: its events are applied to the state and kept for
    /// the commit. A refusal changes nothing.
    pub async fn decide(&mut self, command: A::Command) -> Result<(), A::Error> {
        let sink = EventSink::default();
        self.state.handle(command, &(), &sink).await?;
        self.events.extend(sink.collect().await);
        Ok(())
    }
}

/// A turn of this process on one aggregate (see the module documentation).
pub type Turn<'s> = MutexGuard<'s, ()>;

impl<A> AggregateStore<A>
where
    A: Aggregate<Services = ()> + Clone + Send + Sync,
    A::Command: Clone + Send,
{
    /// Waits for the turns of the aggregates `ids` (duplicates allowed), always in the same
    /// order; they last until the guards are dropped.
    pub async fn turns<'i>(&self, ids: impl IntoIterator<Item = &'i str>) -> Vec<Turn<'_>> {
        self.turns.take_all(ids).await
    }

    /// The version after which a following append to stream `id` decided on its state at
    /// `read_version` is checked for events outside `ignored`
    /// ([`Transaction::add_following`]): `read_version`, or where an earlier following append
    /// of this process found the stream to end, when nothing but `ignored` events came between.
    pub fn following_after(
        &self,
        id: &str,
        read_version: usize,
        ignored: &'static [&'static str],
    ) -> usize {
        self.followed.after(id, read_version, ignored)
    }

    /// The aggregate `id` for a decision. With `kept`, the state this process keeps is taken
    /// as it is (unchecked); otherwise, or when none is kept, it is read from the store (a
    /// kept state brought up to date, else a full load).
    pub async fn open(&self, id: &str, kept: bool) -> Result<Stream<A>, StoreError> {
        let asked = Instant::now();
        let taken = self.cache.as_ref().and_then(|cache| cache.take(id));
        let (state, version, checked, unchecked) = match taken {
            Some((state, version, checked)) if kept => (state, version, checked, true),
            Some((mut state, version, _)) => {
                let current = self.catch_up(id, &mut state, version).await?;
                (state, current, asked, false)
            }
            None => {
                let context = self
                    .loader
                    .load_aggregate(id)
                    .await
                    .map_err(|e| super::error::from_aggregate_error(&e))?;
                (context.aggregate, context.current_sequence, asked, false)
            }
        };
        Ok(Stream {
            id: id.to_owned(),
            state,
            version,
            checked,
            unchecked,
            events: Vec::new(),
        })
    }

    /// A stream for the aggregate `id` the caller has just named (a random id nobody else
    /// knows yet): the empty aggregate, unchecked (its events are appended from sequence 1,
    /// which fails if the id is taken after all).
    pub fn open_new(&self, id: &str) -> Stream<A> {
        Stream {
            id: id.to_owned(),
            state: A::default(),
            version: 0,
            checked: Instant::now(),
            unchecked: true,
            events: Vec::new(),
        }
    }

    /// Gives back a stream that is not committed: its state is kept for the next decision
    /// when nothing was decided on it.
    pub fn close(&self, stream: Stream<A>) {
        if stream.events.is_empty() {
            self.keep(&stream.id, stream.state, stream.version, stream.checked);
        }
    }

    /// After the commit of `stream` (appended at `appending`): the new state is kept; the
    /// snapshot when one is due.
    fn committed(&self, stream: Stream<A>, appending: Instant) -> Option<Snapshot> {
        let new_version = stream.next_version();
        let snapshot = self.snapshot_due(&stream.id, &stream.state, stream.version, new_version);
        // Its sequence was free when the append was sent: current as of then.
        self.keep(&stream.id, stream.state, new_version, appending);
        snapshot
    }
}

/// Why a transaction was not committed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CommitError {
    /// One of the streams was appended to since it was read: open them again and decide
    /// again.
    #[error("a stream changed concurrently")]
    Conflict,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One stream of a transaction, whatever its aggregate type.
trait Part<'s>: Send {
    /// Its rows to append, `None` when nothing was decided on it.
    fn rows(&self, metadata: &serde_json::Value) -> Result<Option<group::Rows>, StoreError>;
    /// Hands the stream back to its store: committed (appended at the instant, with what the
    /// append told), or not at all; the snapshot due, if any.
    fn finish(self: Box<Self>, committed: Option<(Instant, &group::Appended)>) -> Option<Snapshot>;
}

struct Staged<'s, A: Aggregate> {
    store: &'s AggregateStore<A>,
    stream: Stream<A>,
}

impl<'s, A> Part<'s> for Staged<'s, A>
where
    A: Aggregate<Services = ()> + Clone + Send + Sync + 's,
    A::Command: Clone + Send,
{
    fn rows(&self, metadata: &serde_json::Value) -> Result<Option<group::Rows>, StoreError> {
        if self.stream.events.is_empty() {
            return Ok(None);
        }
        super::rows::<A>(
            &self.stream.id,
            self.stream.version,
            &self.stream.events,
            metadata.clone(),
        )
        .map(Some)
    }

    fn finish(self: Box<Self>, committed: Option<(Instant, &group::Appended)>) -> Option<Snapshot> {
        let Staged { store, stream } = *self;
        match committed {
            Some((at, _)) if !stream.events.is_empty() => store.committed(stream, at),
            _ => {
                store.close(stream);
                None
            }
        }
    }
}

/// Events decided on a stream read at `read_version` that may follow whatever the stream
/// holds when they are committed, as long as what was appended after `after_version` is only
/// of the `ignored` types (events the decision does not depend on); up to `after_version`
/// the store knew it to be so ([`super::followed`]).
struct Following<'s, A: Aggregate> {
    store: &'s AggregateStore<A>,
    id: String,
    read_version: usize,
    after_version: usize,
    events: Vec<A::Event>,
    ignored: &'static [&'static str],
}

impl<'s, A> Part<'s> for Following<'s, A>
where
    A: Aggregate<Services = ()> + Clone + Send + Sync + 's,
    A::Command: Clone + Send,
{
    fn rows(&self, metadata: &serde_json::Value) -> Result<Option<group::Rows>, StoreError> {
        if self.events.is_empty() {
            return Ok(None);
        }
        let after_version =
            i64::try_from(self.after_version).map_err(|e| StoreError::Failed(e.to_string()))?;
        // Sequences 1, 2, … are the events' positions after the stream's last event.
        let mut rows = super::rows::<A>(&self.id, 0, &self.events, metadata.clone())?;
        rows.condition = Some(group::Condition {
            after_version,
            ignored: self.ignored,
        });
        Ok(Some(rows))
    }

    fn finish(self: Box<Self>, committed: Option<(Instant, &group::Appended)>) -> Option<Snapshot> {
        // Up to where the stream now ends it holds only what the condition ignores (when these
        // events are of those types): the next decision on the state read here checks only
        // what comes after.
        let tail = committed.and_then(|(_, appended)| appended.tail(A::TYPE, &self.id));
        if let Some(tail) = tail.and_then(|tail| usize::try_from(tail).ok()) {
            self.store
                .followed
                .record(&self.id, self.read_version, tail, self.ignored);
        }
        // The kept state (if any) does not have these events: the next decision that needs
        // the stream's exact version finds that out when it commits.
        None
    }
}

/// The streams of one decision, committed together (see the module documentation).
pub struct Transaction<'s> {
    appends: &'s Appends,
    parts: Vec<Box<dyn Part<'s> + 's>>,
}

impl<'s> Transaction<'s> {
    /// An empty transaction appending through `appends`.
    pub fn new(appends: &'s Appends) -> Self {
        Self {
            appends,
            parts: Vec::new(),
        }
    }

    /// Adds `stream` of `store`; a stream on which nothing was decided is only handed back.
    pub fn add<A>(&mut self, store: &'s AggregateStore<A>, stream: Stream<A>)
    where
        A: Aggregate<Services = ()> + Clone + Send + Sync + 's,
        A::Command: Clone + Send,
    {
        self.parts.push(Box::new(Staged { store, stream }));
    }

    /// Adds `events` decided on stream `id` of `store` as it was at `read_version`, to be
    /// appended after whatever the stream holds at the commit, unless an event of a type
    /// outside `ignored` was appended after that version (the commit is then a conflict). For
    /// a decision that does not depend on the events of those types: concurrent decisions on
    /// the stream then need not follow each other (no turn, no version).
    pub fn add_following<A>(
        &mut self,
        store: &'s AggregateStore<A>,
        id: &str,
        read_version: usize,
        events: Vec<A::Event>,
        ignored: &'static [&'static str],
    ) where
        A: Aggregate<Services = ()> + Clone + Send + Sync + 's,
        A::Command: Clone + Send,
    {
        self.parts.push(Box::new(Following::<A> {
            store,
            id: id.to_owned(),
            read_version,
            after_version: store.following_after(id, read_version, ignored),
            events,
            ignored,
        }));
    }

    /// Appends the events of every stream with `metadata`, all or nothing; the streams are
    /// handed back to their stores either way. The snapshots due are for the caller to write
    /// once it has released its turns.
    pub async fn commit(self, metadata: &CommandMetadata) -> Result<Snapshots, CommitError> {
        let stored_metadata = serde_json::to_value(metadata.to_map())
            .map_err(|e| StoreError::Failed(format!("encoding metadata: {e}")));
        let rows: Result<Vec<group::Rows>, StoreError> = stored_metadata.and_then(|metadata| {
            self.parts
                .iter()
                .filter_map(|part| part.rows(&metadata).transpose())
                .collect()
        });
        let result = match rows {
            Ok(rows) if rows.is_empty() => Ok(None),
            Ok(rows) => {
                let appending = Instant::now();
                match self.appends.appender.append(rows, Vec::new()).await {
                    Ok(appended) => {
                        self.appends.wake.appended();
                        Ok(Some((appending, appended)))
                    }
                    Err(group::AppendError::Conflict) => Err(CommitError::Conflict),
                    Err(group::AppendError::Store(error)) => Err(CommitError::Store(error)),
                }
            }
            Err(error) => Err(CommitError::Store(error)),
        };
        let committed = result.as_ref().ok().and_then(Option::as_ref);
        let snapshots = self
            .parts
            .into_iter()
            .filter_map(|part| part.finish(committed.map(|(at, appended)| (*at, appended))))
            .collect();
        result.map(|_| Snapshots(snapshots))
    }
}
