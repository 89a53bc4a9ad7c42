//! Given/when/then tests of the product aggregate, with the fixtures they share.

mod create;
mod details;
mod lifecycle;
mod media;
mod release_commit;
mod reserve;
mod stock;
mod tags;
mod variants;

use std::collections::BTreeMap;

use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use uuid::Uuid;

use super::{NewVariant, Product, ProductCommand, ProductDetails, ProductEvent, ReservationLine};
use crate::money::{Currency, Money};

/// A test framework for the product aggregate (no services).
fn product() -> TestFramework<Product> {
    TestFramework::with(())
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("valid currency"))
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").expect("valid currency"))
}

fn product_id() -> Uuid {
    Uuid::from_u128(0x1)
}

fn order(n: u128) -> Uuid {
    Uuid::from_u128(0x1000 + n)
}

/// Small tee shirt: 10 on hand.
const SMALL: &str = "TEE-S";
/// Medium tee shirt: 3 on hand, already under the default threshold of 5.
const MEDIUM: &str = "TEE-M";

fn new_variant(sku: &str, size: &str, price: Money, stock: u32) -> NewVariant {
    NewVariant {
        sku: sku.to_string(),
        options: BTreeMap::from([("size".to_string(), size.to_string())]),
        price,
        stock,
    }
}

fn variants() -> Vec<NewVariant> {
    vec![
        new_variant(SMALL, "S", usd(1999), 10),
        new_variant(MEDIUM, "M", usd(1999), 3),
    ]
}

fn details() -> ProductDetails {
    ProductDetails {
        name: "Rust tee".to_string(),
        description: "A soft cotton tee with a crab on it.".to_string(),
        category: "apparel".to_string(),
        tags: vec!["rust".to_string(), "tee".to_string()],
        images: vec!["https://img.example.com/tee.png".to_string()],
    }
}

fn create() -> ProductCommand {
    let details = details();
    ProductCommand::CreateProduct {
        product_id: product_id(),
        name: details.name,
        description: details.description,
        category: details.category,
        tags: details.tags,
        images: details.images,
        variants: variants(),
        low_stock_threshold: None,
        store: "outlet".into(),
        currency: Currency::parse("USD").expect("valid currency"),
    }
}

/// `create()` with one field changed by `change`.
fn create_with(change: impl FnOnce(&mut ProductCommand)) -> ProductCommand {
    let mut command = create();
    change(&mut command);
    command
}

fn created() -> ProductEvent {
    ProductEvent::ProductCreated {
        product_id: product_id(),
        details: details(),
        low_stock_threshold: 5,
        variants: variants(),
        store: "outlet".into(),
    }
}

/// A created, published product.
fn active() -> Vec<ProductEvent> {
    vec![created(), ProductEvent::ProductPublished {}]
}

/// A created, published, then archived product.
fn archived() -> Vec<ProductEvent> {
    vec![
        created(),
        ProductEvent::ProductPublished {},
        ProductEvent::ProductArchived {},
    ]
}

fn line(sku: &str, quantity: u32) -> ReservationLine {
    ReservationLine::new(sku, quantity)
}

fn reserve(order_id: Uuid, lines: Vec<ReservationLine>) -> ProductCommand {
    ProductCommand::ReserveStock { order_id, lines }
}

fn reserved(order_id: Uuid, lines: Vec<ReservationLine>) -> ProductEvent {
    ProductEvent::StockReserved { order_id, lines }
}

fn released(order_id: Uuid, lines: Vec<ReservationLine>) -> ProductEvent {
    ProductEvent::ReservationReleased {
        order_id,
        lines,
        reason: "order_cancelled".to_string(),
    }
}

fn low_stock(sku: &str, available: u32) -> ProductEvent {
    ProductEvent::LowStockThresholdCrossed {
        sku: sku.to_string(),
        available,
        threshold: 5,
    }
}

/// The state after `events`, for tests of the read helpers.
fn state_after(events: Vec<ProductEvent>) -> Product {
    let mut product = Product::default();
    for event in events {
        product.apply(event);
    }
    product
}
