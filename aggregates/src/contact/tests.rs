//! Given/when/then tests of the contact-message aggregate.

use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::ErrorKind;

fn message() -> TestFramework<ContactMessage> {
    TestFramework::with(())
}

fn id() -> Uuid {
    Uuid::from_u128(7)
}

fn receive(name: &str, email: &str, subject: &str, text: &str) -> ContactCommand {
    ContactCommand::ReceiveContactMessage {
        message_id: id(),
        name: name.into(),
        email: email.into(),
        subject: subject.into(),
        message: text.into(),
        user_id: None,
    }
}

fn received() -> ContactEvent {
    ContactEvent::ContactMessageReceived {
        message_id: id(),
        name: "Ann Smith".into(),
        email: "ann@example.com".into(),
        subject: "Where is my order?".into(),
        message: "It has been a week.\nThanks!".into(),
        user_id: None,
    }
}

fn resolve(note: Option<&str>) -> ContactCommand {
    ContactCommand::ResolveContactMessage {
        by: Uuid::from_u128(1),
        note: note.map(str::to_string),
    }
}

fn invalid_fields(name: &str, email: &str, subject: &str, text: &str) -> Vec<&'static str> {
    match validate(name, email, subject, text) {
        Err(ContactError::Invalid(violations)) => violations.iter().map(|v| v.field).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

#[test]
fn receives_a_message_trimmed_with_the_address_lower_cased() {
    message()
        .given_no_previous_events()
        .when(receive(
            "  Ann Smith ",
            " Ann@Example.COM ",
            " Where is my order? ",
            "\n It has been a week.\nThanks!\n\n",
        ))
        .then_expect_events(vec![received()]);
}

#[test]
fn a_message_id_is_used_once() {
    message()
        .given(vec![received()])
        .when(receive("Ann", "ann@example.com", "Hi", "Hello"))
        .then_expect_error(ContactError::AlreadyExists);
}

#[test]
fn lists_every_invalid_field_at_once() {
    assert_eq!(
        invalid_fields(" ", "ann at example.com", "", "\n "),
        ["name", "email", "subject", "message"]
    );
}

#[test]
fn refuses_oversized_fields() {
    let ok = |n: usize| "x".repeat(n);
    assert!(validate(
        &ok(MAX_NAME_LEN),
        "a@b.co",
        &ok(MAX_SUBJECT_LEN),
        &ok(MAX_MESSAGE_LEN)
    )
    .is_ok());
    assert_eq!(
        invalid_fields(
            &ok(MAX_NAME_LEN + 1),
            "a@b.co",
            &ok(MAX_SUBJECT_LEN + 1),
            &ok(MAX_MESSAGE_LEN + 1)
        ),
        ["name", "subject", "message"]
    );
    // Characters, not bytes.
    assert!(validate(&"é".repeat(MAX_NAME_LEN), "a@b.co", "Hi", "x").is_ok());
}

#[test]
fn refuses_line_breaks_in_what_becomes_an_email_header() {
    assert_eq!(
        invalid_fields(
            "Ann\r\nBcc: all@example.com",
            "a@b.co",
            "Hi\nBcc: x@y.z",
            "ok"
        ),
        ["name", "subject"]
    );
    assert_eq!(invalid_fields("Ann\tSmith", "a@b.co", "Hi", "ok"), ["name"]);
    assert_eq!(
        invalid_fields("Ann", "a@b.co\r\nBcc: x@y.z", "Hi", "ok"),
        ["email"]
    );
    // The message itself may have lines and tabs, not other control characters.
    assert!(validate("Ann", "a@b.co", "Hi", "line 1\r\n\tline 2").is_ok());
    assert_eq!(
        invalid_fields("Ann", "a@b.co", "Hi", "bell \u{7}"),
        ["message"]
    );
}

#[test]
fn an_open_message_is_resolved_once() {
    let resolved = ContactEvent::ContactMessageResolved {
        by: Uuid::from_u128(1),
        note: Some("Refunded".into()),
    };
    message()
        .given(vec![received()])
        .when(resolve(Some("  Refunded ")))
        .then_expect_events(vec![resolved.clone()]);
    message()
        .given(vec![received(), resolved])
        .when(resolve(None))
        .then_expect_error(ContactError::AlreadyResolved);
}

#[test]
fn a_blank_note_is_no_note_and_a_long_one_is_refused() {
    message()
        .given(vec![received()])
        .when(resolve(Some("   ")))
        .then_expect_events(vec![ContactEvent::ContactMessageResolved {
            by: Uuid::from_u128(1),
            note: None,
        }]);
    let long = "x".repeat(MAX_NOTE_LEN + 1);
    message()
        .given(vec![received()])
        .when(resolve(Some(&long)))
        .then_expect_error(ContactError::Invalid(vec![ContactViolation {
            field: "note",
            message: format!("must be at most {MAX_NOTE_LEN} characters"),
        }]));
}

#[test]
fn resolving_a_message_never_received_is_not_found() {
    message()
        .given_no_previous_events()
        .when(resolve(None))
        .then_expect_error(ContactError::NotFound);
}

#[test]
fn errors_have_stable_codes_and_kinds() {
    let cases = [
        (
            ContactError::Invalid(Vec::new()),
            "validation_failed",
            ErrorKind::Invalid,
        ),
        (ContactError::NotFound, "not_found", ErrorKind::NotFound),
        (
            ContactError::AlreadyExists,
            "already_exists",
            ErrorKind::Conflict,
        ),
        (
            ContactError::AlreadyResolved,
            "already_resolved",
            ErrorKind::Conflict,
        ),
    ];
    for (error, code, kind) in cases {
        assert_eq!((error.code(), error.kind()), (code, kind), "{error:?}");
    }
}
