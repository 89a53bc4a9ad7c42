//! For many generated carts — random lines in stores of three currencies, percent and fixed
//! coupons with and without minimum subtotals and per-customer limits (some bound to another
//! currency), on engines started with generated shipping and tax settings — the `pricing` of
//! `GET carts/{id}` equals the totals of the order its checkout places, to the minor unit.
//! A cart whose coupon does not apply is refused by the checkout (nothing written) and, once
//! the coupon is removed, costs what was shown. A fixed-seed generator: every run is the same.

use reqwest::Method;
use serde_json::{json, Value};

use super::totals;
use crate::client::{AddItem, Client, Discount, NewCoupon, NewProduct, Price, Variant};
use crate::fixtures::{address, event_count, new_product};
use crate::helpers::{spawn_app_with, TestApp};
use crate::queries::refresh_one;

/// Engines, and carts on each.
const ENGINES: u64 = 3;
const CARTS_PER_ENGINE: usize = 10;

/// A small deterministic generator (64-bit LCG, Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// Uniform-ish in `low..=high`.
    fn between(&mut self, low: i64, high: i64) -> i64 {
        let span = u64::try_from(high - low + 1).expect("a range");
        low + i64::try_from(self.next() % span).expect("a small value")
    }

    fn chance(&mut self, percent: i64) -> bool {
        self.between(1, 100) <= percent
    }

    /// One of `items`.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let span = u64::try_from(items.len()).expect("a small length");
        &items[usize::try_from(self.next() % span).expect("an index")]
    }
}

/// A store of the generated engine: its slug, currency and products `(id, sku)`.
struct Shop {
    slug: &'static str,
    currency: &'static str,
    products: Vec<(String, String)>,
}

fn money(amount: i64, currency: &str) -> Price {
    Price {
        amount,
        currency: currency.into(),
    }
}

/// The pricing settings of one engine: shipping flat rate, free-shipping threshold, tax.
fn settings(rng: &mut Lcg) -> Vec<(&'static str, String)> {
    let free = if rng.chance(30) {
        "off".to_string()
    } else {
        rng.between(1_000, 20_000).to_string()
    };
    vec![
        ("SHIPPING_FLAT_RATE", rng.between(0, 1_500).to_string()),
        ("FREE_SHIPPING_FROM", free),
        ("TAX_RATE_BPS", rng.between(0, 2_500).to_string()),
    ]
}

async fn shops(admin: &Client<'_>, rng: &mut Lcg) -> Vec<Shop> {
    let mut shops = vec![
        Shop {
            slug: "default",
            currency: "USD",
            products: vec![],
        },
        Shop {
            slug: "eu",
            currency: "EUR",
            products: vec![],
        },
        Shop {
            slug: "jp",
            currency: "JPY",
            products: vec![],
        },
    ];
    for shop in &mut shops {
        if shop.slug != "default" {
            let body = json!({"slug": shop.slug, "name": shop.slug, "currency": shop.currency,
                              "contact_email": "shop@example.com"});
            admin
                .send_json(Method::POST, "/stores", &body)
                .await
                .command(201, 1);
        }
        for n in 0..4 {
            let sku = format!("{}-{n}", shop.slug.to_uppercase());
            let price = money(rng.between(1, 20_000), shop.currency);
            let product = NewProduct {
                variants: vec![Variant::plain(&sku, price, 10_000)],
                ..new_product(&sku, 10_000)
            };
            let mut body = serde_json::to_value(&product).expect("a product serializes");
            body["store"] = json!(shop.slug);
            let id = admin
                .send_json(Method::POST, "/products", &body)
                .await
                .command(201, 1);
            admin.publish(&id).await.command(200, 2);
            shop.products.push((id, sku));
        }
    }
    shops
}

/// Coupons for each shop's currency: their codes by currency.
async fn coupons(admin: &Client<'_>, shops: &[Shop], rng: &mut Lcg) -> Vec<(String, String)> {
    let mut codes = Vec::new();
    for shop in shops {
        for n in 0..4 {
            let code = format!("{}{n}", shop.slug.to_uppercase());
            let discount = if rng.chance(50) {
                Discount::Percent(rng.between(1, 60))
            } else {
                Discount::Fixed(money(rng.between(1, 5_000), shop.currency))
            };
            let mut coupon = NewCoupon::percent(&code, 1);
            coupon.discount = discount;
            if rng.chance(50) {
                coupon.min_subtotal = Some(money(rng.between(0, 30_000), shop.currency));
            }
            if rng.chance(25) {
                coupon.max_per_customer = Some(1);
            }
            admin.create_coupon(&coupon).await.command(201, 1);
            codes.push((code, shop.currency.to_string()));
        }
    }
    codes
}

