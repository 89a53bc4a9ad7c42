//! The fast replay: a projection's tables folded in memory from its events and written in
//! bulk, reading and writing at the same time.
//!
//! A projection whose rows each depend on the events of one aggregate only (a cart's rows on
//! that cart's events, an order's on that order's) does not need the events in commit order:
//! per aggregate, in sequence order, is enough. The events are read in the order of the
//! events table's primary key, one aggregate type after the other, in keyset pages (each one
//! streaming query), on a second connection that shares the replay transaction's snapshot
//! (`pg_export_snapshot`): it sees exactly the events the replay transaction sees. The
//! projection's [`Rebuild`] folds one aggregate at a time into its final rows, which go into
//! binary `COPY` buffers; every full buffer is handed to the replay transaction, which
//! `COPY`s it while the next ones are folded. Each aggregate's last sequence becomes its
//! position ([`Positions`]).

use futures_util::TryStreamExt;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use tokio::sync::mpsc;

use super::copy::CopyRows;
use super::positions::Positions;
use super::rebuild::{Rebuild, StoredEvent};
use crate::projection::{Projection, ProjectionError};

/// Events read per page by default.
pub const PAGE: i64 = 10_000;

/// A buffer is handed to the writer once it holds this many bytes.
const CHUNK_BYTES: usize = 256 << 10;

/// Buffers waiting for the writer at most.
const CHUNKS_IN_FLIGHT: usize = 4;

/// The next page of one aggregate type's events after `(aggregate_id, sequence)`, in
/// primary-key order.
const PAGE_SQL: &str = "SELECT aggregate_type, aggregate_id, sequence, event_type, event_version, \
     payload::text, recorded_at, metadata->>'actor_id', metadata->>'actor_role' \
     FROM events \
     WHERE aggregate_type = $1 AND (aggregate_type, aggregate_id, sequence) > ($1, $2, $3) \
     ORDER BY aggregate_type, aggregate_id, sequence \
     LIMIT $4";

/// Rows for the writer: a `COPY` statement and its data.
type Chunk = (&'static str, CopyRows);

/// The fold in progress: the projection's rebuild, its row buffers and positions, and the
/// aggregate whose events are being folded (type, id, last sequence so far).
struct Fold<'p> {
    rebuild: Box<dyn Rebuild + 'p>,
    statements: &'static [&'static str],
    tables: Vec<CopyRows>,
    positions: Positions,
    current: Option<(String, String, i64)>,
}

impl Fold<'_> {
    /// Folds `event`, after ending the previous aggregate when it starts a new one.
    fn event(&mut self, event: &StoredEvent<'_>) -> Result<(), ProjectionError> {
        match &mut self.current {
            Some((kind, id, last)) if kind == event.aggregate_type && id == event.aggregate_id => {
                *last = event.sequence;
            }
            _ => {
                self.finish()?;
                self.current = Some((
                    event.aggregate_type.to_string(),
                    event.aggregate_id.to_string(),
                    event.sequence,
                ));
            }
        }
        self.rebuild.apply(event)
    }

    /// Ends the current aggregate, if any: its rows, then its position.
    fn finish(&mut self) -> Result<(), ProjectionError> {
        if let Some((kind, id, last)) = self.current.take() {
            self.rebuild.finish(&mut self.tables)?;
            self.positions.record(&kind, &id, last);
        }
        Ok(())
    }

    /// The buffers holding at least `min_bytes` (and some row), emptied.
    fn full(&mut self, min_bytes: usize) -> Vec<Chunk> {
        let mut chunks: Vec<Chunk> = self
            .tables
            .iter_mut()
            .zip(self.statements)
            .filter(|(rows, _)| !rows.is_empty() && rows.len() >= min_bytes)
            .map(|(rows, statement)| (*statement, std::mem::take(rows)))
            .collect();
        chunks.extend(self.positions.take_new(min_bytes));
        chunks
    }
}

