//! The contact-message aggregate: its state, the rules a message must follow, and how events
//! change it.

use serde::{Deserialize, Serialize};

use super::command::ContactCommand;
use super::error::{ContactError, ContactViolation};
use super::event::ContactEvent;
use super::{MAX_MESSAGE_LEN, MAX_NAME_LEN, MAX_NOTE_LEN, MAX_SUBJECT_LEN};
use crate::common::is_email_address;

/// Whether an admin has dealt with a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactStatus {
    /// Waiting for an admin.
    #[default]
    Open,
    /// Dealt with.
    Resolved,
}

/// A message as it is recorded: every field checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMessage {
    /// Trimmed name.
    pub name: String,
    /// Trimmed, lower-cased address.
    pub email: String,
    /// Trimmed subject.
    pub subject: String,
    /// The message without surrounding blank space.
    pub message: String,
}

/// Checks a contact form's fields, all of them at once: the name and subject are 1 to
/// [`MAX_NAME_LEN`] and [`MAX_SUBJECT_LEN`] characters without control characters (they end
/// up in email headers, where a line break would start a header of the sender's choosing),
/// the email is an address, the message 1 to [`MAX_MESSAGE_LEN`] characters whose only
/// control characters are line breaks and tabs.
pub fn validate(
    name: &str,
    email: &str,
    subject: &str,
    message: &str,
) -> Result<ValidMessage, ContactError> {
    let mut violations = Vec::new();
    let name = one_line(&mut violations, "name", name, MAX_NAME_LEN);
    let email = email.trim().to_lowercase();
    if !is_email_address(&email) {
        violations.push(violation(
            "email",
            "must be an email address like ann@example.com",
        ));
    }
    let subject = one_line(&mut violations, "subject", subject, MAX_SUBJECT_LEN);
    let message = text(&mut violations, "message", message, MAX_MESSAGE_LEN, true);
    if !violations.is_empty() {
        return Err(ContactError::Invalid(violations));
    }
    Ok(ValidMessage {
        name,
        email,
        subject,
        message,
    })
}

fn violation(field: &'static str, message: impl Into<String>) -> ContactViolation {
    ContactViolation {
        field,
        message: message.into(),
    }
}

/// A required single-line field, trimmed.
fn one_line(
    violations: &mut Vec<ContactViolation>,
    field: &'static str,
    value: &str,
    max: usize,
) -> String {
    let value = text(violations, field, value, max, true);
    if value.chars().any(char::is_control) {
        violations.push(violation(
            field,
            "must be one line without control characters",
        ));
    }
    value
}

/// A field trimmed of surrounding blank space, 1 (when `required`) to `max` characters,
/// whose only control characters are line breaks and tabs.
fn text(
    violations: &mut Vec<ContactViolation>,
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> String {
    let value = value.trim();
    let length = value.chars().count();
    if required && length == 0 {
        violations.push(violation(field, "must not be blank"));
    } else if length > max {
        violations.push(violation(
            field,
            format!("must be at most {max} characters"),
        ));
    } else if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        violations.push(violation(field, "must not contain control characters"));
    }
    value.to_string()
}

/// A contact message. `Default` is the state before `ContactMessageReceived`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMessage {
    /// Open or resolved, once received.
    status: Option<ContactStatus>,
}

impl ContactMessage {
    /// Open or resolved; `None` before the message is received.
    pub fn status(&self) -> Option<ContactStatus> {
        self.status
    }

    fn decide(&self, command: ContactCommand) -> Result<Vec<ContactEvent>, ContactError> {
        match command {
            ContactCommand::ReceiveContactMessage {
                message_id,
                name,
                email,
                subject,
                message,
                user_id,
            } => {
                if self.status.is_some() {
                    return Err(ContactError::AlreadyExists);
                }
                let valid = validate(&name, &email, &subject, &message)?;
                Ok(vec![ContactEvent::ContactMessageReceived {
                    message_id,
                    name: valid.name,
                    email: valid.email,
                    subject: valid.subject,
                    message: valid.message,
                    user_id,
                }])
            }
            ContactCommand::ResolveContactMessage { by, note } => {
                match self.status {
                    None => return Err(ContactError::NotFound),
                    Some(ContactStatus::Resolved) => return Err(ContactError::AlreadyResolved),
                    Some(ContactStatus::Open) => {}
                }
                let note = valid_note(note)?;
                Ok(vec![ContactEvent::ContactMessageResolved { by, note }])
            }
        }
    }

    /// How an event changes the message: the `apply` of its [`cqrs_es::Aggregate`] impl.
    fn evolve(&mut self, event: ContactEvent) {
        self.status = Some(match event {
            ContactEvent::ContactMessageReceived { .. } => ContactStatus::Open,
            ContactEvent::ContactMessageResolved { .. } => ContactStatus::Resolved,
        });
    }
}

/// The note as stored: trimmed, blank is none, at most [`MAX_NOTE_LEN`] characters.
fn valid_note(note: Option<String>) -> Result<Option<String>, ContactError> {
    let Some(note) = note else {
        return Ok(None);
    };
    let mut violations = Vec::new();
    let note = text(&mut violations, "note", &note, MAX_NOTE_LEN, false);
    if !violations.is_empty() {
        return Err(ContactError::Invalid(violations));
    }
    Ok((!note.is_empty()).then_some(note))
}

crate::common::impl_aggregate! {
    ContactMessage: "contact_message", ContactCommand => ContactEvent, ContactError,
    decide: |message, command| message.decide(command),
    apply: ContactMessage::evolve,
}
