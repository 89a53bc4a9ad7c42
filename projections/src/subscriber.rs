//! What the consumer runner feeds: a read model or an event handler. Both are consumed the
//! same way (durable consumer, position guard, ack after commit, dead letters); they differ
//! in what they may do with an event and in that only read models are replayed.

use std::sync::Arc;

use sqlx::PgConnection;

use crate::envelope::Envelope;
use crate::handler::EventHandler;
use crate::projection::{Projection, ProjectionError};

/// A consumer of the event stream run by [`crate::runner`].
#[derive(Clone)]
pub enum Subscriber {
    /// A replayable read model that only writes its tables.
    ReadModel(Arc<dyn Projection>),
    /// A handler of side effects, recorded in its outbox.
    Handler(Arc<dyn EventHandler>),
}

impl Subscriber {
    /// Its stable name.
    pub fn name(&self) -> &'static str {
        match self {
            Subscriber::ReadModel(projection) => projection.name(),
            Subscriber::Handler(handler) => handler.name(),
        }
    }

    /// The aggregate types it consumes.
    pub fn aggregate_types(&self) -> &'static [&'static str] {
        match self {
            Subscriber::ReadModel(projection) => projection.aggregate_types(),
            Subscriber::Handler(handler) => handler.aggregate_types(),
        }
    }

    /// Applies one event in the runner's transaction.
    pub(crate) async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &Envelope,
    ) -> Result<(), ProjectionError> {
        match self {
            Subscriber::ReadModel(projection) => projection.apply(tx, event).await,
            Subscriber::Handler(handler) => handler.handle(tx, event).await,
        }
    }

    /// Applies a sorted batch of events in the runner's transaction.
    pub(crate) async fn apply_many(
        &self,
        tx: &mut PgConnection,
        events: &[&Envelope],
    ) -> Result<(), ProjectionError> {
        match self {
            Subscriber::ReadModel(projection) => projection.apply_many(tx, events).await,
            Subscriber::Handler(handler) => handler.handle_many(tx, events).await,
        }
    }
}

impl From<Arc<dyn Projection>> for Subscriber {
    fn from(projection: Arc<dyn Projection>) -> Self {
        Subscriber::ReadModel(projection)
    }
}

impl From<Arc<dyn EventHandler>> for Subscriber {
    fn from(handler: Arc<dyn EventHandler>) -> Self {
        Subscriber::Handler(handler)
    }
}
