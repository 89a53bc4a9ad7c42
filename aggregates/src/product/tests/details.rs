//! `UpdateProductDetails`: partial updates, no-op updates and the rules they share with creation.

use super::*;
use crate::product::ProductError;

fn update() -> ProductCommand {
    ProductCommand::UpdateProductDetails {
        name: None,
        description: None,
        category: None,
        tags: None,
        images: None,
        low_stock_threshold: None,
    }
}

fn update_name(value: &str) -> ProductCommand {
    let mut command = update();
    if let ProductCommand::UpdateProductDetails { name, .. } = &mut command {
        *name = Some(value.to_string());
    }
    command
}

#[test]
fn updates_given_fields_and_records_full_details() {
    let mut expected = details();
    expected.name = "Ferris tee".to_string();
    product()
        .given(vec![created()])
        .when(update_name("  Ferris tee "))
        .then_expect_events(vec![ProductEvent::ProductDetailsUpdated {
            details: expected,
            low_stock_threshold: 5,
        }]);
}

#[test]
fn updates_low_stock_threshold() {
    let mut command = update();
    if let ProductCommand::UpdateProductDetails {
        low_stock_threshold,
        ..
    } = &mut command
    {
        *low_stock_threshold = Some(0);
    }
    product()
        .given(active())
        .when(command)
        .then_expect_events(vec![ProductEvent::ProductDetailsUpdated {
            details: details(),
            low_stock_threshold: 0,
        }]);
}

#[test]
fn replaces_tags_and_images_lists() {
    let mut command = update();
    if let ProductCommand::UpdateProductDetails { tags, images, .. } = &mut command {
        *tags = Some(vec![]);
        *images = Some(vec!["http://img.example.com/new.png".to_string()]);
    }
    let mut expected = details();
    expected.tags = vec![];
    expected.images = vec!["http://img.example.com/new.png".to_string()];
    product()
        .given(vec![created()])
        .when(command)
        .then_expect_events(vec![ProductEvent::ProductDetailsUpdated {
            details: expected,
            low_stock_threshold: 5,
        }]);
}

#[test]
fn rejects_update_without_any_field() {
    product()
        .given(vec![created()])
        .when(update())
        .then_expect_error(ProductError::NothingToUpdate);
}

#[test]
fn emits_nothing_when_update_changes_nothing() {
    product()
        .given(vec![created()])
        .when(update_name("Rust tee"))
        .then_expect_events(vec![]);
}

#[test]
fn rejects_update_when_product_archived() {
    product()
        .given(archived())
        .when(update_name("Ferris tee"))
        .then_expect_error(ProductError::Archived);
}

#[test]
fn rejects_update_when_product_missing() {
    product()
        .given_no_previous_events()
        .when(update_name("Ferris tee"))
        .then_expect_error(ProductError::NotFound);
}

#[test]
fn rejects_update_with_blank_name() {
    product()
        .given(vec![created()])
        .when(update_name(" "))
        .then_expect_error(ProductError::FieldRequired { field: "name" });
}

#[test]
fn rejects_update_with_blank_tag() {
    let mut command = update();
    if let ProductCommand::UpdateProductDetails { tags, .. } = &mut command {
        *tags = Some(vec!["ok".into(), String::new()]);
    }
    product()
        .given(vec![created()])
        .when(command)
        .then_expect_error(ProductError::InvalidTag { tag: String::new() });
}

#[test]
fn rejects_update_with_invalid_image_url() {
    let mut command = update();
    if let ProductCommand::UpdateProductDetails { images, .. } = &mut command {
        *images = Some(vec!["https://has space.png".into()]);
    }
    product()
        .given(vec![created()])
        .when(command)
        .then_expect_error(ProductError::InvalidImageUrl {
            url: "https://has space.png".into(),
        });
}
