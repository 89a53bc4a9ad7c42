//! The shop a load runs against, set up over HTTP: an admin (`commerce admin create`),
//! published products (one with little stock), a coupon and registered, logged-in customers.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use super::PASSWORD;
use crate::faults::engine::Engine;

/// What the shop holds and how many customers shop.
#[derive(Debug, Clone)]
pub struct LoadSettings {
    /// Concurrent customers.
    pub customers: usize,
    /// Products with ample stock.
    pub products: usize,
    /// Units of one more product with little stock (orders for it get rejected once it is
    /// sold out; 0: no such product).
    pub scarce_stock: u32,
}

impl Default for LoadSettings {
    fn default() -> Self {
        Self {
            customers: 8,
            products: 4,
            scarce_stock: 25,
        }
    }
}

/// A product variant customers buy.
#[derive(Debug, Clone)]
pub struct Item {
    /// The product id.
    pub product_id: String,
    /// The variant's SKU.
    pub sku: String,
}

/// A registered, logged-in customer.
#[derive(Debug, Clone)]
pub struct Customer {
    /// The account's email.
    pub email: String,
    /// An access token.
    pub token: String,
}

/// What [`Shop::create`] set up over HTTP.
#[derive(Debug, Clone)]
pub struct Shop {
    /// `http://127.0.0.1:<port>/api/v1`.
    pub base: String,
    /// The admin's token (a real admin account, created with `commerce admin create`).
    pub admin: String,
    /// Published products, one variant each; the scarce one (if any) last.
    pub items: Vec<Item>,
    /// A 10 % coupon without limits.
    pub coupon: String,
    /// One customer per concurrent loop.
    pub customers: Vec<Customer>,
}

impl Shop {
    /// Creates an admin (`commerce admin create`), the products, the coupon and the
    /// customers (registered and logged in over HTTP) on `engine`.
    pub async fn create(engine: &Engine, settings: &LoadSettings) -> Self {
        let base = engine.api("");
        let http = reqwest::Client::new();
        let run = Uuid::new_v4().simple().to_string()[..8].to_string();
        let admin_email = format!("admin-{run}@example.com");
        engine.create_admin(&admin_email, PASSWORD);
        let admin = login(&http, &base, &admin_email).await;
        let call = |method: Method, path: String, body: Value| {
            let request = http
                .request(method, format!("{base}{path}"))
                .bearer_auth(&admin)
                .json(&body);
            async move {
                let response = request.send().await.expect("set-up request");
                let status = response.status();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                assert!(status.is_success(), "set-up {path}: {status} {body}");
                body
            }
        };
        let mut items = Vec::new();
        let total = settings.products + usize::from(settings.scarce_stock > 0);
        for i in 0..total {
            let scarce = i == settings.products;
            let sku = format!("F-{run}-{i}");
            let stock = if scarce {
                settings.scarce_stock
            } else {
                100_000
            };
            let body = json!({
                "name": format!("Fault lantern {i}"), "description": "Steady load",
                "category": "outdoor", "tags": ["load"], "images": [],
                "low_stock_threshold": if scarce { 10 } else { 2 },
                "variants": [{"sku": sku, "options": {},
                              "price": {"amount": 900 + 150 * i as i64, "currency": "USD"},
                              "stock": stock}],
            });
            let created = call(Method::POST, "/products".into(), body).await;
            let product_id = created["id"].as_str().expect("product id").to_string();
            call(
                Method::POST,
                format!("/products/{product_id}/publish"),
                json!({}),
            )
            .await;
            items.push(Item { product_id, sku });
        }
        let coupon = format!("FAULT{}", run.to_uppercase());
        call(
            Method::POST,
            "/coupons".into(),
            json!({"code": coupon, "discount": {"percent": 10}}),
        )
        .await;
        let mut customers = Vec::new();
        for i in 0..settings.customers {
            let email = format!("shopper-{run}-{i}@example.com");
            let body =
                json!({"email": email, "password": PASSWORD, "name": format!("Shopper {i}")});
            let response = http
                .post(format!("{base}/auth/register"))
                .json(&body)
                .send()
                .await
                .expect("register");
            assert_eq!(
                response.status(),
                StatusCode::CREATED,
                "registering {email}"
            );
            let token = login(&http, &base, &email).await;
            customers.push(Customer { email, token });
        }
        Self {
            base,
            admin,
            items,
            coupon,
            customers,
        }
    }
}

async fn login(http: &reqwest::Client, base: &str, email: &str) -> String {
    let response = http
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert!(response.status().is_success(), "login {email}");
    let body: Value = response.json().await.expect("login body");
    body["access_token"].as_str().expect("token").to_string()
}
