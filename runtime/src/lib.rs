//! What every long-running task of the engine shares, on the write side (relay, sealer,
//! expiry, email sender) and the read side (projection runners) alike: one [`Shutdown`]
//! signal, and one [`Backoff`] rule for the wait between retries.

pub mod backoff;
pub mod shutdown;

pub use backoff::Backoff;
pub use shutdown::Shutdown;
