//! Commands accepted by the category aggregate.

/// The would-be parent of a category as the use case found it in the store: whether it
/// exists, and the slugs of its ancestors from its own parent up to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    /// The parent's slug.
    pub slug: String,
    /// True when the parent exists (created and not deleted).
    pub exists: bool,
    /// Its ancestors, nearest first.
    pub ancestors: Vec<String>,
}

/// What can be asked of a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryCommand {
    /// Creates the category (again, if it was deleted) at the root or under a parent.
    CreateCategory {
        /// Its slug (the aggregate id).
        slug: String,
        /// Display name.
        name: String,
        /// The parent; none puts it at the root.
        parent: Option<Lineage>,
    },
    /// Renames and/or moves it; absent fields keep their value.
    UpdateCategory {
        /// New display name.
        name: Option<String>,
        /// New parent: `Some(None)` moves it to the root.
        parent: Option<Option<Lineage>>,
    },
    /// Deletes it, when nothing is in it.
    DeleteCategory {
        /// Categories whose parent it is.
        children: u32,
        /// Products (not archived) in it.
        products: u32,
    },
}
