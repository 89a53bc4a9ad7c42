//! `LinkTag` and `UnlinkTag`: idempotent, by slug, over the tags the product was created or
//! updated with too.

use super::*;
use crate::product::ProductError;

fn link(slug: &str) -> ProductCommand {
    ProductCommand::LinkTag { slug: slug.into() }
}

fn linked(slug: &str) -> ProductEvent {
    ProductEvent::TagLinked { slug: slug.into() }
}

#[test]
fn links_a_new_tag_once() {
    product()
        .given(vec![created()])
        .when(link("eco-friendly"))
        .then_expect_events(vec![linked("eco-friendly")]);
    product()
        .given(vec![created(), linked("eco-friendly")])
        .when(link("eco-friendly"))
        .then_expect_events(vec![]);
}

#[test]
fn a_free_text_tag_with_the_slug_is_already_linked() {
    // `details()` tags the product "rust".
    product()
        .given(vec![created()])
        .when(link("rust"))
        .then_expect_events(vec![]);
}

#[test]
fn unlinks_a_free_text_tag_by_its_slug_once() {
    let unlinked = ProductEvent::TagUnlinked { slug: "tee".into() };
    product()
        .given(vec![created()])
        .when(ProductCommand::UnlinkTag { slug: "tee".into() })
        .then_expect_events(vec![unlinked.clone()]);
    product()
        .given(vec![created(), unlinked.clone()])
        .when(ProductCommand::UnlinkTag { slug: "tee".into() })
        .then_expect_events(vec![]);
    assert_eq!(
        state_after(vec![created(), unlinked]).details().tags,
        vec!["rust".to_string()]
    );
}

#[test]
fn an_archived_product_is_not_tagged_but_may_be_untagged() {
    product()
        .given(archived())
        .when(link("eco-friendly"))
        .then_expect_error(ProductError::Archived);
    product()
        .given(archived())
        .when(ProductCommand::UnlinkTag {
            slug: "rust".into(),
        })
        .then_expect_events(vec![ProductEvent::TagUnlinked {
            slug: "rust".into(),
        }]);
}
