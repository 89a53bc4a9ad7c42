//! What a projection offers for the fast replay ([`super::fast`]): a [`Rebuild`], which
//! folds one aggregate's events at a time into its final rows, and the [`StoredEvent`]s it
//! is given.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::copy::{CopyError, CopyRows};
use crate::projection::ProjectionError;

/// A projection's replay as an in-memory fold, for projections whose rows each depend on the
/// events of one aggregate only.
///
/// The replay calls [`Rebuild::apply`] with every event of one aggregate, in sequence order,
/// then [`Rebuild::finish`], then goes on with the next aggregate. The rows `finish` writes
/// must be exactly the rows the projection's `apply` leaves after the same events.
pub trait Rebuild: Send {
    /// `COPY <table> (<columns>) FROM STDIN (FORMAT binary)` for each table the rebuild
    /// writes; `finish` gets one row buffer per statement, in this order.
    fn copy_statements(&self) -> &'static [&'static str];

    /// Folds the next event of the current aggregate.
    fn apply(&mut self, event: &StoredEvent<'_>) -> Result<(), ProjectionError>;

    /// The current aggregate has no more events: writes its rows into `tables` and forgets
    /// it.
    fn finish(&mut self, tables: &mut [CopyRows]) -> Result<(), ProjectionError>;
}

/// One stored event as the fast replay reads it, borrowed from its row.
#[derive(Debug, Clone, Copy)]
pub struct StoredEvent<'r> {
    /// `product`, `cart`, `order` or `coupon`.
    pub aggregate_type: &'r str,
    /// The aggregate's id.
    pub aggregate_id: &'r str,
    /// Position in the aggregate's stream, from 1: the rows' `version`.
    pub sequence: i64,
    /// e.g. `ItemAdded`.
    pub event_type: &'r str,
    /// The version the payload was stored in (before upcasting).
    pub event_version: &'r str,
    /// When the event was stored.
    pub recorded_at: DateTime<Utc>,
    /// The metadata's `actor_id`.
    pub actor_id: Option<&'r str>,
    /// The metadata's `actor_role`.
    pub actor_role: Option<&'r str>,
    /// The payload as stored, JSON text.
    pub payload: &'r str,
}

impl<'r> StoredEvent<'r> {
    pub(super) fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            aggregate_type: row.try_get(0)?,
            aggregate_id: row.try_get(1)?,
            sequence: row.try_get(2)?,
            event_type: row.try_get(3)?,
            event_version: row.try_get(4)?,
            payload: row.try_get(5)?,
            recorded_at: row.try_get(6)?,
            actor_id: row.try_get(7)?,
            actor_role: row.try_get(8)?,
        })
    }

    /// A decode error about this event.
    pub fn error(&self, reason: impl std::fmt::Display) -> ProjectionError {
        ProjectionError::Decode {
            event_type: self.event_type.to_string(),
            reason: reason.to_string(),
        }
    }

    /// The aggregate id as a UUID (products, carts and orders).
    pub fn aggregate_uuid(&self) -> Result<uuid::Uuid, ProjectionError> {
        uuid::Uuid::parse_str(self.aggregate_id)
            .map_err(|e| self.error(format!("aggregate id is not a UUID: {e}")))
    }

    /// The payload brought to the current version of its event type (through
    /// [`commerce_aggregates::upcast::upcast`], like every envelope), as JSON.
    pub fn payload_json(&self) -> Result<serde_json::Value, ProjectionError> {
        let stored: serde_json::Value =
            serde_json::from_str(self.payload).map_err(|e| self.error(e))?;
        Ok(
            commerce_aggregates::upcast::upcast(self.event_type, self.event_version, stored)
                .payload,
        )
    }

    /// The payload as the aggregate's event enum, upcast first when it was stored in an
    /// older shape (a current payload is decoded straight from its text).
    pub fn decode<E: DeserializeOwned>(&self) -> Result<E, ProjectionError> {
        if commerce_aggregates::upcast::needs_upcast(self.event_type, self.event_version) {
            serde_json::from_value(self.payload_json()?).map_err(|e| self.error(e))
        } else {
            serde_json::from_str(self.payload).map_err(|e| self.error(e))
        }
    }
}

impl From<CopyError> for ProjectionError {
    fn from(error: CopyError) -> Self {
        ProjectionError::Decode {
            event_type: "replay".into(),
            reason: error.to_string(),
        }
    }
}
