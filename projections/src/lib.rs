//! Read side of the commerce engine: the message envelope every published event travels in,
//! the projections that turn those messages into read-model tables, the event handlers that
//! record side effects, the consumer runner that feeds both from JetStream, and the replay
//! that rebuilds the read models from the event store.

pub mod applied;
mod batch;
pub mod handler;
pub mod projection;
pub mod read_models;
pub mod replay;
pub mod runner;
pub mod subscriber;

// The event log is shared with the write side (`commerce-eventlog`); the read side names it
// as its own.
pub use commerce_eventlog::{database_unavailable, envelope, reader, stream};
pub use commerce_eventlog::{subject, Envelope};
pub use handler::EventHandler;
pub use projection::{Projection, ProjectionError};
pub use subscriber::Subscriber;
