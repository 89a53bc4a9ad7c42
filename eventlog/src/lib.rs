//! The event log as both sides of the engine read it: the envelope every stored event is
//! published in ([`envelope`]), the reader of stored events in commit-safe order
//! ([`reader`]), the JetStream stream they are published to ([`stream`]), and the
//! notification that events were appended ([`notify`]). The write side (store, relay, audit)
//! and the read side (projections) both depend on this crate, not on each other.

pub mod envelope;
pub mod notify;
pub mod reader;
pub mod stream;

pub use envelope::{subject, Envelope};

/// True when `error` says Postgres cannot be reached or is not serving right now (down,
/// restarting, shutting down, out of connections) rather than that the statement failed:
/// connection and pool errors, SQLSTATE class 08 (connection exception), 53 (insufficient
/// resources) and 57P01–57P03 (administrator or crash shutdown, cannot connect now).
pub fn database_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| {
            code.starts_with("08")
                || code.starts_with("53")
                || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_or_exhausted_connection_is_unavailability_not_a_bad_statement() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(database_unavailable(&sqlx::Error::Io(refused)));
        assert!(database_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(!database_unavailable(&sqlx::Error::RowNotFound));
    }
}
