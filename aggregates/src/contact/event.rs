//! Events recorded by the contact-message aggregate.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What happened to a contact message. Serialised externally tagged:
/// `{"ContactMessageReceived": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ContactEvent {
    /// Someone wrote through the contact form; every admin is emailed.
    ContactMessageReceived {
        /// The message's id (also the aggregate id).
        message_id: Uuid,
        /// The sender's name (trimmed).
        name: String,
        /// The sender's email address (trimmed, lower-cased): where admins reply to.
        email: String,
        /// The subject line (trimmed).
        subject: String,
        /// The message (surrounding blank space removed).
        message: String,
        /// The signed-in sender's user id; absent for an anonymous sender.
        user_id: Option<Uuid>,
    },
    /// An admin marked the message as dealt with.
    ContactMessageResolved {
        /// The admin's user id.
        by: Uuid,
        /// What was done (trimmed), if the admin said.
        note: Option<String>,
    },
}

impl DomainEvent for ContactEvent {
    fn event_type(&self) -> String {
        match self {
            ContactEvent::ContactMessageReceived { .. } => "ContactMessageReceived",
            ContactEvent::ContactMessageResolved { .. } => "ContactMessageResolved",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
