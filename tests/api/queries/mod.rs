//! The query API through HTTP: search, filters and pagination, ownership rules, back-office
//! reads, parameter validation and `min_version` waits.
//!
//! The app runs without projection workers, so each test writes through the aggregate stores
//! and then rebuilds the read models from the event store with `replay`.

mod back_office;
mod invoice;
mod min_version;
mod ownership;
mod product_cache;
mod products;
mod search_index;

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use commerce::store::{Actor, CommandMetadata};
use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::coupon::CouponCommand;
use commerce_aggregates::order::{OrderCommand, OrderLineInput, ShippingPolicy};
use commerce_aggregates::product::{NewVariant, ProductCommand};
use commerce_aggregates::{Currency, Discount, Role};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use crate::client::Reply;
use crate::fixtures::{address, usd};
use crate::helpers::{admin_metadata, TestApp};

/// Metadata for a command `user` issues.
pub fn metadata_of(user: Uuid, role: Role) -> CommandMetadata {
    CommandMetadata::new(Actor::user(user, role), format!("test-{}", Uuid::new_v4()))
}

/// Rebuilds every read model from the event store.
pub async fn refresh(app: &TestApp) {
    for projection in commerce_projections::read_models::all(app.config.inventory_levels) {
        commerce_projections::replay::replay(&app.db.pool, projection.as_ref())
            .await
            .expect("replay");
    }
}

/// Rebuilds the read model named `name` (`catalog`, `carts`, `orders`, …).
pub async fn refresh_one(pool: &sqlx::PgPool, name: &str) {
    for projection in commerce_projections::read_models::all(Default::default()) {
        if projection.name() == name {
            commerce_projections::replay::replay(pool, projection.as_ref())
                .await
                .expect("replay");
        }
    }
}

/// `GET /api/v1<path>` as the holder of `token` (anonymous when `None`).
pub async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Reply {
    let caller = match token {
        Some(token) => app.with_token(token),
        None => app.anonymous(),
    };
    caller.send(Method::GET, path).await
}

/// `GET /api/v1<path>`: the status and the JSON body.
pub async fn get_json(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let reply = get(app, path, token).await;
    (reply.status, reply.json_body())
}

/// Asserts a 422 problem document for `GET path`.
pub async fn assert_invalid(app: &TestApp, path: &str, token: Option<&str>) {
    let reply = get(app, path, token).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    assert_eq!(
        reply.headers["content-type"], "application/problem+json",
        "{path}"
    );
    let problem = &reply.body;
    assert_eq!(problem["code"], "validation_failed", "{path}: {problem}");
}

/// A product to create.
pub struct NewProduct<'a> {
    /// Name.
    pub name: &'a str,
    /// Category.
    pub category: &'a str,
    /// Tags.
    pub tags: &'a [&'a str],
    /// Price of its one variant (USD minor units).
    pub price: i64,
    /// Units of its one variant.
    pub stock: u32,
    /// Published (active) or left a draft.
    pub publish: bool,
}

/// Creates (and publishes, if asked) a product with one variant `<NAME>-1`; returns its id.
pub async fn create_product(app: &TestApp, product: NewProduct<'_>) -> Uuid {
    let id = Uuid::new_v4();
    let meta = admin_metadata();
    let command = ProductCommand::CreateProduct {
        product_id: id,
        name: product.name.into(),
        description: format!("About {}", product.name),
        category: product.category.into(),
        tags: product.tags.iter().map(|t| t.to_string()).collect(),
        images: vec![],
        variants: vec![NewVariant {
            sku: sku_of(product.name),
            options: BTreeMap::from([("size".to_string(), "m".to_string())]),
            price: usd(product.price),
            stock: product.stock,
        }],
        low_stock_threshold: Some(2),
        store: "default".into(),
        currency: commerce_aggregates::Currency::parse("USD").expect("a currency"),
    };
    let products = &app.stores.products;
    products
        .execute(&id.to_string(), command, &meta, None)
        .await
        .expect("product created");
    if product.publish {
        products
            .execute(&id.to_string(), ProductCommand::PublishProduct, &meta, None)
            .await
            .expect("product published");
    }
    id
}

