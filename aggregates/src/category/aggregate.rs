//! The category aggregate: its state, read helpers, and how events change it.

use serde::{Deserialize, Serialize};

use super::command::CategoryCommand;
use super::error::CategoryError;
use super::event::CategoryEvent;

/// A node of the category tree.
///
/// `Default` is the state before `CategoryCreated` (and after `CategoryDeleted`): every
/// command but `CreateCategory` is then refused with [`CategoryError::NotFound`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub(super) slug: Option<String>,
    pub(super) name: String,
    pub(super) parent: Option<String>,
}

impl Category {
    /// True while the category exists (created and not deleted).
    pub fn exists(&self) -> bool {
        self.slug.is_some()
    }

    /// Its slug, while it exists.
    pub fn slug(&self) -> Option<&str> {
        self.slug.as_deref()
    }

    /// Its display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its parent's slug; none at the root.
    pub fn parent(&self) -> Option<&str> {
        self.parent.as_deref()
    }
}

crate::common::impl_aggregate! {
    Category: "category", CategoryCommand => CategoryEvent, CategoryError,
    decide: |category, command| category.decide(command),
    apply: Category::evolve,
}

impl Category {
    /// How an event changes the category: the `apply` of its [`cqrs_es::Aggregate`] impl.
    fn evolve(&mut self, event: CategoryEvent) {
        match event {
            CategoryEvent::CategoryCreated { slug, name, parent } => {
                *self = Category {
                    slug: Some(slug),
                    name,
                    parent,
                };
            }
            CategoryEvent::CategoryRenamed { name } => self.name = name,
            CategoryEvent::CategoryMoved { parent } => self.parent = parent,
            CategoryEvent::CategoryDeleted {} => *self = Category::default(),
        }
    }
}
