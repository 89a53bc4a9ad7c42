//! Events recorded by the store aggregate.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::money::Currency;

/// What happened to a store. Serialised externally tagged: `{"StoreCreated": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum StoreEvent {
    /// The store was opened.
    StoreCreated {
        /// Its slug (also the aggregate id).
        slug: String,
        /// Display name.
        name: String,
        /// The currency its carts price in.
        currency: Currency,
        /// Its contact address.
        contact_email: String,
    },
    /// The name or contact address changed; carries both as they are now.
    StoreUpdated {
        /// The name after the update.
        name: String,
        /// The contact address after the update.
        contact_email: String,
    },
    /// The store stopped taking new carts and products.
    StoreClosed {},
    /// The store takes new carts and products again.
    StoreReopened {},
}

impl DomainEvent for StoreEvent {
    fn event_type(&self) -> String {
        match self {
            StoreEvent::StoreCreated { .. } => "StoreCreated",
            StoreEvent::StoreUpdated { .. } => "StoreUpdated",
            StoreEvent::StoreClosed {} => "StoreClosed",
            StoreEvent::StoreReopened {} => "StoreReopened",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