/// The SKU [`create_product`] gives a product named `name`.
pub fn sku_of(name: &str) -> String {
    format!("{}-1", name.to_uppercase().replace(' ', "-"))
}

/// Opens a cart for `customer` with 2 × `sku` at 12.50; returns its id.
pub async fn create_cart(app: &TestApp, customer: Uuid, product: Uuid, sku: &str) -> Uuid {
    let id = Uuid::new_v4();
    let meta = metadata_of(customer, Role::Customer);
    let carts = &app.stores.carts;
    let commands = [
        CartCommand::CreateCart {
            cart_id: id,
            owner: customer.into(),
            currency: Currency::parse("USD").expect("currency"),
            store: "default".into(),
        },
        CartCommand::AddItem {
            shopper: customer.into(),
            product_id: product,
            sku: sku.into(),
            quantity: 2,
            unit_price: usd(1250),
            store: "default".into(),
        },
    ];
    for command in commands {
        carts
            .execute(&id.to_string(), command, &meta, None)
            .await
            .expect("cart command");
    }
    id
}

/// Places and confirms an order of 2 × 10.00 USD for `customer` (5.00 shipping, no tax:
/// total 25.00); returns its id.
pub async fn place_order(app: &TestApp, customer: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    let orders = &app.stores.orders;
    let place = OrderCommand::PlaceOrder {
        order_id: id,
        cart_id: Uuid::new_v4(),
        customer_id: Some(customer),
        guest_email: None,
        customer_role: Role::Customer,
        lines: vec![OrderLineInput {
            product_id: Uuid::new_v4(),
            sku: "MUG-1".into(),
            name: "Mug".into(),
            quantity: 2,
            unit_price: usd(1000),
        }],
        coupon: None,
        shipping_address: address(),
        shipping_policy: ShippingPolicy {
            flat_rate: usd(500),
            free_above: None,
        },
        tax_rate_bps: 0,
        at: Utc::now(),
        store: "default".into(),
    };
    let meta = metadata_of(customer, Role::Customer);
    orders
        .execute(&id.to_string(), place, &meta, None)
        .await
        .expect("order placed");
    let confirm = OrderCommand::ConfirmOrder {
        payment_due_by: Utc::now() + Duration::hours(1),
    };
    orders
        .execute(&id.to_string(), confirm, &meta, None)
        .await
        .expect("order confirmed");
    id
}

/// Records the payment of an order placed by [`place_order`].
pub async fn pay_order(app: &TestApp, order: Uuid, customer: Uuid) {
    let pay = OrderCommand::RecordPayment {
        provider: "test".into(),
        payment_reference: format!("pay_{}", Uuid::new_v4().simple()),
        amount: usd(2500),
        at: Utc::now(),
    };
    app.stores
        .orders
        .execute(
            &order.to_string(),
            pay,
            &metadata_of(customer, Role::Customer),
            None,
        )
        .await
        .expect("order paid");
}

/// Creates a 10 % coupon `code` open to `roles` (everyone when empty).
pub async fn create_coupon(app: &TestApp, code: &str, roles: &[Role]) {
    let command = CouponCommand::CreateCoupon {
        code: code.into(),
        discount: Discount::Percent(10),
        min_subtotal: None,
        starts_at: None,
        expires_at: None,
        eligible_roles: roles.to_vec(),
        max_redemptions: Some(100),
        max_per_customer: Some(1),
    };
    app.stores
        .coupons
        .execute(code, command, &admin_metadata(), None)
        .await
        .expect("coupon created");
}

/// The `field` of every item of a page, as strings.
pub fn names(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item[field].as_str().expect("string field").to_string())
        .collect()
}
