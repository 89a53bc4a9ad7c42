//! `CreateProduct`: the happy path, normalisation, and every validation rule.

use super::*;
use crate::product::{ProductError, MAX_IMAGES, MAX_NAME_LEN, MAX_OPTIONS, MAX_TAGS};

fn set_name(command: &mut ProductCommand, value: &str) {
    if let ProductCommand::CreateProduct { name, .. } = command {
        *name = value.to_string();
    }
}

fn set_variants(command: &mut ProductCommand, value: Vec<NewVariant>) {
    if let ProductCommand::CreateProduct { variants, .. } = command {
        *variants = value;
    }
}

fn set_tags(command: &mut ProductCommand, value: Vec<String>) {
    if let ProductCommand::CreateProduct { tags, .. } = command {
        *tags = value;
    }
}

fn set_images(command: &mut ProductCommand, value: Vec<String>) {
    if let ProductCommand::CreateProduct { images, .. } = command {
        *images = value;
    }
}

#[test]
fn creates_product_in_draft_with_default_threshold() {
    product()
        .given_no_previous_events()
        .when(create())
        .then_expect_events(vec![created()]);
}

#[test]
fn created_product_starts_as_draft() {
    let state = state_after(vec![created()]);
    assert_eq!(state.status(), crate::product::ProductStatus::Draft);
    assert_eq!(state.available(SMALL), Some(10));
    assert_eq!(state.currency(), Some(usd(0).currency));
}

#[test]
fn uses_given_low_stock_threshold() {
    let command = create_with(|c| {
        if let ProductCommand::CreateProduct {
            low_stock_threshold,
            ..
        } = c
        {
            *low_stock_threshold = Some(2);
        }
    });
    let ProductEvent::ProductCreated {
        product_id,
        details,
        variants,
        ..
    } = created()
    else {
        panic!("fixture is a ProductCreated");
    };
    product()
        .given_no_previous_events()
        .when(command)
        .then_expect_events(vec![ProductEvent::ProductCreated {
            product_id,
            details,
            low_stock_threshold: 2,
            variants,
            store: "outlet".into(),
        }]);
}

#[test]
fn trims_text_and_deduplicates_tags() {
    let command = create_with(|c| {
        set_name(c, "  Rust tee  ");
        set_tags(c, vec![" rust".into(), "tee ".into(), "rust".into()]);
    });
    product()
        .given_no_previous_events()
        .when(command)
        .then_expect_events(vec![created()]);
}

#[test]
fn rejects_creation_when_product_exists() {
    product()
        .given(vec![created()])
        .when(create())
        .then_expect_error(ProductError::AlreadyExists);
}

#[test]
fn rejects_creation_without_name() {
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_name(c, "   ")))
        .then_expect_error(ProductError::FieldRequired { field: "name" });
}

#[test]
fn rejects_creation_when_name_too_long() {
    let long = "x".repeat(MAX_NAME_LEN + 1);
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_name(c, &long)))
        .then_expect_error(ProductError::FieldTooLong {
            field: "name",
            max: MAX_NAME_LEN,
        });
}

#[test]
fn rejects_creation_when_description_too_long() {
    let command = create_with(|c| {
        if let ProductCommand::CreateProduct { description, .. } = c {
            *description = "d".repeat(5001);
        }
    });
    product()
        .given_no_previous_events()
        .when(command)
        .then_expect_error(ProductError::FieldTooLong {
            field: "description",
            max: 5000,
        });
}

#[test]
fn rejects_creation_without_category() {
    let command = create_with(|c| {
        if let ProductCommand::CreateProduct { category, .. } = c {
            *category = String::new();
        }
    });
    product()
        .given_no_previous_events()
        .when(command)
        .then_expect_error(ProductError::FieldRequired { field: "category" });
}

#[test]
fn rejects_creation_with_too_many_tags() {
    let tags = (0..=MAX_TAGS).map(|i| format!("tag{i}")).collect();
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_tags(c, tags)))
        .then_expect_error(ProductError::TooManyTags { max: MAX_TAGS });
}

