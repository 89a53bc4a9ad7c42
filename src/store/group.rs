//! Group commit: the appends of this process's concurrent commits go to Postgres together.
//!
//! An append is one commit of a use case: the events of one or several streams, each at the
//! sequence after the version it was decided on, stored all or nothing. The stores of a
//! process hand their appends to one [`Appender`], whose [`WORKERS`] tasks each take every
//! append waiting (up to [`MAX_BATCH`]) and insert them with one statement: one round trip and
//! one transaction for the commits of many aggregates, each stream's events consecutive in it.
//!
//! A batch is all or nothing, so one commit must not fail the others: when the statement
//! fails (another process took a sequence number of one of them, or a row was refused), each
//! append of the batch runs again on its own and gets its own answer (a conflict for the
//! commit that lost the race, success for the others). Two appends to one stream do not
//! share a batch, as a rule: a commit holds its streams' turns until its append is answered.
//! A commit abandoned while its append waits (its request dropped) lets the next one in
//! before that append is stored; should both land in one batch, the events' key refuses the
//! second, and the fallback answers it with a conflict (decided again on the current state).
//!
//! Appends under a condition follow their stream's last event as the statement finds it, so
//! two statements running at once with such appends to one stream would take the same
//! sequences: the second would wait for the first's commit and then fail on the events' key,
//! its whole batch with it. A worker therefore holds back such an append while the other's
//! statement has one on the same stream (a popular coupon's redemptions), and that worker
//! takes it into its next batch ([`InFlight`]).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use serde_json::Value;
use sqlx::{PgPool, Row};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::companion::{Companion, Outcomes};
use super::StoreError;

/// Tasks inserting batches; while one waits for its commit, the next batch gathers and goes.
pub const WORKERS: usize = 2;
/// The most appends one statement carries.
pub const MAX_BATCH: usize = 64;

const INSERT: &str = "INSERT INTO events
     (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
 SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                      $6::jsonb[], $7::jsonb[])";

/// The rows of a batch holding appends under a condition ([`Condition`]), as the CTE `r`
/// of [`INSERT_CONDITIONAL`].
const CONDITIONAL_ROWS: &str = "r AS (
   SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                        $6::jsonb[], $7::jsonb[], $8::bigint[], $9::bigint[], $10::text[])
       AS r(aggregate_type, aggregate_id, sequence, event_type, event_version, payload,
            metadata, position, after_version, ignored))";

/// The statement of a batch holding appends under a condition, after the CTE
/// [`CONDITIONAL_ROWS`]: their rows have no sequence and follow the stream's last event (in
/// batch order, `$8`), and nothing is inserted when an event other than those each condition
/// ignores (`$10`) follows the version it was decided on (`$9`).
const INSERT_CONDITIONAL: &str = "INSERT INTO events
     (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
 SELECT r.aggregate_type, r.aggregate_id,
        coalesce(r.sequence,
                 (SELECT coalesce(max(e.sequence), 0) FROM events e
                   WHERE e.aggregate_type = r.aggregate_type
                     AND e.aggregate_id = r.aggregate_id) + r.position),
        r.event_type, r.event_version, r.payload, r.metadata
   FROM r
  WHERE NOT EXISTS (
        SELECT 1 FROM r g JOIN events e
            ON e.aggregate_type = g.aggregate_type AND e.aggregate_id = g.aggregate_id
         WHERE g.sequence IS NULL AND e.sequence > g.after_version
           AND NOT e.event_type = ANY (string_to_array(g.ignored, ',')))";

/// What a batch under a condition returns of each row it inserted.
const RETURNED: &str = "aggregate_type, aggregate_id, sequence";

/// The statement of a batch: its events ([`INSERT`] or [`INSERT_CONDITIONAL`]) and, when
/// appends of the batch carry companions, those in the same statement (written only when
/// every event row was inserted). Each is composed once per process.
///
/// A batch under a condition returns the rows it inserted, so that the sequences its
/// following events took are known ([`Appended::tail`]).
fn statement(conditional: bool, companions: bool) -> &'static str {
    static COMPOSED: LazyLock<[String; 3]> = LazyLock::new(|| {
        [
            format!("WITH {CONDITIONAL_ROWS} {INSERT_CONDITIONAL} RETURNING {RETURNED}"),
            format!(
                "WITH inserted AS ({INSERT} RETURNING 1), {} SELECT count(*) FROM inserted",
                Outcomes::statement(8)
            ),
            format!(
                "WITH {CONDITIONAL_ROWS}, inserted AS ({INSERT_CONDITIONAL} RETURNING {RETURNED}),
                 {} SELECT {RETURNED} FROM inserted",
                Outcomes::statement(11)
            ),
        ]
    });
    match (conditional, companions) {
        (false, false) => INSERT,
        (true, false) => &COMPOSED[0],
        (false, true) => &COMPOSED[1],
        (true, true) => &COMPOSED[2],
    }
}

