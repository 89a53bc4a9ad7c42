//! Commands accepted by the contact-message aggregate.

use uuid::Uuid;

/// What can be asked of a contact message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactCommand {
    /// Records a message sent through the contact form (see [`super::validate`]).
    ReceiveContactMessage {
        /// The new message's id (also the aggregate id).
        message_id: Uuid,
        /// The sender's name, as typed.
        name: String,
        /// The sender's email address, as typed.
        email: String,
        /// The subject line, as typed.
        subject: String,
        /// The message, as typed.
        message: String,
        /// The signed-in sender's user id; `None` for an anonymous sender.
        user_id: Option<Uuid>,
    },
    /// An admin marks the message as dealt with.
    ResolveContactMessage {
        /// The admin.
        by: Uuid,
        /// What was done, for the other admins.
        note: Option<String>,
    },
}
