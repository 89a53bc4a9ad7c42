//! Read side of the commerce engine: the message envelope every published event travels in,
//! and the projections that turn those messages into read-model tables.

pub mod envelope;

pub use envelope::{subject, Envelope};