/// One stream's events of a commit, ready to insert.
pub(super) struct Rows {
    /// The aggregate type.
    pub aggregate_type: &'static str,
    /// The aggregate id.
    pub aggregate_id: String,
    /// Per event: sequence (its position among these events under a condition), event type,
    /// event version, payload.
    pub events: Vec<(i64, String, String, Value)>,
    /// The commit's metadata (every event carries it).
    pub metadata: Value,
    /// `None`: the events take exactly their sequences (the stream is at the version they were
    /// decided on). Otherwise they follow whatever the stream holds, under this condition.
    pub condition: Option<Condition>,
}

/// When events may follow a stream's last event rather than a version: none of the events
/// appended after `after_version` is of a type outside `ignored` (the decision did not depend
/// on those).
pub(super) struct Condition {
    /// The version the decision read.
    pub after_version: i64,
    /// The event types that do not change the decision.
    pub ignored: &'static [&'static str],
}

/// Why an append was not stored.
#[derive(Debug, Clone)]
pub(super) enum AppendError {
    /// One of the sequence numbers was taken.
    Conflict,
    /// The database failed.
    Store(StoreError),
}

/// What a stored append tells its commit besides success: where the streams it followed
/// under a condition now end.
#[derive(Debug, Clone, Default)]
pub(super) struct Appended {
    /// Per stream (aggregate type, id): the last sequence the batch took in it, for the
    /// streams every event of the batch followed under a condition that ignores its type.
    tails: Arc<Vec<(&'static str, String, i64)>>,
}

impl Appended {
    /// The last sequence of stream `id` of `aggregate_type` after the batch, when the batch
    /// only appended events to it that followed under a condition ignoring their types: up
    /// to there the stream holds nothing but what that condition ignores after the version
    /// the condition named.
    pub(super) fn tail(&self, aggregate_type: &str, id: &str) -> Option<i64> {
        self.tails
            .iter()
            .find(|(kind, stream, _)| *kind == aggregate_type && stream == id)
            .map(|(_, _, tail)| *tail)
    }

    /// The tails of `batch`'s following streams, from the `inserted` rows (aggregate type,
    /// id, sequence).
    fn of(batch: &[&Rows], inserted: &[(String, String, i64)]) -> Self {
        let mut following: Vec<(&'static str, &str, bool)> = Vec::new();
        for rows in batch {
            let ignored_only = rows.condition.as_ref().is_some_and(|condition| {
                rows.events
                    .iter()
                    .all(|(_, event_type, _, _)| condition.ignored.contains(&event_type.as_str()))
            });
            let key = (rows.aggregate_type, rows.aggregate_id.as_str());
            match following.iter_mut().find(|(t, i, _)| (*t, *i) == key) {
                Some((_, _, eligible)) => *eligible &= ignored_only,
                None => following.push((key.0, key.1, ignored_only)),
            }
        }
        let tails = following
            .into_iter()
            .filter(|(_, _, eligible)| *eligible)
            .filter_map(|(kind, id, _)| {
                inserted
                    .iter()
                    .filter(|(t, i, _)| t == kind && i == id)
                    .map(|(_, _, sequence)| *sequence)
                    .max()
                    .map(|tail| (kind, id.to_owned(), tail))
            })
            .collect();
        Self {
            tails: Arc::new(tails),
        }
    }
}

struct Request {
    streams: Vec<Rows>,
    companions: Vec<Companion>,
    reply: oneshot::Sender<Result<Appended, AppendError>>,
}

/// The queue of this process's appends.
#[derive(Clone)]
pub(super) struct Appender {
    queue: mpsc::Sender<Request>,
}

impl Appender {
    /// Appends through `pool`; the workers end when the last clone is dropped.
    pub(super) fn new(pool: PgPool) -> Self {
        let (queue, receiver) = mpsc::channel(4 * MAX_BATCH);
        let receiver = Arc::new(Mutex::new(receiver));
        let in_flight = Arc::new(std::sync::Mutex::new(InFlight::default()));
        for worker in 0..WORKERS {
            tokio::spawn(work(
                pool.clone(),
                receiver.clone(),
                in_flight.clone(),
                worker,
            ));
        }
        Self { queue }
    }

