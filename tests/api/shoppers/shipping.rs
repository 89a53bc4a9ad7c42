//! `PUT carts/{id}/shipping-address` with `{address_id}`: the cart copies the caller's book
//! entry, refuses anyone else's or an unknown one, and the order placed keeps its copy however
//! the book changes afterwards.

use reqwest::Method;
use serde_json::{json, Value};

use super::{account, added, cart_json, id_of, order_json};
use crate::client::AddItem;
use crate::fixtures::{active_product, event_count, open_cart, unique_sku};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_cart_takes_its_address_from_the_book_by_id() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    let entry = added(&ada, "London").await;
    let cart = open_cart(&ada).await;

    ada.set_address_from_book(&cart, &id_of(&entry))
        .await
        .command(200, 2);

    let view = cart_json(&app, &ada, &cart).await;
    assert_eq!(
        view["shipping_address"],
        json!({"name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
               "postal_code": "SW1Y 4JH", "country": "GB"})
    );
}

#[tokio::test]
async fn an_unknown_or_someone_elses_address_id_is_422_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, ada) = account(&app, "ada@example.com").await;
    let (_, bob) = account(&app, "bob@example.com").await;
    let bobs = id_of(&added(&bob, "Oslo").await);
    let cart = open_cart(&ada).await;
    let path = format!("/carts/{cart}/shipping-address");
    let before = event_count(&app).await;

    ada.set_address_from_book(&cart, &bobs)
        .await
        .problem(422, "unknown_address");
    ada.set_address_from_book(&cart, &uuid::Uuid::new_v4().to_string())
        .await
        .problem(422, "unknown_address");
    ada.send_json(Method::PUT, &path, &json!({"address_id": "London"}))
        .await
        .problem(422, "validation_failed");
    ada.send_json(
        Method::PUT,
        &path,
        &json!({"address_id": bobs, "city": "Oslo"}),
    )
    .await
    .problem(422, "validation_failed");

    assert_eq!(event_count(&app).await, before);
    assert!(cart_json(&app, &ada, &cart).await["shipping_address"].is_null());
}

#[tokio::test]
async fn the_order_keeps_its_address_after_the_book_entry_is_edited_and_removed() {
    let app = spawn_app().await;
    let admin = app.as_admin();
    let sku = unique_sku();
    let product = active_product(&admin, &sku, 10).await;
    let (_, ada) = account(&app, "ada@example.com").await;
    let entry = id_of(&added(&ada, "London").await);
    let cart = open_cart(&ada).await;
    ada.add_item(&cart, &AddItem::new(&product, &sku, 1))
        .await
        .command(200, 2);
    ada.set_address_from_book(&cart, &entry)
        .await
        .command(200, 3);
    let order = ada.checkout(&cart).await.command(201, 2);
    let placed = order_json(&app, &ada, &order).await["shipping_address"].clone();

    ada.update_address(
        &entry,
        &json!({"city": "Bath", "line1": "1 Royal Crescent"}),
    )
    .await
    .json::<Value>(200);
    let after_edit = order_json(&app, &ada, &order).await;
    ada.remove_address(&entry).await;
    let after_removal = order_json(&app, &ada, &order).await;

    assert_eq!(placed["city"], "London");
    assert_eq!(after_edit["shipping_address"], placed);
    assert_eq!(after_removal["shipping_address"], placed);
    assert_eq!(
        cart_json(&app, &ada, &cart).await["shipping_address"],
        placed
    );
}