#[test]
fn rejects_creation_with_overlong_tag() {
    let tag = "t".repeat(51);
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_tags(c, vec![tag.clone()])))
        .then_expect_error(ProductError::InvalidTag { tag });
}

#[test]
fn rejects_creation_with_non_http_image_url() {
    let url = "ftp://img.example.com/tee.png".to_string();
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_images(c, vec![url.clone()])))
        .then_expect_error(ProductError::InvalidImageUrl { url });
}

#[test]
fn rejects_creation_with_too_many_images() {
    let images = (0..=MAX_IMAGES)
        .map(|i| format!("https://img.example.com/{i}.png"))
        .collect();
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_images(c, images)))
        .then_expect_error(ProductError::TooManyImages { max: MAX_IMAGES });
}

#[test]
fn rejects_creation_without_variants() {
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_variants(c, vec![])))
        .then_expect_error(ProductError::NoVariants);
}

#[test]
fn rejects_creation_with_duplicate_skus() {
    let duplicates = vec![
        new_variant(SMALL, "S", usd(1999), 1),
        new_variant(SMALL, "M", usd(1999), 1),
    ];
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_variants(c, duplicates)))
        .then_expect_error(ProductError::DuplicateSku { sku: SMALL.into() });
}

#[test]
fn rejects_creation_with_malformed_sku() {
    for sku in ["", "TEE S", "TEE/S", "é", &"A".repeat(65)] {
        let bad = vec![new_variant(sku, "S", usd(1999), 1)];
        product()
            .given_no_previous_events()
            .when(create_with(|c| set_variants(c, bad)))
            .then_expect_error(ProductError::InvalidSku { sku: sku.into() });
    }
}

#[test]
fn accepts_sku_with_every_allowed_character_class() {
    let sku = "Tee-01_a.B";
    let ok = vec![new_variant(sku, "S", usd(1999), 1)];
    let events = product()
        .given_no_previous_events()
        .when(create_with(|c| set_variants(c, ok)))
        .inspect_result()
        .expect("valid sku accepted");
    assert_eq!(events.len(), 1);
}

#[test]
fn rejects_creation_with_zero_price() {
    let free = vec![new_variant(SMALL, "S", usd(0), 1)];
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_variants(c, free)))
        .then_expect_error(ProductError::InvalidPrice {
            sku: SMALL.into(),
            price: usd(0),
        });
}

#[test]
fn rejects_creation_with_mixed_currencies() {
    let mixed = vec![
        new_variant(SMALL, "S", usd(1999), 1),
        new_variant(MEDIUM, "M", eur(1999), 1),
    ];
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_variants(c, mixed)))
        .then_expect_error(ProductError::CurrencyMismatch {
            expected: usd(0).currency,
            found: eur(0).currency,
        });
}

#[test]
fn rejects_creation_with_blank_option_value() {
    let mut variant = new_variant(SMALL, "S", usd(1999), 1);
    variant.options.insert("colour".into(), "  ".into());
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_variants(c, vec![variant])))
        .then_expect_error(ProductError::InvalidOption {
            sku: SMALL.into(),
            name: "colour".into(),
        });
}

#[test]
fn rejects_creation_with_too_many_options() {
    let mut variant = new_variant(SMALL, "S", usd(1999), 1);
    variant.options = (0..=MAX_OPTIONS)
        .map(|i| (format!("opt{i}"), "x".to_string()))
        .collect();
    product()
        .given_no_previous_events()
        .when(create_with(|c| set_variants(c, vec![variant])))
        .then_expect_error(ProductError::TooManyOptions {
            sku: SMALL.into(),
            max: MAX_OPTIONS,
        });
}

#[test]
fn variants_are_priced_in_the_stores_currency() {
    let euro = Currency::parse("EUR").expect("valid currency");
    let command = create_with(|c| {
        if let ProductCommand::CreateProduct { currency, .. } = c {
            *currency = euro;
        }
    });
    product()
        .given_no_previous_events()
        .when(command)
        .then_expect_error(ProductError::CurrencyMismatch {
            expected: euro,
            found: Currency::parse("USD").expect("valid currency"),
        });
}
