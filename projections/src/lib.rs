//! Read side of the commerce engine: the message envelope every published event travels in,
//! the projections that turn those messages into read-model tables, the event handlers that
//! record side effects, the consumer runner that feeds both from JetStream, and the replay
//! that rebuilds the read models from the event store.

pub mod applied;
mod batch;
pub mod envelope;
pub mod handler;
pub mod projection;
pub mod read_models;
pub mod reader;
pub mod replay;
pub mod runner;
pub mod stream;
pub mod subscriber;

pub use envelope::{subject, Envelope};
pub use handler::EventHandler;
pub use projection::{database_unavailable, Projection, ProjectionError};
pub use subscriber::Subscriber;
