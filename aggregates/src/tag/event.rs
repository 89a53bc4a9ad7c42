//! Events recorded by the tag aggregate.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

/// What happened to a tag. Serialised externally tagged: `{"TagRenamed": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TagEvent {
    /// The tag was created.
    TagCreated {
        /// Its slug.
        slug: String,
        /// Display name.
        name: String,
    },
    /// The display name changed.
    TagRenamed {
        /// The new name.
        name: String,
    },
    /// The tag was deleted.
    TagDeleted {},
}

impl DomainEvent for TagEvent {
    fn event_type(&self) -> String {
        let name = match self {
            TagEvent::TagCreated { .. } => "TagCreated",
            TagEvent::TagRenamed { .. } => "TagRenamed",
            TagEvent::TagDeleted {} => "TagDeleted",
        };
        name.to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
