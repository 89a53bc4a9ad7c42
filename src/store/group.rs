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

use std::sync::Arc;

use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Mutex};

use super::StoreError;

/// Tasks inserting batches; while one waits for its commit, the next batch gathers and goes.
pub const WORKERS: usize = 2;
/// The most appends one statement carries.
pub const MAX_BATCH: usize = 64;

const INSERT: &str = "INSERT INTO events
     (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
 SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                      $6::jsonb[], $7::jsonb[])";

/// One stream's events of a commit, ready to insert.
pub(super) struct Rows {
    /// The aggregate type.
    pub aggregate_type: &'static str,
    /// The aggregate id.
    pub aggregate_id: String,
    /// Per event: sequence, event type, event version, payload.
    pub events: Vec<(i64, String, String, Value)>,
    /// The commit's metadata (every event carries it).
    pub metadata: Value,
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

    /// Stores the rows of every stream in `streams`, all or none (in one transaction,
    /// possibly with other commits' rows).
    pub(super) async fn append(&self, streams: Vec<Rows>) -> Result<(), AppendError> {
        let (reply, answer) = oneshot::channel();
        let stopped =
            || AppendError::Store(StoreError::Unavailable("the appender has stopped".into()));
        self.queue
            .send(Request { streams, reply })
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
        let rows: Vec<&Rows> = request.streams.iter().collect();
        let answer = insert(pool, &rows).await.map_err(classify);
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
        other => AppendError::Store(StoreError::from(other)),
    }
}
