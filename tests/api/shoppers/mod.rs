//! Shoppers' own things through HTTP: the address book (`me/addresses`) and its rules, a cart's
//! shipping address taken from it (the order keeps a copy), the open carts of `me/carts`, and
//! an open cart's `pricing`, which equals the order its checkout places — shown on fixed cases,
//! for every reason a coupon does not apply, and on generated carts over several engines.
//!
//! The app runs without projection workers: reads of carts and orders rebuild their read
//! model first (`refresh_one`).

mod addresses;
mod generated;
mod my_carts;
mod pricing;
mod shipping;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::accounts::{logged_in, registered};
use crate::client::Client;
use crate::helpers::TestApp;
use crate::queries::refresh_one;

/// A registered and logged-in customer (an address book belongs to an account): its id and
/// a client acting as it.
pub async fn account<'a>(app: &'a TestApp, email: &str) -> (Uuid, Client<'a>) {
    let id = registered(app, email).await;
    let tokens = logged_in(app, email).await;
    (id, app.with_token(&tokens.access))
}

/// A complete address in `city`, as `POST me/addresses` takes it.
pub fn address_body(city: &str) -> Value {
    json!({
        "name": "Ada Lovelace",
        "line1": "12 St James's Square",
        "city": city,
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    })
}

/// Adds [`address_body`]`(city)` to the caller's book; the new entry.
pub async fn added(client: &Client<'_>, city: &str) -> Value {
    client.add_address(&address_body(city)).await.json(201)
}

/// The id of an entry.
pub fn id_of(entry: &Value) -> String {
    entry["id"].as_str().expect("an id").to_string()
}

/// The caller's book as `(city, is_default)`, oldest first.
pub async fn book(client: &Client<'_>) -> Vec<(String, bool)> {
    let page: Value = client.my_addresses("").await.json(200);
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|entry| {
            (
                entry["city"].as_str().expect("city").to_string(),
                entry["is_default"].as_bool().expect("is_default"),
            )
        })
        .collect()
}

/// Rows of every address book.
pub async fn book_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM user_addresses")
        .fetch_one(&app.db.pool)
        .await
        .expect("count addresses")
}

/// `GET carts/{cart}` once the carts read model is rebuilt.
pub async fn cart_json(app: &TestApp, client: &Client<'_>, cart: &str) -> Value {
    refresh_one(&app.db.pool, "carts").await;
    client.get_cart(cart).await.json(200)
}

/// `GET orders/{order}` once the orders read model is rebuilt.
pub async fn order_json(app: &TestApp, client: &Client<'_>, order: &str) -> Value {
    refresh_one(&app.db.pool, "orders").await;
    client.get_order(order).await.json(200)
}

/// The five totals of an order or of a cart's pricing.
pub fn totals(priced: &Value) -> Value {
    json!({
        "subtotal": priced["subtotal"],
        "discount": priced["discount"],
        "shipping": priced["shipping"],
        "tax": priced["tax"],
        "total": priced["total"],
    })
}
