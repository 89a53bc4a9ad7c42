//! `PublishProduct`, `ArchiveProduct`, and the wire contract of events and errors.

use cqrs_es::DomainEvent;

use super::*;
use crate::product::{ProductError, ProductStatus};

#[test]
fn publishes_draft_product() {
    product()
        .given(vec![created()])
        .when(ProductCommand::PublishProduct)
        .then_expect_events(vec![ProductEvent::ProductPublished {}]);
}

#[test]
fn published_product_is_active() {
    assert_eq!(state_after(active()).status(), ProductStatus::Active);
}

#[test]
fn rejects_publish_when_already_active() {
    product()
        .given(active())
        .when(ProductCommand::PublishProduct)
        .then_expect_error(ProductError::AlreadyPublished);
}

#[test]
fn rejects_publish_when_archived() {
    product()
        .given(archived())
        .when(ProductCommand::PublishProduct)
        .then_expect_error(ProductError::Archived);
}

#[test]
fn rejects_publish_when_product_missing() {
    product()
        .given_no_previous_events()
        .when(ProductCommand::PublishProduct)
        .then_expect_error(ProductError::NotFound);
}

#[test]
fn archives_draft_product() {
    product()
        .given(vec![created()])
        .when(ProductCommand::ArchiveProduct)
        .then_expect_events(vec![ProductEvent::ProductArchived {}]);
}

#[test]
fn archives_active_product() {
    product()
        .given(active())
        .when(ProductCommand::ArchiveProduct)
        .then_expect_events(vec![ProductEvent::ProductArchived {}]);
}

#[test]
fn rejects_archive_when_already_archived() {
    product()
        .given(archived())
        .when(ProductCommand::ArchiveProduct)
        .then_expect_error(ProductError::AlreadyArchived);
}

#[test]
fn rejects_archive_when_product_missing() {
    product()
        .given_no_previous_events()
        .when(ProductCommand::ArchiveProduct)
        .then_expect_error(ProductError::NotFound);
}

#[test]
fn event_type_is_the_variant_name_at_version_one() {
    assert_eq!(created().event_type(), "ProductCreated");
    assert_eq!(
        created().event_version(),
        crate::product::PRODUCT_CREATED_VERSION
    );
    let cases = [
        (reserved(order(1), vec![line(SMALL, 1)]), "StockReserved"),
        (low_stock(SMALL, 1), "LowStockThresholdCrossed"),
        (ProductEvent::ProductPublished {}, "ProductPublished"),
    ];
    for (event, name) in cases {
        assert_eq!(event.event_type(), name);
        assert_eq!(event.event_version(), "1.0");
    }
}

#[test]
fn events_serialise_externally_tagged() {
    let json = serde_json::to_value(reserved(order(1), vec![line(SMALL, 2)])).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({"StockReserved": {
            "order_id": order(1).to_string(),
            "lines": [{"sku": SMALL, "quantity": 2}],
        }})
    );
    let published = serde_json::to_value(ProductEvent::ProductPublished {}).expect("serialises");
    assert_eq!(published, serde_json::json!({"ProductPublished": {}}));
}

#[test]
fn snapshot_round_trips_through_json() {
    let mut events = active();
    events.push(reserved(order(1), vec![line(SMALL, 2)]));
    events.push(released(order(1), vec![line(SMALL, 2)]));
    let state = state_after(events);
    let json = serde_json::to_string(&state).expect("serialises");
    let back: Product = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back, state);
}

#[test]
fn error_codes_are_stable() {
    assert_eq!(ProductError::NotFound.code(), "not_found");
    assert_eq!(ProductError::AlreadyExists.code(), "already_exists");
    assert_eq!(ProductError::Archived.code(), "product_archived");
    let status = ProductStatus::Draft;
    assert_eq!(
        ProductError::NotAvailable { status }.code(),
        "product_not_available"
    );
    assert_eq!(
        ProductError::ReservationClosed { order_id: order(1) }.to_string(),
        format!("reservation for order {} was released", order(1))
    );
}
