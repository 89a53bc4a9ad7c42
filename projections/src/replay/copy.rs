//! Rows for `COPY … FROM STDIN (FORMAT binary)`, and the statement that sends them.
//!
//! A fast replay builds every table it rebuilds as a buffer of rows in Postgres' binary copy
//! format and writes it with one `COPY`: no text to escape, and values Postgres takes as they
//! are (a UUID is 16 bytes, a time a count of microseconds) instead of parsing them. Each
//! column is written as the exact type of its table column (`uuid`, `text`, `bigint`,
//! `boolean`, `timestamptz`, `jsonb`, `text[]`); the statement lists the columns in the
//! order the rows write them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

/// The binary copy signature, flags and header extension length.
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Microseconds from the Unix epoch to Postgres' (2000-01-01).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// The `text` type's oid, for array elements.
const TEXT_OID: u32 = 25;

/// The rows of one table in binary copy format.
#[derive(Debug)]
pub struct CopyRows {
    buf: Vec<u8>,
    /// Where the current row's column count goes, and the count so far.
    row: Option<(usize, u16)>,
    rows: u64,
}

impl Default for CopyRows {
    fn default() -> Self {
        Self::new()
    }
}

impl CopyRows {
    /// No rows yet.
    pub fn new() -> Self {
        Self {
            buf: HEADER.to_vec(),
            row: None,
            rows: 0,
        }
    }

    /// Rows ended so far (and not yet sent).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Bytes buffered.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when no row is buffered.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Starts a column of `len` bytes (`None`: NULL).
    fn column(&mut self, len: Option<usize>) {
        let (at, count) = match self.row {
            Some(row) => row,
            None => {
                let at = self.buf.len();
                self.buf.extend_from_slice(&[0, 0]);
                (at, 0)
            }
        };
        self.row = Some((at, count.saturating_add(1)));
        let len = len.map_or(-1, |len| i32::try_from(len).unwrap_or(i32::MAX));
        self.buf.extend_from_slice(&len.to_be_bytes());
    }

