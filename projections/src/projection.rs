//! What a projection is: a named consumer of some aggregates' events that updates its
//! read-model tables inside a transaction the runner owns.

use async_trait::async_trait;
use sqlx::PgConnection;

use commerce_eventlog::database_unavailable;

use crate::envelope::Envelope;

/// Why a projection could not apply an event.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The payload is not a known event of the aggregate (or not its expected shape).
    #[error("cannot decode {event_type} payload: {reason}")]
    Decode {
        /// The envelope's event type.
        event_type: String,
        /// What went wrong.
        reason: String,
    },
    /// The read-model write failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Anything else the consumer could not do with the event (a fold that does not add up,
    /// an email that cannot be rendered): counts towards dead-lettering.
    #[error("cannot apply: {0}")]
    Command(String),
    /// A dependency (the database) is unreachable: retried until it is back, never
    /// dead-lettered.
    #[error("dependency unavailable: {0}")]
    Unavailable(String),
}

impl ProjectionError {
    /// True when the event failed because the database is unreachable, not because of the
    /// event: the runner then retries it however often it was delivered.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable(_) => true,
            Self::Database(error) => database_unavailable(error),
            Self::Decode { .. } | Self::Command(_) => false,
        }
    }

    /// A decode error for `envelope`.
    pub fn decode(envelope: &Envelope, reason: impl std::fmt::Display) -> Self {
        Self::Decode {
            event_type: envelope.event_type.clone(),
            reason: reason.to_string(),
        }
    }
}

/// A read model built from events.
///
/// The runner calls [`Projection::apply_many`] for a batch (or [`Projection::apply`] once per
/// event), in per-aggregate sequence order, inside a transaction that also advances the
/// projection's per-aggregate position; it never applies the same event twice. That
/// transaction is marked as a read-model transaction ([`crate::reader::READ_MODEL_TRANSACTION`]):
/// a projection never appends events in it. `apply` must therefore only write, never read
/// the clock: all times come from the envelope (`recorded_at`), so a replay rebuilds the
/// very same rows.
#[async_trait]
pub trait Projection: Send + Sync {
    /// Stable name: the durable consumer is `proj-<name>` (`proj-<name>-<type>`, one per
    /// type, for a projection of several aggregate types) and `commerce replay <name>`.
    fn name(&self) -> &'static str;

    /// The aggregate types whose events it consumes (`product`, `cart`, `order`, `coupon`).
    fn aggregate_types(&self) -> &'static [&'static str];

    /// Its tables, emptied before a replay (child tables first).
    fn tables(&self) -> &'static [&'static str];

    /// Applies one event to the read model.
    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError>;

    /// Applies several events, sorted by aggregate and, within one aggregate, consecutive in
    /// sequence order: the batch path. The default applies them one by one; a projection may
    /// instead write the rows of many events with one statement. On an error the runner
    /// rolls the whole transaction back and applies the events one by one with
    /// [`Projection::apply`], so both must leave the same rows.
    async fn apply_many(
        &self,
        tx: &mut PgConnection,
        events: &[&Envelope],
    ) -> Result<(), ProjectionError> {
        for event in events {
            self.apply(tx, event).await?;
        }
        Ok(())
    }

    /// The projection's replay as an in-memory fold written in bulk, when its rows each
    /// depend on one aggregate's events only; `None` (the default) replays it event by event
    /// with [`Projection::apply`].
    fn rebuild(&self) -> Option<Box<dyn crate::replay::Rebuild + '_>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_or_exhausted_connection_is_unavailability_not_a_bad_event() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(database_unavailable(&sqlx::Error::Io(refused)));
        assert!(database_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(!database_unavailable(&sqlx::Error::RowNotFound));
        assert!(ProjectionError::Unavailable("event store".into()).is_unavailable());
        assert!(ProjectionError::Database(sqlx::Error::PoolClosed).is_unavailable());
        assert!(!ProjectionError::Command("coupon refused".into()).is_unavailable());
    }
}
