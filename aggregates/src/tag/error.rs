//! Why the tag aggregate refused a command.

use crate::error_kind::ErrorKind;

/// A refused tag command. Each variant has a stable [`code`](TagError::code) and a
/// [`kind`](TagError::kind).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// The tag does not exist (or was deleted).
    #[error("tag not found")]
    NotFound,
    /// `CreateTag` with a name whose slug is taken.
    #[error("tag already exists")]
    AlreadyExists,
    /// The name is empty, too long, or has no ASCII letter or digit to make a slug of.
    #[error("tag name must be 1 to {max} characters with a letter or digit")]
    InvalidName {
        /// The limit.
        max: usize,
    },
}

impl TagError {
    /// A stable snake_case code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            TagError::NotFound => "not_found",
            TagError::AlreadyExists => "already_exists",
            TagError::InvalidName { .. } => "invalid_name",
        }
    }

    /// What kind of refusal this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            TagError::NotFound => ErrorKind::NotFound,
            TagError::AlreadyExists => ErrorKind::Conflict,
            TagError::InvalidName { .. } => ErrorKind::Invalid,
        }
    }
}
