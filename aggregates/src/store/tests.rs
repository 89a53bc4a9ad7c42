//! Given/when/then tests of the store aggregate.

use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;

use super::*;
use crate::money::Currency;

fn store() -> TestFramework<Store> {
    TestFramework::with(())
}

fn eur() -> Currency {
    Currency::parse("EUR").expect("valid currency")
}

fn create(slug: &str) -> StoreCommand {
    StoreCommand::CreateStore {
        slug: slug.into(),
        name: "  Paris Outlet ".into(),
        currency: eur(),
        contact_email: " Shop@Example.COM ".into(),
    }
}

fn created() -> StoreEvent {
    StoreEvent::StoreCreated {
        slug: "paris-outlet".into(),
        name: "Paris Outlet".into(),
        currency: eur(),
        contact_email: "shop@example.com".into(),
    }
}

fn update(name: Option<&str>, status: Option<StoreStatus>) -> StoreCommand {
    StoreCommand::UpdateStore {
        name: name.map(str::to_string),
        contact_email: None,
        status,
    }
}

fn state_after(events: Vec<StoreEvent>) -> Store {
    let mut state = Store::default();
    for event in events {
        state.apply(event);
    }
    state
}

#[test]
fn creates_a_store_with_trimmed_name_and_normalised_email() {
    store()
        .given_no_previous_events()
        .when(create("paris-outlet"))
        .then_expect_events(vec![created()]);
}

#[test]
fn refuses_slugs_that_are_not_lower_case_groups_joined_by_hyphens() {
    for slug in [
        "",
        "Paris",
        "paris--outlet",
        "-paris",
        "paris-",
        "pa ris",
        "päris",
    ] {
        store()
            .given_no_previous_events()
            .when(create(slug))
            .then_expect_error(StoreError::InvalidSlug { slug: slug.into() });
    }
    assert!(is_slug(&"a".repeat(MAX_SLUG_LEN)));
    assert!(!is_slug(&"a".repeat(MAX_SLUG_LEN + 1)));
}

#[test]
fn refuses_a_blank_name_and_a_malformed_email() {
    let StoreCommand::CreateStore {
        slug,
        currency,
        contact_email,
        ..
    } = create("paris-outlet")
    else {
        unreachable!()
    };
    store()
        .given_no_previous_events()
        .when(StoreCommand::CreateStore {
            slug: slug.clone(),
            name: "   ".into(),
            currency,
            contact_email,
        })
        .then_expect_error(StoreError::InvalidName);
    store()
        .given_no_previous_events()
        .when(StoreCommand::CreateStore {
            slug,
            name: "Outlet".into(),
            currency,
            contact_email: "shop at example.com".into(),
        })
        .then_expect_error(StoreError::InvalidContactEmail);
}

#[test]
fn a_slug_is_created_once() {
    store()
        .given(vec![created()])
        .when(create("paris-outlet"))
        .then_expect_error(StoreError::AlreadyExists);
}

#[test]
fn an_update_records_only_what_changes() {
    store()
        .given(vec![created()])
        .when(update(Some("Paris Outlet"), Some(StoreStatus::Active)))
        .then_expect_events(vec![]);
    store()
        .given(vec![created()])
        .when(update(Some("Lyon Outlet"), Some(StoreStatus::Closed)))
        .then_expect_events(vec![
            StoreEvent::StoreUpdated {
                name: "Lyon Outlet".into(),
                contact_email: "shop@example.com".into(),
            },
            StoreEvent::StoreClosed {},
        ]);
    store()
        .given(vec![created()])
        .when(update(None, None))
        .then_expect_error(StoreError::NothingToUpdate);
    store()
        .given_no_previous_events()
        .when(update(Some("Lyon"), None))
        .then_expect_error(StoreError::NotFound);
}

#[test]
fn a_closed_store_admits_nothing_until_reopened() {
    let closed = state_after(vec![created(), StoreEvent::StoreClosed {}]);
    assert_eq!(
        closed.admitting(),
        Err(StoreError::Closed {
            slug: "paris-outlet".into()
        })
    );
    let reopened = state_after(vec![
        created(),
        StoreEvent::StoreClosed {},
        StoreEvent::StoreReopened {},
    ]);
    assert_eq!(reopened.admitting().map(|d| d.currency), Ok(eur()));
    assert_eq!(Store::default().admitting(), Err(StoreError::NotFound));
}

#[test]
fn every_error_has_the_kind_its_code_promises() {
    for error in [
        StoreError::NotFound,
        StoreError::AlreadyExists,
        StoreError::InvalidSlug { slug: "X".into() },
        StoreError::InvalidName,
        StoreError::InvalidContactEmail,
        StoreError::NothingToUpdate,
        StoreError::Closed { slug: "x".into() },
    ] {
        assert_eq!(
            error.kind(),
            crate::error_kind::spec::kind_of_code(error.code()),
            "{error:?}"
        );
    }
}