/// A transaction on another connection that sees what `tx` sees: `tx`'s snapshot.
async fn snapshot_reader<'a>(
    pool: &'a PgPool,
    tx: &mut PgConnection,
) -> Result<Transaction<'a, Postgres>, ProjectionError> {
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *tx)
        .await?;
    // A snapshot id is hex digits and dashes (`00000003-0000001B-1`); it cannot be bound.
    if !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(ProjectionError::Database(sqlx::Error::Protocol(format!(
            "unexpected snapshot id {snapshot:?}"
        ))));
    }
    let mut reader = commerce_eventlog::reader::begin_snapshot(pool).await?;
    sqlx::query(&format!("SET TRANSACTION SNAPSHOT '{snapshot}'"))
        .execute(&mut *reader)
        .await?;
    // The pages must walk the primary key. Right after a bulk load (before `ANALYZE`) the
    // planner underestimates the rows left of an aggregate type and picks a bitmap scan
    // that sorts all of them for every page: each page then costs as much as the rest of
    // the type (66,000 cart events: 0.8 s a page against 30 ms walking the index).
    sqlx::query(
        "SELECT set_config('enable_bitmapscan', 'off', true), \
                set_config('enable_sort', 'off', true)",
    )
    .execute(&mut *reader)
    .await?;
    Ok(reader)
}

/// Reads and folds every event of `projection`'s aggregates on `reader`, sending the full
/// buffers to `chunks`; returns the number of events and the positions still to write.
async fn read(
    reader: &mut PgConnection,
    projection: &dyn Projection,
    mut fold: Fold<'_>,
    page: i64,
    chunks: mpsc::Sender<Chunk>,
) -> Result<(u64, Positions), ProjectionError> {
    let closed = || ProjectionError::Command("the replay's writer stopped".into());
    let mut applied = 0u64;
    for kind in projection.aggregate_types() {
        let mut after = (String::new(), 0i64);
        loop {
            let mut rows = sqlx::query(PAGE_SQL)
                .bind(kind)
                .bind(&after.0)
                .bind(after.1)
                .bind(page)
                .fetch(&mut *reader);
            let mut in_page = 0i64;
            while let Some(row) = rows.try_next().await? {
                fold.event(&StoredEvent::from_row(&row)?)?;
                in_page += 1;
                for chunk in fold.full(CHUNK_BYTES) {
                    chunks.send(chunk).await.map_err(|_| closed())?;
                }
            }
            drop(rows);
            applied += u64::try_from(in_page).unwrap_or_default();
            if in_page < page {
                break;
            }
            if let Some((_, id, last)) = &fold.current {
                after = (id.clone(), *last);
            }
        }
    }
    fold.finish()?;
    for chunk in fold.full(0) {
        chunks.send(chunk).await.map_err(|_| closed())?;
    }
    Ok((applied, fold.positions))
}

/// `COPY`s every chunk received into `tx`; closes the channel when it stops.
async fn write(
    tx: &mut PgConnection,
    mut chunks: mpsc::Receiver<Chunk>,
) -> Result<(), ProjectionError> {
    let mut outcome = Ok(());
    while let Some((statement, mut rows)) = chunks.recv().await {
        if let Err(error) = rows.send(tx, statement).await {
            outcome = Err(error.into());
            break;
        }
    }
    chunks.close();
    outcome
}

/// Folds every event of `projection`'s aggregates through `rebuild` and writes the tables
/// and the positions into `tx` (the replay transaction, whose tables are emptied), reading
/// `page` events per query on another connection of `pool`. Returns the number of events
/// folded.
pub(super) async fn run(
    pool: &PgPool,
    tx: &mut PgConnection,
    projection: &dyn Projection,
    rebuild: Box<dyn Rebuild + '_>,
    page: i64,
) -> Result<u64, ProjectionError> {
    let mut reader = snapshot_reader(pool, tx).await?;
    let statements = rebuild.copy_statements();
    let fold = Fold {
        rebuild,
        statements,
        tables: statements.iter().map(|_| CopyRows::new()).collect(),
        positions: Positions::load(&mut reader, projection.name()).await?,
        current: None,
    };
    let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let (read, written) = tokio::join!(
        read(&mut reader, projection, fold, page, sender),
        write(&mut *tx, receiver)
    );
    // A writer that failed stopped the reader: its error is the cause.
    written?;
    let (applied, positions) = read?;
    reader.commit().await?;
    positions.finish(tx).await?;
    Ok(applied)
}
