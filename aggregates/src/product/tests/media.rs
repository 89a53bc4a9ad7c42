//! `AddImage`, `RemoveImage` and `ReorderImages`.

use super::*;
use crate::product::{ImageType, ProductError, ProductImage, MAX_ALT_LEN, MAX_IMAGES};

fn image(n: u128) -> ProductImage {
    ProductImage {
        image_id: Uuid::from_u128(0x1_0000 + n),
        key: format!("{n:064x}.png"),
        content_type: ImageType::Png,
        width: 640,
        height: 480,
        byte_size: 1234,
        alt: None,
    }
}

fn added(n: u128) -> ProductEvent {
    ProductEvent::ProductImageAdded { image: image(n) }
}

fn id(n: u128) -> Uuid {
    image(n).image_id
}

fn reorder(ids: &[u128]) -> ProductCommand {
    ProductCommand::ReorderImages {
        image_ids: ids.iter().map(|n| id(*n)).collect(),
    }
}

/// An active product with uploaded images 1, 2 and 3, in that order.
fn with_three() -> Vec<ProductEvent> {
    let mut events = active();
    events.extend([added(1), added(2), added(3)]);
    events
}

#[test]
fn adds_an_image_with_its_alt_text_trimmed() {
    let mut given = image(1);
    given.alt = Some("  A crab on a tee ".into());
    let mut recorded = image(1);
    recorded.alt = Some("A crab on a tee".into());
    product()
        .given(active())
        .when(ProductCommand::AddImage { image: given })
        .then_expect_events(vec![ProductEvent::ProductImageAdded { image: recorded }]);
}

#[test]
fn a_blank_alt_text_is_none() {
    let mut given = image(1);
    given.alt = Some("   ".into());
    product()
        .given(vec![created()])
        .when(ProductCommand::AddImage { image: given })
        .then_expect_events(vec![added(1)]);
}

#[test]
fn refuses_an_alt_text_too_long() {
    let mut given = image(1);
    given.alt = Some("x".repeat(MAX_ALT_LEN + 1));
    product()
        .given(active())
        .when(ProductCommand::AddImage { image: given })
        .then_expect_error(ProductError::FieldTooLong {
            field: "alt",
            max: MAX_ALT_LEN,
        });
}

#[test]
fn refuses_the_same_bytes_twice() {
    let mut again = image(9);
    again.key = image(2).key;
    product()
        .given(with_three())
        .when(ProductCommand::AddImage { image: again })
        .then_expect_error(ProductError::DuplicateImage { image_id: id(2) });
}

#[test]
fn linked_and_uploaded_images_share_the_limit() {
    // `details()` links one URL image.
    let mut given = active();
    given.extend((1..MAX_IMAGES as u128).map(added));
    product()
        .given(given)
        .when(ProductCommand::AddImage { image: image(99) })
        .then_expect_error(ProductError::TooManyImages { max: MAX_IMAGES });
}

#[test]
fn more_linked_images_must_leave_room_for_the_uploaded_ones() {
    let mut given = active();
    given.extend([added(1), added(2)]);
    let urls: Vec<String> = (0..MAX_IMAGES - 1)
        .map(|n| format!("https://img.example.com/{n}.png"))
        .collect();
    product()
        .given(given)
        .when(ProductCommand::UpdateProductDetails {
            name: None,
            description: None,
            category: None,
            tags: None,
            images: Some(urls),
            low_stock_threshold: None,
        })
        .then_expect_error(ProductError::TooManyImages { max: MAX_IMAGES });
}

#[test]
fn an_archived_products_images_do_not_change() {
    let mut given = with_three();
    given.push(ProductEvent::ProductArchived {});
    for command in [
        ProductCommand::AddImage { image: image(4) },
        ProductCommand::RemoveImage { image_id: id(1) },
        reorder(&[3, 2, 1]),
    ] {
        product()
            .given(given.clone())
            .when(command)
            .then_expect_error(ProductError::Archived);
    }
}

#[test]
fn removes_an_image() {
    product()
        .given(with_three())
        .when(ProductCommand::RemoveImage { image_id: id(2) })
        .then_expect_events(vec![ProductEvent::ProductImageRemoved { image_id: id(2) }]);
}

#[test]
fn removing_an_unknown_image_is_not_found() {
    let mut given = with_three();
    given.push(ProductEvent::ProductImageRemoved { image_id: id(2) });
    product()
        .given(given)
        .when(ProductCommand::RemoveImage { image_id: id(2) })
        .then_expect_error(ProductError::ImageNotFound { image_id: id(2) });
}

#[test]
fn reorders_the_images() {
    product()
        .given(with_three())
        .when(reorder(&[3, 1, 2]))
        .then_expect_events(vec![ProductEvent::ProductImagesReordered {
            image_ids: vec![id(3), id(1), id(2)],
        }]);
}

#[test]
fn the_current_order_is_no_change() {
    product()
        .given(with_three())
        .when(reorder(&[1, 2, 3]))
        .then_expect_events(vec![]);
}

#[test]
fn a_new_order_must_be_a_permutation_of_the_images() {
    for (ids, unknown, missing, repeated) in [
        (vec![1, 2], vec![], vec![id(3)], vec![]),
        (vec![1, 2, 3, 7], vec![id(7)], vec![], vec![]),
        (vec![1, 2, 2, 3], vec![], vec![], vec![id(2)]),
        (vec![1, 1, 7], vec![id(7)], vec![id(2), id(3)], vec![id(1)]),
    ] {
        product()
            .given(with_three())
            .when(reorder(&ids))
            .then_expect_error(ProductError::ImageOrderMismatch {
                unknown,
                missing,
                repeated,
            });
    }
}

#[test]
fn the_state_keeps_the_images_in_display_order() {
    let mut events = with_three();
    events.push(ProductEvent::ProductImagesReordered {
        image_ids: vec![id(3), id(1), id(2)],
    });
    events.push(ProductEvent::ProductImageRemoved { image_id: id(1) });
    events.push(added(4));
    let state = state_after(events);
    let order: Vec<Uuid> = state.images().iter().map(|i| i.image_id).collect();
    assert_eq!(order, vec![id(3), id(2), id(4)]);
}

#[test]
fn a_snapshot_from_before_uploads_loads_without_images() {
    let state = state_after(active());
    let mut snapshot = serde_json::to_value(&state).expect("serialises");
    snapshot
        .as_object_mut()
        .expect("an object")
        .remove("images");
    let loaded: Product = serde_json::from_value(snapshot).expect("old snapshot loads");
    assert_eq!(loaded, state);
}
