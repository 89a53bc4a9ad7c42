//! Given/when/then tests of the tag aggregate.

use cqrs_es::test::TestFramework;

use super::*;
use crate::error_kind::spec::assert_kinds_follow_codes;

fn tag() -> TestFramework<Tag> {
    TestFramework::with(())
}

fn created() -> TagEvent {
    TagEvent::TagCreated {
        slug: "eco-friendly".into(),
        name: "Eco friendly".into(),
    }
}

#[test]
fn creates_a_tag_with_the_slug_of_its_name() {
    assert_eq!(Tag::slug_of(" Eco friendly "), Ok("eco-friendly".into()));
    tag()
        .given_no_previous_events()
        .when(TagCommand::CreateTag {
            name: " Eco friendly ".into(),
        })
        .then_expect_events(vec![created()]);
}

#[test]
fn refuses_a_name_without_letters() {
    assert_eq!(
        Tag::slug_of("€€"),
        Err(TagError::InvalidName {
            max: crate::product::MAX_TAG_LEN
        })
    );
}

#[test]
fn renaming_to_the_same_name_records_nothing() {
    tag()
        .given(vec![created()])
        .when(TagCommand::RenameTag {
            name: "Eco friendly".into(),
        })
        .then_expect_events(vec![]);
    tag()
        .given(vec![created()])
        .when(TagCommand::RenameTag {
            name: "Sustainable".into(),
        })
        .then_expect_events(vec![TagEvent::TagRenamed {
            name: "Sustainable".into(),
        }]);
}

#[test]
fn a_deleted_tag_is_not_found_and_may_be_created_again() {
    tag()
        .given(vec![created(), TagEvent::TagDeleted {}])
        .when(TagCommand::DeleteTag)
        .then_expect_error(TagError::NotFound);
    tag()
        .given(vec![created(), TagEvent::TagDeleted {}])
        .when(TagCommand::CreateTag {
            name: "Eco friendly".into(),
        })
        .then_expect_events(vec![created()]);
}

#[test]
fn every_error_keeps_its_status_kind() {
    let every = [
        TagError::NotFound,
        TagError::AlreadyExists,
        TagError::InvalidName { max: 50 },
    ];
    assert_kinds_follow_codes(&every, TagError::kind, TagError::code);
}
