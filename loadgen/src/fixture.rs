//! The data a run needs before it starts measuring: published products with ample stock, a
//! coupon and one logged-in customer per connection, all created through the API.

use anyhow::Context;
use reqwest::Method;
use serde_json::json;

use crate::api::Api;
use crate::stats::Stats;

/// Words the product names are made of (and the searches look for).
pub const WORDS: [&str; 8] = [
    "espresso", "teapot", "lantern", "notebook", "kettle", "blanket", "planter", "backpack",
];
const CATEGORIES: [&str; 4] = ["kitchen", "garden", "office", "outdoor"];
/// The customers' password (meets the password policy).
const PASSWORD: &str = "Quiet-Harbour-Lights-93";

/// One product variant a customer can buy.
#[derive(Debug, Clone)]
pub struct Item {
    /// The product id.
    pub product_id: String,
    /// The variant's SKU.
    pub sku: String,
}

/// Everything created for one run.
pub struct Fixture {
    /// Published products, one variant each.
    pub items: Vec<Item>,
    /// A 10 % coupon without a redemption limit.
    pub coupon: String,
    /// A 5 % coupon with a (never reached) total redemption limit: redeeming it depends on
    /// how often it was redeemed.
    pub limited_coupon: String,
    /// One client per connection, each logged in as its own customer.
    pub customers: Vec<Api>,
}

impl Fixture {
    /// Creates `products` products and `customers` customers as `admin`; `run` keeps names
    /// apart from earlier runs on the same database.
    pub async fn create(
        admin: &Api,
        run: &str,
        products: usize,
        customers: usize,
    ) -> anyhow::Result<Self> {
        let mut stats = Stats::default();
        let mut items = Vec::with_capacity(products);
        for i in 0..products {
            let sku = format!("LOAD-{run}-{i}");
            let body = json!({
                "name": format!("{} {run} {i}", WORDS[i % WORDS.len()]),
                "description": "Created by the load generator",
                "category": CATEGORIES[i % CATEGORIES.len()],
                "tags": ["load", WORDS[i % WORDS.len()]],
                "images": [],
                "variants": [{
                    "sku": sku,
                    "options": {},
                    "price": {"amount": 500 + (i as u64 * 37) % 5000, "currency": "USD"},
                    "stock": 1_000_000,
                }],
            });
            let product_id = admin
                .expect(&mut stats, "setup", Method::POST, "products", Some(&body))
                .await
                .context("creating a product")?
                .str("id")?;
            let path = format!("products/{product_id}/publish");
            admin
                .expect(&mut stats, "setup", Method::POST, &path, None)
                .await?;
            items.push(Item { product_id, sku });
        }
        let coupon = format!("LOAD{}", run.to_uppercase());
        let body = json!({"code": coupon, "discount": {"percent": 10}});
        admin
            .expect(&mut stats, "setup", Method::POST, "coupons", Some(&body))
            .await
            .context("creating the coupon")?;
        let limited_coupon = format!("LIMIT{}", run.to_uppercase());
        let body = json!({"code": limited_coupon, "discount": {"percent": 5},
                          "max_redemptions": 100_000_000});
        admin
            .expect(&mut stats, "setup", Method::POST, "coupons", Some(&body))
            .await
            .context("creating the limited coupon")?;
        let mut clients = Vec::with_capacity(customers);
        for i in 0..customers {
            let email = format!("load-{run}-{i}@example.com");
            let body =
                json!({"email": email, "password": PASSWORD, "name": format!("Customer {i}")});
            admin
                .expect(
                    &mut stats,
                    "setup",
                    Method::POST,
                    "auth/register",
                    Some(&body),
                )
                .await
                .context("registering a customer")?;
            let token = admin.login(&email, PASSWORD).await?;
            clients.push(admin.with_token(token)?);
        }
        Ok(Self {
            items,
            coupon,
            limited_coupon,
            customers: clients,
        })
    }
}
