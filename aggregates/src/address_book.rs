//! An account's address book: up to [`MAX_ADDRESSES`] shipping addresses, exactly one of them
//! the default whenever the book is not empty. Pure rules: the application loads the book,
//! asks it for a change, and writes the changes it answers (and the account events naming
//! them) in one transaction.
//!
//! The default rules: the first address becomes the default; adding or editing an address
//! with `default` moves the default to it; the default cannot be unset by itself (another one
//! is made default instead); removing the default promotes the oldest remaining address, or
//! leaves none when the book becomes empty.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cart::validate::normalized_address;
use crate::common::{Address, AddressError};
use crate::error_kind::ErrorKind;

/// Most addresses one account keeps.
pub const MAX_ADDRESSES: usize = 20;
/// Longest label (`Home`, `Office`…), in characters.
pub const MAX_LABEL_LEN: usize = 50;

/// One address of the book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookEntry {
    /// The entry's id.
    pub id: Uuid,
    /// The customer's name for it, if any.
    pub label: Option<String>,
    /// The address, normalised like a cart's.
    pub address: Address,
    /// Whether it is the book's default.
    pub is_default: bool,
}

/// A new address for the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// Its id, chosen by the caller.
    pub id: Uuid,
    /// An optional label (empty: none).
    pub label: Option<String>,
    /// The address (normalised and validated here).
    pub address: Address,
    /// Make it the default (the first address always is).
    pub make_default: bool,
}

/// The fields an edit changes (`PATCH me/addresses/{id}` takes it as it is); `None` keeps a
/// field. An empty `label` or `line2` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = AddressChangesRequest))]
#[serde(deny_unknown_fields)]
pub struct EntryEdit {
    /// New label.
    pub label: Option<String>,
    /// New recipient's name.
    pub name: Option<String>,
    /// New first line.
    pub line1: Option<String>,
    /// New second line.
    pub line2: Option<String>,
    /// New city.
    pub city: Option<String>,
    /// New postal code.
    pub postal_code: Option<String>,
    /// New country.
    pub country: Option<String>,
    /// `true` makes it the default; `false` is refused on the default itself (make another
    /// one the default instead).
    #[serde(rename = "is_default")]
    pub make_default: Option<bool>,
}

impl EntryEdit {
    fn is_empty(&self) -> bool {
        *self == EntryEdit::default()
    }
}

/// What happened to the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookChange {
    /// An address was added.
    Added {
        /// The new entry (not yet default: see `DefaultChanged`).
        id: Uuid,
        /// Its label.
        label: Option<String>,
        /// Its address.
        address: Address,
    },
    /// An address or its label changed.
    Updated {
        /// The entry.
        id: Uuid,
        /// Its label now.
        label: Option<String>,
        /// Its address now.
        address: Address,
    },
    /// An address was removed.
    Removed {
        /// The entry.
        id: Uuid,
    },
    /// Another entry (or none, the book being empty) became the default.
    DefaultChanged {
        /// The new default.
        to: Option<Uuid>,
        /// The previous one.
        from: Option<Uuid>,
    },
}

/// Why the book refused a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressBookError {
    /// The address is incomplete or malformed.
    #[error(transparent)]
    InvalidAddress(#[from] AddressError),
    /// The label is too long or holds control characters.
    #[error("label must be at most {max} characters without control characters")]
    InvalidLabel {
        /// The longest label.
        max: usize,
    },
    /// The book holds [`MAX_ADDRESSES`] already.
    #[error("the address book holds {max} addresses already")]
    Full {
        /// The limit.
        max: usize,
    },
    /// No such entry in this book.
    #[error("address not found")]
    NotFound,
    /// The default cannot be unset; make another address the default instead.
    #[error("the default address stays the default until another one is made the default")]
    DefaultRequired,
    /// An edit that names no field.
    #[error("nothing to update")]
    NothingToUpdate,
}

impl AddressBookError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            AddressBookError::InvalidAddress(_) => "invalid_address",
            AddressBookError::InvalidLabel { .. } => "invalid_label",
            AddressBookError::Full { .. } => "address_book_full",
            AddressBookError::NotFound => "not_found",
            AddressBookError::DefaultRequired => "default_address_required",
            AddressBookError::NothingToUpdate => "nothing_to_update",
        }
    }

    /// What kind of refusal it is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AddressBookError::InvalidAddress(_)
            | AddressBookError::InvalidLabel { .. }
            | AddressBookError::NothingToUpdate => ErrorKind::Invalid,
            AddressBookError::NotFound => ErrorKind::NotFound,
            AddressBookError::Full { .. } | AddressBookError::DefaultRequired => {
                ErrorKind::Conflict
            }
        }
    }
}