    /// A text column.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.column(Some(value.len()));
        self.buf.extend_from_slice(value.as_bytes());
        self
    }

    /// A nullable text column.
    pub fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    /// A NULL column.
    pub fn null(&mut self) -> &mut Self {
        self.column(None);
        self
    }

    /// A `bigint` column.
    pub fn int(&mut self, value: i64) -> &mut Self {
        self.column(Some(8));
        self.buf.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// A nullable `bigint` column.
    pub fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(value) => self.int(value),
            None => self.null(),
        }
    }

    /// A `boolean` column.
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.column(Some(1));
        self.buf.push(u8::from(value));
        self
    }

    /// A `uuid` column.
    pub fn uuid(&mut self, value: Uuid) -> &mut Self {
        self.column(Some(16));
        self.buf.extend_from_slice(value.as_bytes());
        self
    }

    /// A nullable `uuid` column.
    pub fn opt_uuid(&mut self, value: Option<Uuid>) -> &mut Self {
        match value {
            Some(value) => self.uuid(value),
            None => self.null(),
        }
    }

    /// A `timestamptz` column, cut to whole microseconds as sqlx binds a `DateTime`.
    pub fn time(&mut self, value: DateTime<Utc>) -> &mut Self {
        self.column(Some(8));
        let micros = value.timestamp_micros() - POSTGRES_EPOCH_MICROS;
        self.buf.extend_from_slice(&micros.to_be_bytes());
        self
    }

    /// A nullable `timestamptz` column.
    pub fn opt_time(&mut self, value: Option<DateTime<Utc>>) -> &mut Self {
        match value {
            Some(value) => self.time(value),
            None => self.null(),
        }
    }

    /// A `jsonb` column holding `value` as serde serialises it.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<&mut Self, CopyError> {
        let text = serde_json::to_vec(value).map_err(CopyError::Json)?;
        Ok(self.raw_json_bytes(&text))
    }

    /// A `jsonb` column holding already serialised JSON text.
    pub fn raw_json(&mut self, json: &str) -> &mut Self {
        self.raw_json_bytes(json.as_bytes())
    }

    /// A nullable `jsonb` column of serialised JSON text.
    pub fn opt_raw_json(&mut self, json: Option<&str>) -> &mut Self {
        match json {
            Some(json) => self.raw_json(json),
            None => self.null(),
        }
    }

    fn raw_json_bytes(&mut self, json: &[u8]) -> &mut Self {
        // jsonb's binary form: a version byte (1), then the text.
        self.column(Some(json.len() + 1));
        self.buf.push(1);
        self.buf.extend_from_slice(json);
        self
    }

    /// A `text[]` column (one dimension, no NULL elements).
    pub fn text_array<S: AsRef<str>>(&mut self, values: &[S]) -> &mut Self {
        let body: usize = values.iter().map(|v| 4 + v.as_ref().len()).sum();
        let dims = if values.is_empty() { 0 } else { 8 };
        self.column(Some(12 + dims + body));
        let ndim: i32 = if values.is_empty() { 0 } else { 1 };
        self.buf.extend_from_slice(&ndim.to_be_bytes());
        self.buf.extend_from_slice(&0i32.to_be_bytes());
        self.buf.extend_from_slice(&TEXT_OID.to_be_bytes());
        if !values.is_empty() {
            let len = i32::try_from(values.len()).unwrap_or(i32::MAX);
            self.buf.extend_from_slice(&len.to_be_bytes());
            self.buf.extend_from_slice(&1i32.to_be_bytes());
        }
        for value in values {
            let value = value.as_ref();
            let len = i32::try_from(value.len()).unwrap_or(i32::MAX);
            self.buf.extend_from_slice(&len.to_be_bytes());
            self.buf.extend_from_slice(value.as_bytes());
        }
        self
    }

    /// Ends the current row.
    pub fn end_row(&mut self) {
        if let Some((at, count)) = self.row.take() {
            self.buf[at..at + 2].copy_from_slice(&count.to_be_bytes());
            self.rows += 1;
        }
    }

    /// Sends the buffered rows with `statement` (`COPY table (columns) FROM STDIN (FORMAT
    /// binary)`) and empties the buffer. Does nothing when no row is buffered.
    pub async fn send(
        &mut self,
        conn: &mut PgConnection,
        statement: &str,
    ) -> Result<u64, sqlx::Error> {
        if self.rows == 0 {
            return Ok(0);
        }
        let mut data = std::mem::take(self).buf;
        data.extend_from_slice(&(-1i16).to_be_bytes());
        let mut copy = conn.copy_in_raw(statement).await?;
        copy.send(data).await?;
        copy.finish().await
    }
}

/// A value that could not be written as a COPY column.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// Serialising a JSON column failed.
    #[error("cannot serialise a JSON column: {0}")]
    Json(serde_json::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_carry_their_column_count_and_lengths() {
        let mut rows = CopyRows::new();
        rows.text("ab").null().int(-2).bool(true);
        rows.end_row();
        let row = &rows.buf[HEADER.len()..];
        let expected: Vec<u8> = [
            &4u16.to_be_bytes()[..],
            &2i32.to_be_bytes(),
            b"ab",
            &(-1i32).to_be_bytes(),
            &8i32.to_be_bytes(),
            &(-2i64).to_be_bytes(),
            &1i32.to_be_bytes(),
            &[1],
        ]
        .concat();
        assert_eq!(row, expected);
        assert_eq!(rows.rows(), 1);
    }

    #[test]
    fn times_count_microseconds_from_2000() {
        let at = DateTime::parse_from_rfc3339("2000-01-01T00:00:01.000002999Z")
            .expect("valid")
            .with_timezone(&Utc);
        let mut rows = CopyRows::new();
        rows.time(at);
        assert_eq!(rows.buf[HEADER.len() + 6..], 1_000_002i64.to_be_bytes());
    }

    #[test]
    fn empty_and_filled_text_arrays() {
        let mut rows = CopyRows::new();
        rows.text_array::<&str>(&[]);
        let empty = rows.buf[HEADER.len() + 2..].to_vec();
        assert_eq!(
            empty,
            [&12i32.to_be_bytes()[..], &[0; 8], &25u32.to_be_bytes()].concat()
        );
        let mut rows = CopyRows::new();
        rows.text_array(&["x"]);
        assert_eq!(rows.buf.len(), HEADER.len() + 2 + 4 + 12 + 8 + 4 + 1);
    }
}
