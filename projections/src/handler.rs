//! Event handlers: consumers of the stream whose work is a side effect (an email, later a
//! webhook), recorded in an outbox of their own inside the runner's transaction and
//! delivered by another task. Unlike a read model ([`crate::Projection`]) a handler is never
//! replayed: replaying would send its effects again.

use async_trait::async_trait;
use sqlx::PgConnection;

use crate::envelope::Envelope;
use crate::projection::ProjectionError;

/// A side effect triggered by events.
///
/// The runner calls [`EventHandler::handle_many`] with a batch's events, or
/// [`EventHandler::handle`] once per event while it isolates a failing one, in per-aggregate
/// sequence order, inside a transaction that also advances the handler's per-aggregate
/// position, so each event's effects are recorded exactly once however often it is
/// delivered. The outbox rows it writes must be keyed so that recording them twice is
/// harmless (the event id and the effect), for the runner's retries after a failed batch.
#[async_trait]
pub trait EventHandler: Send + Sync {
    /// Stable name: its durable consumers are named like a read model's (`proj-<name>`, or
    /// `proj-<name>-<type>` per type for several aggregate types).
    fn name(&self) -> &'static str;

    /// The aggregate types whose events it consumes.
    fn aggregate_types(&self) -> &'static [&'static str];

    /// Records the effects of one event in the outbox, in the runner's transaction.
    async fn handle(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError>;

    /// Records the effects of a batch of events, sorted by aggregate and sequence, in the
    /// runner's transaction: what the runner calls when every event of a batch follows on
    /// from its position. Each event in turn by default; a handler whose events share
    /// lookups reads them once for the batch.
    async fn handle_many(
        &self,
        tx: &mut PgConnection,
        events: &[&Envelope],
    ) -> Result<(), ProjectionError> {
        for event in events {
            self.handle(tx, event).await?;
        }
        Ok(())
    }
}