/// Counts of what the generated carts exercised.
#[derive(Default, Debug)]
struct Seen {
    applied: usize,
    refused: usize,
    without: usize,
}

/// Fills one cart in a random shop for `customer`; its id.
async fn cart(
    customer: &Client<'_>,
    shops: &[Shop],
    codes: &[(String, String)],
    rng: &mut Lcg,
) -> String {
    let shop = rng.pick(shops);
    let cart = customer
        .send_json(Method::POST, "/carts", &json!({"store": shop.slug}))
        .await
        .command(201, 1);
    let lines = rng.between(1, 4);
    let first = rng.between(0, 3);
    let mut version = 1;
    for n in 0..lines {
        // Distinct products: consecutive ones from a random first.
        let at = usize::try_from((first + n) % 4).expect("an index");
        let (product, sku) = &shop.products[at];
        let item = AddItem::new(product, sku, rng.between(1, 5));
        version += 1;
        customer.add_item(&cart, &item).await.command(200, version);
    }
    if rng.chance(75) {
        // Mostly a coupon of the cart's currency, sometimes one bound to another.
        let same: Vec<&(String, String)> =
            codes.iter().filter(|(_, c)| c == shop.currency).collect();
        let pool: Vec<&(String, String)> = if rng.chance(85) {
            same
        } else {
            codes.iter().collect()
        };
        let (code, _) = rng.pick(&pool);
        version += 1;
        customer
            .apply_coupon(&cart, code)
            .await
            .command(200, version);
    }
    customer
        .set_address(&cart, &address())
        .await
        .command(200, version + 1);
    cart
}

/// The cart's pricing, read from a freshly rebuilt carts read model.
async fn pricing(app: &TestApp, customer: &Client<'_>, cart: &str) -> Value {
    refresh_one(&app.db.pool, "carts").await;
    let view: Value = customer.get_cart(cart).await.json(200);
    view["pricing"].clone()
}

/// Checks the cart out as its pricing says it will go; the order and the totals it must have.
async fn check_out(
    app: &TestApp,
    customer: &Client<'_>,
    cart: &str,
    seen: &mut Seen,
) -> (String, Value) {
    let shown = pricing(app, customer, cart).await;
    let status = &shown["coupon_status"];
    if status.is_null() || status["applies"] == true {
        if status.is_null() {
            seen.without += 1;
        } else {
            seen.applied += 1;
        }
        let reply = customer.checkout(cart).await;
        assert_eq!(reply.status, 201, "{shown}: {}", reply.text);
        return (
            reply.body["id"].as_str().expect("id").to_string(),
            totals(&shown),
        );
    }
    seen.refused += 1;
    let before = event_count(app).await;
    let refused = customer.checkout(cart).await;
    assert!(
        refused.status.is_client_error(),
        "{shown}: {}",
        refused.text
    );
    assert_eq!(event_count(app).await, before, "{shown}");
    let removed = customer.remove_coupon(cart).await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    let again = pricing(app, customer, cart).await;
    assert_eq!(
        totals(&again),
        totals(&shown),
        "the coupon that did not apply changed nothing"
    );
    let reply = customer.checkout(cart).await;
    assert_eq!(reply.status, 201, "{again}: {}", reply.text);
    (
        reply.body["id"].as_str().expect("id").to_string(),
        totals(&again),
    )
}

#[tokio::test]
async fn a_generated_carts_pricing_equals_the_totals_of_the_order_it_places() {
    let mut seen = Seen::default();
    for engine in 0..ENGINES {
        let mut rng = Lcg(0x5EED_0000 + engine);
        let overrides = settings(&mut rng);
        let pairs: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let app = spawn_app_with(&pairs).await;
        let admin = app.as_admin();
        let shops = shops(&admin, &mut rng).await;
        let codes = coupons(&admin, &shops, &mut rng).await;
        // A few customers, so per-customer limits are reached now and then.
        let customers: Vec<Client<'_>> = (0..3).map(|_| app.as_customer()).collect();
        let mut placed = Vec::new();
        for _ in 0..CARTS_PER_ENGINE {
            let customer = rng.pick(&customers);
            let cart = cart(customer, &shops, &codes, &mut rng).await;
            let (order, expected) = check_out(&app, customer, &cart, &mut seen).await;
            placed.push((customer.clone(), order, expected));
        }
        refresh_one(&app.db.pool, "orders").await;
        for (customer, order, expected) in &placed {
            let view: Value = customer.get_order(order).await.json(200);
            assert_eq!(
                totals(&view),
                *expected,
                "engine {overrides:?}, order {order}"
            );
        }
    }
    assert!(
        seen.applied > 0 && seen.refused > 0 && seen.without > 0,
        "the generated carts exercise every case: {seen:?}"
    );
}
