//! Events recorded by the category aggregate.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

/// What happened to a category. Serialised externally tagged: `{"CategoryMoved": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum CategoryEvent {
    /// The category was created.
    CategoryCreated {
        /// Its slug.
        slug: String,
        /// Display name.
        name: String,
        /// The parent's slug; none at the root.
        parent: Option<String>,
    },
    /// The display name changed (the slug never does).
    CategoryRenamed {
        /// The new name.
        name: String,
    },
    /// The category moved in the tree, with everything below it.
    CategoryMoved {
        /// The new parent's slug; none at the root.
        parent: Option<String>,
    },
    /// The category was deleted (it was empty).
    CategoryDeleted {},
}

impl DomainEvent for CategoryEvent {
    fn event_type(&self) -> String {
        let name = match self {
            CategoryEvent::CategoryCreated { .. } => "CategoryCreated",
            CategoryEvent::CategoryRenamed { .. } => "CategoryRenamed",
            CategoryEvent::CategoryMoved { .. } => "CategoryMoved",
            CategoryEvent::CategoryDeleted {} => "CategoryDeleted",
        };
        name.to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