    /// Stores the rows of every stream in `streams` and the `companions`, all or none (in
    /// one transaction, possibly with other commits' rows).
    pub(super) async fn append(
        &self,
        streams: Vec<Rows>,
        companions: Vec<Companion>,
    ) -> Result<Appended, AppendError> {
        let (reply, answer) = oneshot::channel();
        let stopped =
            || AppendError::Store(StoreError::Unavailable("the appender has stopped".into()));
        self.queue
            .send(Request {
                streams,
                companions,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The streams appended to under a condition by each worker's running statement, and the
/// appends held back because another worker's statement has one of their streams.
#[derive(Default)]
struct InFlight {
    following: [Vec<(&'static str, String)>; WORKERS],
    held: Vec<Request>,
}

impl InFlight {
    /// The appends of `batch` that `worker` may store now; the others are held for the worker
    /// whose statement has one of their streams. Those admitted mark their streams.
    fn admit(&mut self, worker: usize, batch: Vec<Request>) -> Vec<Request> {
        let mut admitted = Vec::with_capacity(batch.len());
        let mut mine = Vec::new();
        for request in batch {
            let busy = following(&request).any(|(kind, id)| {
                self.following.iter().enumerate().any(|(other, streams)| {
                    other != worker && streams.iter().any(|(k, i)| *k == kind && i == id)
                })
            });
            if busy {
                self.held.push(request);
            } else {
                mine.extend(following(&request).map(|(kind, id)| (kind, id.to_owned())));
                admitted.push(request);
            }
        }
        self.following[worker] = mine;
        admitted
    }

    /// After `worker`'s statement: its streams are free, and the appends held for them are
    /// its to store next.
    fn release(&mut self, worker: usize) -> Vec<Request> {
        self.following[worker].clear();
        let taken = self.held.len().min(MAX_BATCH);
        self.held.drain(..taken).collect()
    }
}

/// The streams `request` appends to under a condition.
fn following(request: &Request) -> impl Iterator<Item = (&'static str, &str)> {
    request
        .streams
        .iter()
        .filter(|rows| rows.condition.is_some())
        .map(|rows| (rows.aggregate_type, rows.aggregate_id.as_str()))
}

/// Takes the appends held for it and every waiting append, up to [`MAX_BATCH`], and stores
/// them, until the queue closes.
async fn work(
    pool: PgPool,
    receiver: Arc<Mutex<mpsc::Receiver<Request>>>,
    in_flight: Arc<std::sync::Mutex<InFlight>>,
    worker: usize,
) {
    let lock = || {
        in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let mut batch: Vec<Request> = Vec::new();
    loop {
        {
            // With appends in hand, only what is already queued joins them (the other worker
            // may be waiting on the queue).
            let mut receiver = if batch.is_empty() {
                let mut receiver = receiver.lock().await;
                match receiver.recv().await {
                    Some(first) => batch.push(first),
                    None => return,
                }
                Some(receiver)
            } else {
                receiver.try_lock().ok()
            };
            while let Some(receiver) = receiver.as_mut().filter(|_| batch.len() < MAX_BATCH) {
                match receiver.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
        }
        let admitted = lock().admit(worker, std::mem::take(&mut batch));
        if admitted.is_empty() {
            // All held for the other worker, which takes them after its statement.
            continue;
        }
        store(&pool, admitted).await;
        batch = lock().release(worker);
    }
}

/// Inserts `batch` with one statement; when that fails, each append on its own.
async fn store(pool: &PgPool, batch: Vec<Request>) {
    let rows: Vec<&Rows> = batch.iter().flat_map(|request| &request.streams).collect();
    let companions: Vec<&Companion> = batch.iter().flat_map(|r| &r.companions).collect();
    let result = insert(pool, &rows, &companions).await;
    if result.is_ok() || batch.len() == 1 {
        let answer = result;
        for request in batch {
            // The command may have been abandoned (its request dropped): nobody to tell.
            let _ = request.reply.send(answer.clone());
        }
        return;
    }
    for request in batch {
        let rows: Vec<&Rows> = request.streams.iter().collect();
        let companions: Vec<&Companion> = request.companions.iter().collect();
        let answer = insert(pool, &rows, &companions).await;
        let _ = request.reply.send(answer);
    }
}

/// A batch's rows as the statements' column arrays.
#[derive(Default)]
struct Columns<'b> {
    types: Vec<&'static str>,
    ids: Vec<&'b str>,
    sequences: Vec<Option<i64>>,
    event_types: Vec<&'b str>,
    versions: Vec<&'b str>,
    payloads: Vec<&'b Value>,
    metadata: Vec<&'b Value>,
    /// Under a condition: the events' positions after the stream's last event.
    positions: Vec<i64>,
    after: Vec<i64>,
    ignored: Vec<Option<String>>,
}

impl<'b> Columns<'b> {
    fn of(batch: &[&'b Rows]) -> Self {
        let mut columns = Columns::default();
        // Conditional appends to one stream in one batch follow each other.
        let mut taken: HashMap<(&str, &str), i64> = HashMap::new();
        for rows in batch {
            let ignore = rows.condition.as_ref().map(|c| c.ignored.join(","));
            let key = (rows.aggregate_type, rows.aggregate_id.as_str());
            let before = match &rows.condition {
                Some(_) => *taken.entry(key).or_default(),
                None => 0,
            };
            for (sequence, event_type, version, payload) in &rows.events {
                columns.types.push(rows.aggregate_type);
                columns.ids.push(rows.aggregate_id.as_str());
                columns
                    .sequences
                    .push(rows.condition.is_none().then_some(*sequence));
                columns.positions.push(before + *sequence);
                columns
                    .after
                    .push(rows.condition.as_ref().map_or(0, |c| c.after_version));
                columns.ignored.push(ignore.clone());
                columns.event_types.push(event_type.as_str());
                columns.versions.push(version.as_str());
                columns.payloads.push(payload);
                columns.metadata.push(&rows.metadata);
            }
            if rows.condition.is_some() {
                *taken.entry(key).or_default() += rows.events.len() as i64;
            }
        }
        columns
    }
}

/// Inserts the rows of `batch` and writes its `companions` with one statement (see
/// [`statement`]); an append under a condition that does not hold inserts nothing and is
/// answered like a taken sequence number.
async fn insert(
    pool: &PgPool,
    batch: &[&Rows],
    companions: &[&Companion],
) -> Result<Appended, AppendError> {
    let c = Columns::of(batch);
    let conditional = batch.iter().any(|rows| rows.condition.is_some());
    let statement = statement(conditional, !companions.is_empty());
    let mut query = sqlx::query(statement)
        .bind(&c.types)
        .bind(&c.ids)
        .bind(&c.sequences)
        .bind(&c.event_types)
        .bind(&c.versions)
        .bind(&c.payloads)
        .bind(&c.metadata);
    if conditional {
        query = query.bind(&c.positions).bind(&c.after).bind(&c.ignored);
    }
    let rows = c.types.len();
    if !companions.is_empty() {
        let o = Outcomes::of(companions);
        query = query
            .bind(o.order_ids)
            .bind(o.attempts)
            .bind(o.outcomes)
            .bind(o.references)
            .bind(rows as i64);
    }
    let (inserted, appended) = match (conditional, companions.is_empty()) {
        (false, true) => {
            let inserted = query.execute(pool).await.map_err(classify)?.rows_affected();
            (inserted as usize, Appended::default())
        }
        (false, false) => {
            let row = query.fetch_one(pool).await.map_err(classify)?;
            let inserted = row.try_get::<i64, _>(0).map_err(classify)?;
            (inserted as usize, Appended::default())
        }
        (true, _) => {
            let returned: Vec<(String, String, i64)> = query
                .try_map(|row: sqlx::postgres::PgRow| {
                    Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
                })
                .fetch_all(pool)
                .await
                .map_err(classify)?;
            (returned.len(), Appended::of(batch, &returned))
        }
    };
    if inserted == rows {
        Ok(appended)
    } else {
        Err(AppendError::Conflict)
    }
}

fn classify(error: sqlx::Error) -> AppendError {
    match error {
        sqlx::Error::Database(error) if error.constraint() == Some("events_pkey") => {
            AppendError::Conflict
        }
        other => AppendError::Store(StoreError::from(other)),
    }
}
