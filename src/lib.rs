//! The `commerce` engine: configuration, event-store wiring, HTTP APIs and the process
//! roles run by the `commerce` binary.

pub mod app;
pub mod asyncapi;
pub mod audit;
pub mod auth;
pub mod backoffice;
pub mod cli;
pub mod config;
pub mod db;
pub mod html;
pub mod http;
pub mod leader;
pub mod listen;
pub mod mailer;
pub mod media;
pub mod nats;
pub mod payments;
pub mod relay;
pub mod secret;
pub use commerce_runtime::shutdown;
pub mod store;
pub mod tail;
pub mod telemetry;
pub mod usecases;