/// An account's addresses, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressBook {
    entries: Vec<BookEntry>,
}

type Decision = Result<Vec<BookChange>, AddressBookError>;

impl AddressBook {
    /// The book holding `entries`, oldest first.
    pub fn new(entries: Vec<BookEntry>) -> Self {
        Self { entries }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[BookEntry] {
        &self.entries
    }

    /// The entry `id`.
    pub fn entry(&self, id: Uuid) -> Option<&BookEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The default entry's id.
    pub fn default_id(&self) -> Option<Uuid> {
        self.entries.iter().find(|e| e.is_default).map(|e| e.id)
    }

    /// Adds an address; the first one, or one asked to be, becomes the default.
    pub fn add(&self, entry: NewEntry) -> Decision {
        if self.entries.len() >= MAX_ADDRESSES {
            return Err(AddressBookError::Full { max: MAX_ADDRESSES });
        }
        let label = normalized_label(entry.label)?;
        let address = normalized_address(entry.address)?;
        let mut changes = vec![BookChange::Added {
            id: entry.id,
            label,
            address,
        }];
        let from = self.default_id();
        if entry.make_default || from.is_none() {
            changes.push(BookChange::DefaultChanged {
                to: Some(entry.id),
                from,
            });
        }
        Ok(changes)
    }

    /// Edits an entry; nothing when the edit changes nothing.
    pub fn edit(&self, id: Uuid, edit: EntryEdit) -> Decision {
        let current = self.entry(id).ok_or(AddressBookError::NotFound)?;
        if edit.is_empty() {
            return Err(AddressBookError::NothingToUpdate);
        }
        if edit.make_default == Some(false) && current.is_default {
            return Err(AddressBookError::DefaultRequired);
        }
        let label = match edit.label {
            Some(label) => normalized_label(Some(label))?,
            None => current.label.clone(),
        };
        let old = current.address.clone();
        let address = normalized_address(Address {
            name: edit.name.unwrap_or(old.name),
            line1: edit.line1.unwrap_or(old.line1),
            line2: edit.line2.or(old.line2),
            city: edit.city.unwrap_or(old.city),
            postal_code: edit.postal_code.unwrap_or(old.postal_code),
            country: edit.country.unwrap_or(old.country),
        })?;
        let mut changes = Vec::new();
        if label != current.label || address != current.address {
            changes.push(BookChange::Updated { id, label, address });
        }
        if edit.make_default == Some(true) && !current.is_default {
            changes.push(BookChange::DefaultChanged {
                to: Some(id),
                from: self.default_id(),
            });
        }
        Ok(changes)
    }

    /// Removes an entry; removing the default promotes the oldest remaining one.
    pub fn remove(&self, id: Uuid) -> Decision {
        let current = self.entry(id).ok_or(AddressBookError::NotFound)?;
        let mut changes = vec![BookChange::Removed { id }];
        if current.is_default {
            let next = self.entries.iter().find(|e| e.id != id).map(|e| e.id);
            changes.push(BookChange::DefaultChanged {
                to: next,
                from: Some(id),
            });
        }
        Ok(changes)
    }

    /// How a change alters the book.
    pub fn apply(&mut self, change: &BookChange) {
        match change {
            BookChange::Added { id, label, address } => self.entries.push(BookEntry {
                id: *id,
                label: label.clone(),
                address: address.clone(),
                is_default: false,
            }),
            BookChange::Updated { id, label, address } => {
                if let Some(entry) = self.entries.iter_mut().find(|e| e.id == *id) {
                    entry.label = label.clone();
                    entry.address = address.clone();
                }
            }
            BookChange::Removed { id } => self.entries.retain(|e| e.id != *id),
            BookChange::DefaultChanged { to, .. } => {
                for entry in &mut self.entries {
                    entry.is_default = Some(entry.id) == *to;
                }
            }
        }
    }
}

/// A trimmed label, `None` when empty; refused when too long or holding control characters.
fn normalized_label(label: Option<String>) -> Result<Option<String>, AddressBookError> {
    let Some(label) = label
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
    else {
        return Ok(None);
    };
    if label.chars().count() > MAX_LABEL_LEN || label.chars().any(char::is_control) {
        return Err(AddressBookError::InvalidLabel { max: MAX_LABEL_LEN });
    }
    Ok(Some(label))
}

#[cfg(test)]
mod tests;
