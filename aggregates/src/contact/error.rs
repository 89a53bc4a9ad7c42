//! Why the contact-message aggregate refused a command.

use std::fmt;

use crate::error_kind::ErrorKind;

/// One field of a contact message that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactViolation {
    /// The field (`name`, `email`, `subject`, `message`, `note`).
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ContactViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A refused contact-message command. Each variant has a stable
/// [`code`](ContactError::code) and a [`kind`](ContactError::kind).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    /// Some fields break the rules; every one is listed.
    #[error("invalid contact message: {}", list(.0))]
    Invalid(Vec<ContactViolation>),
    /// No such message.
    #[error("message not found")]
    NotFound,
    /// `ReceiveContactMessage` for an id already used.
    #[error("a message with this id already exists")]
    AlreadyExists,
    /// The message was resolved already.
    #[error("the message is already resolved")]
    AlreadyResolved,
}

fn list(violations: &[ContactViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ContactError {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            ContactError::Invalid(_) => "validation_failed",
            ContactError::NotFound => "not_found",
            ContactError::AlreadyExists => "already_exists",
            ContactError::AlreadyResolved => "already_resolved",
        }
    }

    /// What kind of refusal this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ContactError::Invalid(_) => ErrorKind::Invalid,
            ContactError::NotFound => ErrorKind::NotFound,
            ContactError::AlreadyExists | ContactError::AlreadyResolved => ErrorKind::Conflict,
        }
    }
}
