//! Commands accepted by the tag aggregate.

/// What can be asked of a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagCommand {
    /// Creates the tag (again, if it was deleted); its slug is the name's.
    CreateTag {
        /// Display name.
        name: String,
    },
    /// Renames it; the slug stays.
    RenameTag {
        /// The new name.
        name: String,
    },
    /// Deletes it (the use case unlinks it from its products in the same commit).
    DeleteTag,
}
