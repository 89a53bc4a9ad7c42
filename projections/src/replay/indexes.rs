//! The secondary indexes of a projection's tables, set aside while a fast replay fills them.
//!
//! Building an index once over the finished rows (one sort) costs far less than inserting
//! every row into it as it arrives (a random B-tree descent per row; a GIN entry per
//! lexeme). The replay transaction holds its tables exclusively from its `TRUNCATE` on, so
//! nobody can read them without the indexes meanwhile: they are dropped after the
//! `TRUNCATE` and created again, from the definitions Postgres had for them, before the
//! commit. The indexes behind constraints (primary keys, unique constraints) stay: they keep
//! checking the rows as they arrive.

use sqlx::PgConnection;

/// The dropped indexes' definitions (`CREATE INDEX …`), to run again.
#[must_use = "the indexes must be created again"]
pub(super) struct SetAside(Vec<String>);

/// Drops the indexes of `tables` that back no constraint; returns their definitions.
pub(super) async fn set_aside(
    tx: &mut PgConnection,
    tables: &[&str],
) -> Result<SetAside, sqlx::Error> {
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) \
         FROM pg_index i \
         WHERE i.indrelid = ANY($1::text[]::regclass[]) \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
         ORDER BY 1",
    )
    .bind(tables)
    .fetch_all(&mut *tx)
    .await?;
    if indexes.is_empty() {
        return Ok(SetAside(Vec::new()));
    }
    // The names come from the catalog, already quoted where they need it (`regclass`).
    let names: Vec<&str> = indexes.iter().map(|(name, _)| name.as_str()).collect();
    sqlx::query(&format!("DROP INDEX {}", names.join(", ")))
        .execute(&mut *tx)
        .await?;
    Ok(SetAside(
        indexes
            .into_iter()
            .map(|(_, definition)| definition)
            .collect(),
    ))
}

impl SetAside {
    /// Creates the indexes again over the rows now in their tables.
    pub(super) async fn restore(self, tx: &mut PgConnection) -> Result<(), sqlx::Error> {
        for definition in &self.0 {
            sqlx::query(definition).execute(&mut *tx).await?;
        }
        Ok(())
    }
}
