//! Why the event store failed, told apart by what the caller should do about it.

use cqrs_es::AggregateError;

/// A failure of the event store itself (not a refusal by an aggregate).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is not serving right now (restarting, out of
    /// connections): the same request may succeed later, so it is answered 503 and retried by
    /// consumers.
    #[error("the event store is unavailable: {0}")]
    Unavailable(String),
    /// The stored data cannot be read by this build, or a statement was refused: a bug or
    /// corrupt data, which retrying does not fix. Answered as an opaque 500 with the cause
    /// logged; a consumer dead-letters the message.
    #[error("the event store failed: {0}")]
    Failed(String),
}

impl StoreError {
    /// True when a retry may succeed.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if commerce_eventlog::database_unavailable(&error) {
            StoreError::Unavailable(error.to_string())
        } else {
            StoreError::Failed(error.to_string())
        }
    }
}

/// The store failure inside a cqrs-es loading error that is not the aggregate's own refusal
/// or a lost race (those are kept apart by the caller).
pub(super) fn from_aggregate_error<E: std::error::Error>(error: &AggregateError<E>) -> StoreError {
    match error {
        AggregateError::DatabaseConnectionError(cause) => {
            StoreError::Unavailable(cause.to_string())
        }
        AggregateError::UnexpectedError(cause) => match cause.downcast_ref::<sqlx::Error>() {
            Some(sqlx_error) if commerce_eventlog::database_unavailable(sqlx_error) => {
                StoreError::Unavailable(sqlx_error.to_string())
            }
            _ => StoreError::Failed(cause.to_string()),
        },
        other => StoreError::Failed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_unavailable_and_a_refused_statement_failed() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(StoreError::from(sqlx::Error::Io(refused)).is_unavailable());
        assert!(StoreError::from(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(!StoreError::from(sqlx::Error::RowNotFound).is_unavailable());
    }

    #[test]
    fn a_decode_failure_while_loading_is_failed() {
        let decode = serde_json::from_str::<u8>("\"x\"").expect_err("not a number");
        let error: AggregateError<std::fmt::Error> =
            AggregateError::DeserializationError(Box::new(decode));
        assert!(!from_aggregate_error(&error).is_unavailable());
        let down: AggregateError<std::fmt::Error> =
            AggregateError::UnexpectedError(Box::new(sqlx::Error::PoolTimedOut));
        assert!(from_aggregate_error(&down).is_unavailable());
    }
}
