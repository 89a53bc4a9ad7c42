//! Command handling for the category aggregate: validates a command against the current
//! state and decides which events it produces.

use super::aggregate::Category;
use super::command::{CategoryCommand, Lineage};
use super::error::CategoryError;
use super::event::CategoryEvent;
use crate::slug;

/// Longest category name, in characters (a product's free-text category is as long).
pub const MAX_NAME_LEN: usize = crate::product::MAX_CATEGORY_LEN;

type Decision = Result<Vec<CategoryEvent>, CategoryError>;

fn name(value: &str) -> Result<String, CategoryError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_LEN {
        return Err(CategoryError::InvalidName { max: MAX_NAME_LEN });
    }
    Ok(trimmed.to_string())
}

/// The parent `slug` may hang under: an existing category that is neither `slug` itself nor
/// below it (one of its ancestors would then be `slug`).
fn parent_for(slug: &str, parent: Lineage) -> Result<String, CategoryError> {
    if !parent.exists {
        return Err(CategoryError::ParentNotFound {
            parent: parent.slug,
        });
    }
    if parent.slug == slug || parent.ancestors.iter().any(|a| a == slug) {
        return Err(CategoryError::Cycle {
            parent: parent.slug,
        });
    }
    Ok(parent.slug)
}

impl Category {
    /// The events `command` produces in the current state, or why it is refused.
    pub(super) fn decide(&self, command: CategoryCommand) -> Decision {
        match command {
            CategoryCommand::CreateCategory {
                slug,
                name: given,
                parent,
            } => {
                if self.exists() {
                    return Err(CategoryError::AlreadyExists);
                }
                if !slug::is_valid(&slug) {
                    return Err(CategoryError::InvalidSlug { slug });
                }
                let name = name(&given)?;
                let parent = parent.map(|p| parent_for(&slug, p)).transpose()?;
                Ok(vec![CategoryEvent::CategoryCreated { slug, name, parent }])
            }
            CategoryCommand::UpdateCategory {
                name: given,
                parent,
            } => {
                let slug = self.slug.as_deref().ok_or(CategoryError::NotFound)?;
                if given.is_none() && parent.is_none() {
                    return Err(CategoryError::NothingToUpdate);
                }
                let name = given.as_deref().map(name).transpose()?;
                let parent = match parent {
                    Some(Some(lineage)) => Some(Some(parent_for(slug, lineage)?)),
                    Some(None) => Some(None),
                    None => None,
                };
                let mut events = Vec::new();
                if let Some(name) = name.filter(|n| *n != self.name) {
                    events.push(CategoryEvent::CategoryRenamed { name });
                }
                if let Some(parent) = parent.filter(|p| *p != self.parent) {
                    events.push(CategoryEvent::CategoryMoved { parent });
                }
                Ok(events)
            }
            CategoryCommand::DeleteCategory { children, products } => {
                if !self.exists() {
                    return Err(CategoryError::NotFound);
                }
                if children > 0 || products > 0 {
                    return Err(CategoryError::NotEmpty { children, products });
                }
                Ok(vec![CategoryEvent::CategoryDeleted {}])
            }
        }
    }
}
