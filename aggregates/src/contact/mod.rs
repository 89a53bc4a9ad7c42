//! The contact-message aggregate: a message someone sent through the shop's contact form
//! (`POST contact`), identified by a UUID, open until an admin marks it resolved.
//!
//! The sender may be anonymous; a signed-in sender's user id is kept too. What a message may
//! hold is decided here ([`ContactMessage`]'s `decide`): the HTTP layer and the throttle ask
//! [`validate`] before anything is written, so a refused message costs the sender nothing.

mod aggregate;
mod command;
mod error;
mod event;

pub use aggregate::{validate, ContactMessage, ContactStatus, ValidMessage};
pub use command::ContactCommand;
pub use error::{ContactError, ContactViolation};
pub use event::ContactEvent;

/// Longest sender name, in characters.
pub const MAX_NAME_LEN: usize = 100;
/// Longest subject, in characters.
pub const MAX_SUBJECT_LEN: usize = 200;
/// Longest message, in characters.
pub const MAX_MESSAGE_LEN: usize = 5_000;
/// Longest resolution note, in characters.
pub const MAX_NOTE_LEN: usize = 1_000;

#[cfg(test)]
mod tests;
