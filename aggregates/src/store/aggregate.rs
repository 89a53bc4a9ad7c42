//! The store aggregate: its state, the checks other commands ask of it, and how events
//! change it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::command::StoreCommand;
use super::error::StoreError;
use super::event::StoreEvent;
use super::{is_slug, MAX_NAME_LEN};
use crate::common::is_email_address;
use crate::money::Currency;

/// Whether a store takes new carts and products.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StoreStatus {
    /// Open for business.
    #[default]
    Active,
    /// Takes no new carts or products; carts already open can still check out.
    Closed,
}

impl StoreStatus {
    /// The wire name (`active`, `closed`).
    pub fn as_str(&self) -> &'static str {
        match self {
            StoreStatus::Active => "active",
            StoreStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for StoreStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a store is, once created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreDetails {
    /// The identity.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The currency of its carts and of its products' prices.
    pub currency: Currency,
    /// Contact address.
    pub contact_email: String,
    /// Open or closed.
    pub status: StoreStatus,
}

/// A sales channel. `Default` is the state before `StoreCreated`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    details: Option<StoreDetails>,
}

impl Store {
    /// The store's details, once created.
    pub fn details(&self) -> Option<&StoreDetails> {
        self.details.as_ref()
    }

    /// The details of a store that takes new carts and products: the check every command
    /// that puts something in a store makes (a missing store is `NotFound`, a closed one
    /// `Closed`).
    pub fn admitting(&self) -> Result<&StoreDetails, StoreError> {
        let details = self.details.as_ref().ok_or(StoreError::NotFound)?;
        match details.status {
            StoreStatus::Active => Ok(details),
            StoreStatus::Closed => Err(StoreError::Closed {
                slug: details.slug.clone(),
            }),
        }
    }

    fn decide(&self, command: StoreCommand) -> Result<Vec<StoreEvent>, StoreError> {
        match command {
            StoreCommand::CreateStore {
                slug,
                name,
                currency,
                contact_email,
            } => {
                if self.details.is_some() {
                    return Err(StoreError::AlreadyExists);
                }
                if !is_slug(&slug) {
                    return Err(StoreError::InvalidSlug { slug });
                }
                Ok(vec![StoreEvent::StoreCreated {
                    slug,
                    name: valid_name(&name)?,
                    currency,
                    contact_email: valid_email(&contact_email)?,
                }])
            }
            StoreCommand::UpdateStore {
                name,
                contact_email,
                status,
            } => {
                let current = self.details.as_ref().ok_or(StoreError::NotFound)?;
                if name.is_none() && contact_email.is_none() && status.is_none() {
                    return Err(StoreError::NothingToUpdate);
                }
                let name = name.as_deref().map(valid_name).transpose()?;
                let contact_email = contact_email.as_deref().map(valid_email).transpose()?;
                let mut events = Vec::new();
                let name = name.unwrap_or_else(|| current.name.clone());
                let contact_email = contact_email.unwrap_or_else(|| current.contact_email.clone());
                if name != current.name || contact_email != current.contact_email {
                    events.push(StoreEvent::StoreUpdated {
                        name,
                        contact_email,
                    });
                }
                match (current.status, status) {
                    (StoreStatus::Active, Some(StoreStatus::Closed)) => {
                        events.push(StoreEvent::StoreClosed {});
                    }
                    (StoreStatus::Closed, Some(StoreStatus::Active)) => {
                        events.push(StoreEvent::StoreReopened {});
                    }
                    _ => {}
                }
                Ok(events)
            }
        }
    }

    /// How an event changes the store: the `apply` of its [`cqrs_es::Aggregate`] impl.
    fn evolve(&mut self, event: StoreEvent) {
        match event {
            StoreEvent::StoreCreated {
                slug,
                name,
                currency,
                contact_email,
            } => {
                self.details = Some(StoreDetails {
                    slug,
                    name,
                    currency,
                    contact_email,
                    status: StoreStatus::Active,
                });
            }
            StoreEvent::StoreUpdated {
                name,
                contact_email,
            } => {
                if let Some(details) = &mut self.details {
                    details.name = name;
                    details.contact_email = contact_email;
                }
            }
            StoreEvent::StoreClosed {} => self.set_status(StoreStatus::Closed),
            StoreEvent::StoreReopened {} => self.set_status(StoreStatus::Active),
        }
    }

    fn set_status(&mut self, status: StoreStatus) {
        if let Some(details) = &mut self.details {
            details.status = status;
        }
    }
}

crate::common::impl_aggregate! {
    Store: "store", StoreCommand => StoreEvent, StoreError,
    decide: |store, command| store.decide(command),
    apply: Store::evolve,
}

/// The name as stored: trimmed, 1..=[`MAX_NAME_LEN`] characters.
fn valid_name(name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(StoreError::InvalidName);
    }
    Ok(name.to_string())
}

/// The contact address as stored: trimmed and lower-cased, shaped like an email address.
fn valid_email(email: &str) -> Result<String, StoreError> {
    let email = email.trim().to_lowercase();
    if !is_email_address(&email) {
        return Err(StoreError::InvalidContactEmail);
    }
    Ok(email)
}
