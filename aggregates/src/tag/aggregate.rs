//! The tag aggregate: its state, its decisions, and how events change it.

use serde::{Deserialize, Serialize};

use super::command::TagCommand;
use super::error::TagError;
use super::event::TagEvent;
use crate::product::MAX_TAG_LEN;
use crate::slug;

/// A tag.
///
/// `Default` is the state before `TagCreated` (and after `TagDeleted`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    slug: Option<String>,
    name: String,
}

impl Tag {
    /// The slug a tag named `name` has (its aggregate id), when the name is acceptable.
    pub fn slug_of(name: &str) -> Result<String, TagError> {
        let name = Self::valid_name(name)?;
        let slug = slug::slugify(&name);
        if slug::is_valid(&slug) {
            Ok(slug)
        } else {
            Err(TagError::InvalidName { max: MAX_TAG_LEN })
        }
    }

    fn valid_name(name: &str) -> Result<String, TagError> {
        let trimmed = name.trim();
        if trimmed.is_empty() || trimmed.chars().count() > MAX_TAG_LEN {
            return Err(TagError::InvalidName { max: MAX_TAG_LEN });
        }
        Ok(trimmed.to_string())
    }

    /// True while the tag exists.
    pub fn exists(&self) -> bool {
        self.slug.is_some()
    }

    /// Its display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn decide(&self, command: TagCommand) -> Result<Vec<TagEvent>, TagError> {
        match command {
            TagCommand::CreateTag { name } => {
                if self.exists() {
                    return Err(TagError::AlreadyExists);
                }
                let slug = Self::slug_of(&name)?;
                let name = Self::valid_name(&name)?;
                Ok(vec![TagEvent::TagCreated { slug, name }])
            }
            TagCommand::RenameTag { name } => {
                if !self.exists() {
                    return Err(TagError::NotFound);
                }
                let name = Self::valid_name(&name)?;
                if name == self.name {
                    return Ok(vec![]);
                }
                Ok(vec![TagEvent::TagRenamed { name }])
            }
            TagCommand::DeleteTag => {
                if !self.exists() {
                    return Err(TagError::NotFound);
                }
                Ok(vec![TagEvent::TagDeleted {}])
            }
        }
    }

    /// How an event changes the tag: the `apply` of its [`cqrs_es::Aggregate`] impl.
    fn evolve(&mut self, event: TagEvent) {
        match event {
            TagEvent::TagCreated { slug, name } => {
                self.slug = Some(slug);
                self.name = name;
            }
            TagEvent::TagRenamed { name } => self.name = name,
            TagEvent::TagDeleted {} => *self = Tag::default(),
        }
    }
}

crate::common::impl_aggregate! {
    Tag: "tag", TagCommand => TagEvent, TagError,
    decide: |tag, command| tag.decide(command),
    apply: Tag::evolve,
}
