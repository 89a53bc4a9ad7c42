//! The positions a fast replay leaves: one `projection_positions` row per replayed
//! aggregate with its last sequence, and no other row for the projection — as after the
//! per-event replay, which deletes them all and inserts them again.
//!
//! Rewriting every row is most of the cost of a replay whose aggregates have one event each,
//! and mostly writes what is already there (a replay of a caught-up projection). So the rows
//! are read first, each replayed aggregate's position compared with its row, and only the
//! difference written: new rows with `COPY`, changed ones with one `UPDATE`, rows of
//! aggregates the replay did not see with one `DELETE`.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use sqlx::{PgConnection, Row};

use super::copy::CopyRows;

const COPY_NEW: &str = "COPY projection_positions (projection, aggregate_type, aggregate_id, \
     last_sequence) FROM STDIN (FORMAT binary)";

/// A projection's positions: the stored rows not yet matched, and what to write.
#[derive(Debug)]
pub(super) struct Positions {
    projection: &'static str,
    /// Aggregate type → aggregate id → last sequence, of the rows not matched yet.
    stored: HashMap<String, HashMap<String, i64>>,
    new: CopyRows,
    changed: (Vec<String>, Vec<String>, Vec<i64>),
}

impl Positions {
    /// Reads the projection's stored positions.
    pub(super) async fn load(
        conn: &mut PgConnection,
        projection: &'static str,
    ) -> Result<Self, sqlx::Error> {
        let mut stored: HashMap<String, HashMap<String, i64>> = HashMap::new();
        let mut rows = sqlx::query(
            "SELECT aggregate_type, aggregate_id, last_sequence FROM projection_positions \
             WHERE projection = $1",
        )
        .bind(projection)
        .fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            let kind: &str = row.try_get(0)?;
            let id: String = row.try_get(1)?;
            let last: i64 = row.try_get(2)?;
            match stored.get_mut(kind) {
                Some(ids) => {
                    ids.insert(id, last);
                }
                None => {
                    stored.insert(kind.to_string(), HashMap::from([(id, last)]));
                }
            }
        }
        Ok(Self {
            projection,
            stored,
            new: CopyRows::new(),
            changed: (Vec::new(), Vec::new(), Vec::new()),
        })
    }

    /// The replay saw `kind` `id` up to sequence `last`.
    pub(super) fn record(&mut self, kind: &str, id: &str, last: i64) {
        match self.stored.get_mut(kind).and_then(|ids| ids.remove(id)) {
            Some(stored) if stored == last => {}
            Some(_) => {
                self.changed.0.push(kind.to_string());
                self.changed.1.push(id.to_string());
                self.changed.2.push(last);
            }
            None => {
                self.new.text(self.projection).text(kind).text(id).int(last);
                self.new.end_row();
            }
        }
    }

    /// The new rows so far, when they hold at least `min_bytes`, with their statement.
    pub(super) fn take_new(&mut self, min_bytes: usize) -> Option<(&'static str, CopyRows)> {
        (!self.new.is_empty() && self.new.len() >= min_bytes)
            .then(|| (COPY_NEW, std::mem::take(&mut self.new)))
    }

    /// Writes what is left: the new rows, the changed ones, and the removal of the rows no
    /// replayed aggregate matched.
    pub(super) async fn finish(mut self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        self.new.send(conn, COPY_NEW).await?;
        let (kinds, ids, lasts) = self.changed;
        if !kinds.is_empty() {
            sqlx::query(
                "UPDATE projection_positions AS p SET last_sequence = c.last \
                 FROM UNNEST($2::text[], $3::text[], $4::bigint[]) AS c(kind, id, last) \
                 WHERE p.projection = $1 AND p.aggregate_type = c.kind AND p.aggregate_id = c.id",
            )
            .bind(self.projection)
            .bind(&kinds)
            .bind(&ids)
            .bind(&lasts)
            .execute(&mut *conn)
            .await?;
        }
        let (kinds, ids): (Vec<String>, Vec<String>) = self
            .stored
            .into_iter()
            .flat_map(|(kind, ids)| ids.into_keys().map(move |id| (kind.clone(), id)))
            .unzip();
        if !kinds.is_empty() {
            sqlx::query(
                "DELETE FROM projection_positions AS p \
                 USING UNNEST($2::text[], $3::text[]) AS d(kind, id) \
                 WHERE p.projection = $1 AND p.aggregate_type = d.kind AND p.aggregate_id = d.id",
            )
            .bind(self.projection)
            .bind(&kinds)
            .bind(&ids)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}
