//! Group commit: the appends of this process's concurrent commands go to Postgres together.
//!
//! Every command's events used to be one `INSERT` and one commit of their own: under load
//! most of the engine's statements, each a round trip and a transaction on both sides. The
//! stores of a process now hand their appends to one [`Appender`], whose [`WORKERS`] tasks
//! each take every append waiting (up to [`MAX_BATCH`]) and insert them with one statement: one
//! transaction for the commands of many aggregates, each command's events consecutive in it.
//!
//! A batch is all or nothing, so one command must not fail the others: when the statement
//! fails (another process took a sequence number of one of them, or a row was refused), each
//! append of the batch runs again on its own and gets its own answer (a conflict for the
//! command that lost the race, success for the others). Two appends to one aggregate do not
//! share a batch, as a rule: a command holds its aggregate's turn until its append is
//! answered. A command abandoned while its append waits (its request dropped) lets the next
//! one in before that append is stored; should both land in one batch, the events' key
//! refuses the second, and the fallback answers it with a conflict (decided again on the
//! current state).

use std::sync::Arc;

use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Mutex};

/// Tasks inserting batches; while one waits for its commit, the next batch gathers and goes.
pub const WORKERS: usize = 2;
/// The most appends one statement carries.
pub const MAX_BATCH: usize = 64;

const INSERT: &str = "INSERT INTO events
     (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
 SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                      $6::jsonb[], $7::jsonb[])";

/// One command's events, ready to insert.
pub(super) struct Rows {
    /// The aggregate type.
    pub aggregate_type: &'static str,
    /// The aggregate id.
    pub aggregate_id: String,
    /// Per event: sequence, event type, event version, payload.
    pub events: Vec<(i64, String, String, Value)>,
    /// The command's metadata (every event carries it).
    pub metadata: Value,
}

/// Why an append was not stored.
#[derive(Debug, Clone)]
pub(super) enum AppendError {
    /// One of the sequence numbers was taken.
    Conflict,
    /// Anything else.
    Store(String),
}

struct Request {
    rows: Rows,
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

    /// Stores `rows` (in one transaction, possibly with other commands' rows).
    pub(super) async fn append(&self, rows: Rows) -> Result<(), AppendError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || AppendError::Store("the appender has stopped".into());
        self.queue
            .send(Request { rows, reply })
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
    let rows: Vec<&Rows> = batch.iter().map(|request| &request.rows).collect();
    let result = insert(pool, &rows).await;
    if result.is_ok() || batch.len() == 1 {
        let answer = result.map_err(classify);
        for request in batch {
            // The command may have been abandoned (its request dropped): nobody to tell.
            let _ = request.reply.send(answer.clone());
        }
        return;
    }
    for request in batch {
        let answer = insert(pool, &[&request.rows]).await.map_err(classify);
        let _ = request.reply.send(answer);
    }
}

async fn insert(pool: &PgPool, batch: &[&Rows]) -> Result<(), sqlx::Error> {
    let count = batch.iter().map(|rows| rows.events.len()).sum();
    let mut types = Vec::with_capacity(count);
    let mut ids = Vec::with_capacity(count);
    let mut sequences = Vec::with_capacity(count);
    let mut event_types = Vec::with_capacity(count);
    let mut versions = Vec::with_capacity(count);
    let mut payloads = Vec::with_capacity(count);
    let mut metadata = Vec::with_capacity(count);
    for rows in batch {
        for (sequence, event_type, version, payload) in &rows.events {
            types.push(rows.aggregate_type);
            ids.push(rows.aggregate_id.as_str());
            sequences.push(*sequence);
            event_types.push(event_type.as_str());
            versions.push(version.as_str());
            payloads.push(payload);
            metadata.push(&rows.metadata);
        }
    }
    sqlx::query(INSERT)
        .bind(&types)
        .bind(&ids)
        .bind(&sequences)
        .bind(&event_types)
        .bind(&versions)
        .bind(&payloads)
        .bind(&metadata)
        .execute(pool)
        .await
        .map(|_| ())
}

fn classify(error: sqlx::Error) -> AppendError {
    match error {
        sqlx::Error::Database(error) if error.constraint() == Some("events_pkey") => {
            AppendError::Conflict
        }
        other => AppendError::Store(other.to_string()),
    }
}
