//! Why the category aggregate refused a command.

use crate::error_kind::ErrorKind;

/// A refused category command. Each variant has a stable [`code`](CategoryError::code) and
/// a [`kind`](CategoryError::kind).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    /// The category does not exist (or was deleted).
    #[error("category not found")]
    NotFound,
    /// `CreateCategory` for a slug in use.
    #[error("category already exists")]
    AlreadyExists,
    /// The slug is not lower-case ASCII letters and digits joined by single dashes.
    #[error("invalid category slug '{slug}': use a-z, 0-9 and single dashes")]
    InvalidSlug {
        /// The slug as given.
        slug: String,
    },
    /// The name is empty or too long.
    #[error("category name must be 1 to {max} characters")]
    InvalidName {
        /// The limit.
        max: usize,
    },
    /// The parent named does not exist.
    #[error("parent category '{parent}' not found")]
    ParentNotFound {
        /// The parent's slug.
        parent: String,
    },
    /// The parent is the category itself or one of its descendants.
    #[error("category cannot move under '{parent}': it is the category itself or below it")]
    Cycle {
        /// The refused parent.
        parent: String,
    },
    /// `UpdateCategory` with no field at all.
    #[error("nothing to update")]
    NothingToUpdate,
    /// `DeleteCategory` on a category with children or products.
    #[error("category is not empty: {children} categories and {products} products in it")]
    NotEmpty {
        /// Child categories.
        children: u32,
        /// Products in it.
        products: u32,
    },
}

impl CategoryError {
    /// A stable snake_case code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            CategoryError::NotFound => "not_found",
            CategoryError::AlreadyExists => "already_exists",
            CategoryError::InvalidSlug { .. } => "invalid_slug",
            CategoryError::InvalidName { .. } => "invalid_name",
            CategoryError::ParentNotFound { .. } => "parent_not_found",
            CategoryError::Cycle { .. } => "category_cycle",
            CategoryError::NothingToUpdate => "nothing_to_update",
            CategoryError::NotEmpty { .. } => "category_not_empty",
        }
    }

    /// What kind of refusal this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CategoryError::NotFound => ErrorKind::NotFound,
            CategoryError::AlreadyExists
            | CategoryError::Cycle { .. }
            | CategoryError::NotEmpty { .. } => ErrorKind::Conflict,
            CategoryError::InvalidSlug { .. }
            | CategoryError::InvalidName { .. }
            | CategoryError::ParentNotFound { .. }
            | CategoryError::NothingToUpdate => ErrorKind::Invalid,
        }
    }
}
