//! Read side of the commerce engine: the message envelope every published event travels in,
//! the projections that turn those messages into read-model tables, the consumer runner that
//! feeds them from JetStream, and the replay that rebuilds them from the event store.

pub mod applied;
mod batch;
mod detached;
pub mod envelope;
pub mod projection;
pub mod read_models;
pub mod reader;
pub mod replay;
pub mod runner;
pub mod stream;

pub use envelope::{subject, Envelope};
pub use projection::{database_unavailable, Projection, ProjectionError};
