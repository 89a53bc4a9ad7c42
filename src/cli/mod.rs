//! Subcommands of the `commerce` binary that join several components (the event store's
//! audit and the HTTP rendering of an order); the process roles are in `crate::app`.

pub mod audit;
