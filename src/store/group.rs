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

/// The statement of a batch: its events ([`INSERT`] or [`INSERT_CONDITIONAL`]) and, when
/// appends of the batch carry companions, those in the same statement (written only when
/// every event row was inserted). Each is composed once per process.
fn statement(conditional: bool, companions: bool) -> &'static str {
    static COMPOSED: LazyLock<[String; 3]> = LazyLock::new(|| {
        [
            format!("WITH {CONDITIONAL_ROWS} {INSERT_CONDITIONAL}"),
            format!(
                "WITH inserted AS ({INSERT} RETURNING 1), {} SELECT count(*) FROM inserted",
                Outcomes::statement(8)
            ),
            format!(
                "WITH {CONDITIONAL_ROWS}, inserted AS ({INSERT_CONDITIONAL} RETURNING 1), {}
                 SELECT count(*) FROM inserted",
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

struct Request {
    streams: Vec<Rows>,
    companions: Vec<Companion>,
    reply: oneshot::Sender<Result<(), AppendError>>,
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
        for _ in 0..WORKERS {
            tokio::spawn(work(pool.clone(), receiver.clone()));
        }
        Self { queue }
    }

    /// Stores the rows of every stream in `streams` and the `companions`, all or none (in
    /// one transaction, possibly with other commits' rows).
    pub(super) async fn append(
        &self,
        streams: Vec<Rows>,
        companions: Vec<Companion>,
    ) -> Result<(), AppendError> {
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

/// Takes every waiting append, up to [`MAX_BATCH`], and stores them, until the queue closes.
async fn work(pool: PgPool, receiver: Arc<Mutex<mpsc::Receiver<Request>>>) {
    loop {
        let mut batch = Vec::new();
        {
            let mut receiver = receiver.lock().await;
            match receiver.recv().await {
                Some(first) => batch.push(first),
                None => return,
            }
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
        }
        store(&pool, batch).await;
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
) -> Result<(), AppendError> {
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
    let inserted = if companions.is_empty() {
        query.execute(pool).await.map_err(classify)?.rows_affected()
    } else {
        let o = Outcomes::of(companions);
        query
            .bind(&o.order_ids)
            .bind(&o.attempts)
            .bind(&o.outcomes)
            .bind(&o.references)
            .bind(c.types.len() as i64)
            .fetch_one(pool)
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
            .map_err(classify)? as u64
    };
    if inserted as usize == c.types.len() {
        Ok(())
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
