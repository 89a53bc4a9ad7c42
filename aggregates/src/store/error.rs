//! Why the store aggregate refused a command.

use crate::error_kind::ErrorKind;

/// A refused store command. Each variant has a stable [`code`](StoreError::code) and a
/// [`kind`](StoreError::kind).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The store does not exist.
    #[error("store not found")]
    NotFound,
    /// `CreateStore` for a slug already used.
    #[error("a store with this slug already exists")]
    AlreadyExists,
    /// The slug is not lower-case letters and digits joined by single hyphens.
    #[error("slug must be 1 to {max} lower-case letters, digits and single hyphens, got '{slug}'", max = super::MAX_SLUG_LEN)]
    InvalidSlug {
        /// The slug as given.
        slug: String,
    },
    /// A blank or over-long name.
    #[error("name must be 1 to {max} characters", max = super::MAX_NAME_LEN)]
    InvalidName,
    /// The contact address is not an email address.
    #[error("contact_email must be an email address like shop@example.com")]
    InvalidContactEmail,
    /// `UpdateStore` with no field at all.
    #[error("nothing to update")]
    NothingToUpdate,
    /// The store is closed: it takes no new carts or products.
    #[error("store '{slug}' is closed")]
    Closed {
        /// The store.
        slug: String,
    },
}

impl StoreError {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound => "not_found",
            StoreError::AlreadyExists => "already_exists",
            StoreError::InvalidSlug { .. } => "invalid_slug",
            StoreError::InvalidName => "invalid_name",
            StoreError::InvalidContactEmail => "invalid_contact_email",
            StoreError::NothingToUpdate => "nothing_to_update",
            StoreError::Closed { .. } => "store_closed",
        }
    }

    /// What kind of refusal this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotFound => ErrorKind::NotFound,
            StoreError::AlreadyExists | StoreError::Closed { .. } => ErrorKind::Conflict,
            StoreError::InvalidSlug { .. }
            | StoreError::InvalidName
            | StoreError::InvalidContactEmail
            | StoreError::NothingToUpdate => ErrorKind::Invalid,
        }
    }
}
