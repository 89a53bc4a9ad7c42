//! The typed test client: one method per API route, request bodies as structs and replies
//! as [`Reply`] (status, headers, the JSON body) with decoders into small view structs.
//!
//! A [`Client`] is obtained from the [`TestApp`] with the identity it acts as
//! ([`TestApp::as_customer`], [`TestApp::as_admin`], [`TestApp::anonymous`] …) and may carry
//! `If-Match` or `Idempotency-Key` for its next requests ([`Client::if_match`],
//! [`Client::idempotency_key`]). Tests that deliberately send malformed or untyped input go
//! through the low-level [`Client::request`] and [`Client::send_json`].
//!
//! The client covers the public contract's routes, whether or not a test calls each yet.

#![allow(dead_code)]

use commerce_aggregates::{Address, Role};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::TestApp;

// ---------------------------------------------------------------------------------------
// Replies.

/// An answer: status, headers and the body (JSON, or `Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as JSON.
    pub body: Value,
    /// The raw body.
    pub text: String,
}

impl Reply {
    /// Reads a response whole: status, headers, text and (when it is JSON) body.
    pub async fn from_response(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// Asserts a problem document with `status` and `code`; returns self for more checks.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert_eq!(self.body["status"], status, "{}", self.text);
        self
    }

    /// Asserts `status` and `{id, version}` with that version; returns the id.
    #[track_caller]
    pub fn command(&self, status: u16, version: u64) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.body["version"], version, "{}", self.text);
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.text))
            .to_string()
    }

    /// Asserts `status` and decodes the body into `T`.
    #[track_caller]
    pub fn json<T: DeserializeOwned>(&self, status: u16) -> T {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("unexpected body ({e}): {}", self.text))
    }

    /// The body parsed as JSON, failing the test when it is not JSON.
    #[track_caller]
    pub fn json_body(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not a JSON body ({e}): {}", self.text))
    }

    /// The body as a problem document (whatever its status).
    #[track_caller]
    pub fn problem_document(&self) -> Problem {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("not a problem document ({e}): {}", self.text))
    }

    /// A header's value, when present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Location` header.
    #[track_caller]
    pub fn location(&self) -> String {
        self.header("location")
            .unwrap_or_else(|| panic!("no Location in {:?}", self.headers))
            .to_string()
    }
}

/// An RFC 9457 problem document, read with the engine's own type.
pub use commerce::http::error::Problem;

/// Money as the API writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// Minor units.
    pub amount: i64,
    /// ISO-4217 code.
    pub currency: String,
}

impl Price {
    /// `amount` cents of US dollars.
    pub fn usd(amount: i64) -> Self {
        Self {
            amount,
            currency: "USD".into(),
        }
    }
}

/// The fields of `GET /carts/{id}` the tests read.
#[derive(Debug, Clone, Deserialize)]
pub struct CartView {
    /// The cart's id.
    pub id: Uuid,
    /// `open`, `checked_out` …
    pub status: String,
    /// The cart's currency.
    pub currency: String,
    /// The applied coupon.
    pub coupon_code: Option<String>,
    /// Units in the cart.
    pub item_count: i64,
    /// Version of the cart the view reflects.
    pub version: i64,
}

/// The fields of `GET /orders/{id}` the tests read.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderView {
    /// The order's id.
    pub id: Uuid,
    /// `confirmed`, `paid`, `shipped` …
    pub status: String,
    /// What the customer pays.
    pub total: Price,
    /// The coupon redeemed by the order.
    pub coupon_code: Option<String>,
    /// Version of the order the view reflects.
    pub version: i64,
}

/// The fields of `GET /products/{id}` the tests read.
#[derive(Debug, Clone, Deserialize)]
pub struct ProductView {
    /// The product's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// `draft`, `active` or `archived`.
    pub status: String,
    /// Units available over all variants.
    pub total_available: i64,
    /// Version of the product the view reflects.
    pub version: i64,
}

/// An answer of `GET /media/{key}`: the bytes as they are.
#[derive(Debug)]
pub struct MediaReply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub bytes: Vec<u8>,
}

impl MediaReply {
    /// A header's value, when present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The answer to an upload (`201`).
#[derive(Debug, Clone, Deserialize)]
pub struct UploadedImage {
    /// The image's id on the product.
    pub id: String,
    /// Where it is served.
    pub url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its media type.
    pub content_type: String,
    /// Its text alternative.
    pub alt: Option<String>,
    /// The product's version after the upload.
    pub version: i64,
}

// ---------------------------------------------------------------------------------------
// Request bodies.

/// The file of `POST /products/{id}/images`: its bytes, the name and type the client gives
/// it (which the engine ignores), and an `alt` text.
#[derive(Debug, Clone)]
pub struct ImageFile {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The file name sent.
    pub file_name: String,
    /// The content type sent with the file.
    pub content_type: String,
    /// The `alt` field, when sent.
    pub alt: Option<String>,
}

impl ImageFile {
    /// The multipart form: `file` (and `alt`).
    pub fn form(&self) -> reqwest::multipart::Form {
        let file = reqwest::multipart::Part::bytes(self.bytes.clone())
            .file_name(self.file_name.clone())
            .mime_str(&self.content_type)
            .expect("a content type");
        let form = reqwest::multipart::Form::new().part("file", file);
        match &self.alt {
            Some(alt) => form.text("alt", alt.clone()),
            None => form,
        }
    }
}

/// `POST /carts/{id}/items`.
#[derive(Debug, Clone, Serialize)]
pub struct AddItem {
    /// The product.
    pub product_id: String,
    /// One of its variants.
    pub sku: String,
    /// Units, 1 to 99.
    pub quantity: i64,
}

impl AddItem {
    /// `quantity` of `sku` of `product`.
    pub fn new(product: &str, sku: &str, quantity: i64) -> Self {
        Self {
            product_id: product.to_string(),
            sku: sku.to_string(),
            quantity,
        }
    }
}

/// `POST /orders/{id}/pay`.
#[derive(Debug, Clone, Serialize)]
pub struct Pay {
    /// The payment provider (`test`, `stripe`).
    pub provider: String,
    /// The `test` provider's token (`tok_ok`, `tok_declined` …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// A Stripe payment method id (`pm_card_visa` …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
}

impl Pay {
    /// The `test` provider with `token`.
    pub fn test(token: &str) -> Self {
        Self {
            provider: "test".into(),
            token: Some(token.into()),
            payment_method: None,
        }
    }

    /// The same, also sending `payment_method` (which only Stripe takes).
    pub fn with_payment_method(mut self, payment_method: &str) -> Self {
        self.payment_method = Some(payment_method.into());
        self
    }

    /// Stripe with `payment_method`.
    pub fn stripe(payment_method: &str) -> Self {
        Self {
            provider: "stripe".into(),
            token: None,
            payment_method: Some(payment_method.into()),
        }
    }
}

/// `POST /orders/{id}/refunds`: an amount or lines, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NewRefund {
    /// An amount, `{amount, currency}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Value>,
    /// Units of lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<RefundLine>>,
    /// Why.
    pub reason: String,
}

/// Units of one line to refund.
#[derive(Debug, Clone, Serialize)]
pub struct RefundLine {
    /// The line's SKU.
    pub sku: String,
    /// Units.
    pub quantity: u32,
}

impl NewRefund {
    /// `minor` US cents.
    pub fn usd(minor: i64) -> Self {
        Self {
            amount: Some(serde_json::json!({"amount": minor, "currency": "USD"})),
            lines: None,
            reason: "goodwill".into(),
        }
    }

    /// `quantity` units of `sku`.
    pub fn units(sku: &str, quantity: u32) -> Self {
        Self {
            amount: None,
            lines: Some(vec![RefundLine {
                sku: sku.into(),
                quantity,
            }]),
            reason: "returned".into(),
        }
    }
}

/// `POST /orders/{id}/ship`.
#[derive(Debug, Clone, Serialize)]
pub struct Ship {
    /// The carrier.
    pub carrier: String,
    /// Its tracking number.
    pub tracking_number: String,
}

/// A product variant in `POST /products` and `POST /products/{id}/variants`.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// Its SKU, unique across the catalogue.
    pub sku: String,
    /// Option values (colour, size …).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub options: std::collections::BTreeMap<String, String>,
    /// Its price.
    pub price: Price,
    /// Units on hand.
    pub stock: i64,
}

impl Variant {
    /// `sku` with one option `colour`, at `price` with `stock` units.
    pub fn new(sku: &str, colour: &str, price: Price, stock: i64) -> Self {
        Self {
            sku: sku.into(),
            options: [("colour".to_string(), colour.to_string())].into(),
            price,
            stock,
        }
    }

    /// `sku` without options, at `price` with `stock` units.
    pub fn plain(sku: &str, price: Price, stock: i64) -> Self {
        Self {
            sku: sku.into(),
            options: Default::default(),
            price,
            stock,
        }
    }
}

/// `POST /products`.
#[derive(Debug, Clone, Serialize)]
pub struct NewProduct {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its category.
    pub category: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Image URLs.
    pub images: Vec<String>,
    /// Its variants, at least one.
    pub variants: Vec<Variant>,
    /// Below how many available units it is low on stock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_stock_threshold: Option<i64>,
}

/// `PATCH /products/{id}`: the fields to change.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProductChanges {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// New tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// New images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
    /// New low-stock threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_stock_threshold: Option<i64>,
}

/// `POST /products/{id}/variants/{sku}/stock`.
#[derive(Debug, Clone, Serialize)]
pub struct StockAdjustment {
    /// Units added (negative: removed).
    pub adjustment: i64,
    /// Why.
    pub reason: String,
}

/// A coupon's discount.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Discount {
    /// A percentage of the subtotal.
    Percent(i64),
    /// A fixed amount off.
    Fixed(Price),
}

/// `POST /coupons`.
#[derive(Debug, Clone, Serialize)]
pub struct NewCoupon {
    /// Its code.
    pub code: String,
    /// Its discount.
    pub discount: Discount,
    /// The smallest subtotal it applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_subtotal: Option<Price>,
    /// When it starts (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    /// When it expires (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Roles that may use it (all when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eligible_roles: Vec<String>,
    /// Redemptions in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_redemptions: Option<i64>,
    /// Redemptions per customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_per_customer: Option<i64>,
}

impl NewCoupon {
    /// `code` taking `percent` off, without conditions.
    pub fn percent(code: &str, percent: i64) -> Self {
        Self {
            code: code.into(),
            discount: Discount::Percent(percent),
            min_subtotal: None,
            starts_at: None,
            expires_at: None,
            eligible_roles: Vec::new(),
            max_redemptions: None,
            max_per_customer: None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The client.

/// A request under construction (the low level: any method, path, headers and body).
pub struct Call {
    request: reqwest::RequestBuilder,
}

impl Call {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    /// Adds query parameters (URL-encoded, whatever they hold).
    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.request = self.request.query(pairs);
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.request = self.request.json(body);
        self
    }

    /// Sends `body` verbatim as `application/json`.
    pub fn raw(mut self, body: &str) -> Self {
        self.request = self
            .request
            .header("content-type", "application/json")
            .body(body.to_string());
        self
    }

    /// Sends `body` verbatim as `content_type`.
    pub fn bytes(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.request = self.request.header("content-type", content_type).body(body);
        self
    }

    /// Sends `form` as `multipart/form-data`.
    pub fn multipart(mut self, form: reqwest::multipart::Form) -> Self {
        self.request = self.request.multipart(form);
        self
    }

    /// Sends it.
    pub async fn send(self) -> Reply {
        let response = self.request.send().await.expect("request sent");
        Reply::from_response(response).await
    }
}

/// The API as one caller sees it: a bearer token (or none) and headers for every request.
#[derive(Clone)]
pub struct Client<'a> {
    app: &'a TestApp,
    user: Option<Uuid>,
    token: Option<String>,
    headers: Vec<(String, String)>,
}

impl TestApp {
    /// A client acting as a new user with `role`.
    pub fn as_role(&self, role: Role) -> Client<'_> {
        let (user, token) = self.token(role);
        Client {
            app: self,
            user: Some(user),
            token: Some(token),
            headers: Vec::new(),
        }
    }

    /// A client acting as a new customer.
    pub fn as_customer(&self) -> Client<'_> {
        self.as_role(Role::Customer)
    }

    /// A client acting as a new admin.
    pub fn as_admin(&self) -> Client<'_> {
        self.as_role(Role::Admin)
    }

    /// A client sending `token` (e.g. one from logging in, or a forged one).
    pub fn with_token(&self, token: &str) -> Client<'_> {
        Client {
            app: self,
            user: None,
            token: Some(token.to_string()),
            headers: Vec::new(),
        }
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> Client<'_> {
        Client {
            app: self,
            user: None,
            token: None,
            headers: Vec::new(),
        }
    }
}

impl Client<'_> {
    /// The user this client acts as, when the test created it.
    pub fn user(&self) -> Uuid {
        self.user.expect("a client made for a role")
    }

    /// Its bearer token.
    pub fn token(&self) -> &str {
        self.token.as_deref().expect("a client with a token")
    }

    /// This client sending `If-Match: value` too.
    pub fn if_match(&self, value: &str) -> Self {
        self.with_header("if-match", value)
    }

    /// This client sending `Idempotency-Key: key` too.
    pub fn idempotency_key(&self, key: &str) -> Self {
        self.with_header("idempotency-key", key)
    }

    /// This client sending the header `name: value` too.
    pub fn with_header(&self, name: &str, value: &str) -> Self {
        let mut client = self.clone();
        client.headers.push((name.into(), value.into()));
        client
    }

    /// `method /api/v1<path>` with this client's token and headers (the low level).
    pub fn request(&self, method: Method, path: &str) -> Call {
        let mut request = self.app.client.request(method, self.app.api(path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        Call { request }
    }

    /// `method path` with `body` as JSON (also for bodies the API is meant to refuse).
    pub async fn send_json(&self, method: Method, path: &str, body: &impl Serialize) -> Reply {
        self.request(method, path).json(body).send().await
    }

    /// `method path` without a body.
    pub async fn send(&self, method: Method, path: &str) -> Reply {
        self.request(method, path).send().await
    }

    // Carts.

    /// `POST /carts` without a body: a cart in the default currency.
    pub async fn create_cart(&self) -> Reply {
        self.send(Method::POST, "/carts").await
    }

    /// `POST /carts` in `currency`.
    pub async fn create_cart_in(&self, currency: &str) -> Reply {
        let body = serde_json::json!({ "currency": currency });
        self.send_json(Method::POST, "/carts", &body).await
    }

    /// `POST /carts/{cart}/items`.
    pub async fn add_item(&self, cart: &str, item: &AddItem) -> Reply {
        self.send_json(Method::POST, &format!("/carts/{cart}/items"), item)
            .await
    }

    /// `PUT /carts/{cart}/items/{sku}`.
    pub async fn change_quantity(&self, cart: &str, sku: &str, quantity: i64) -> Reply {
        let body = serde_json::json!({ "quantity": quantity });
        self.send_json(Method::PUT, &format!("/carts/{cart}/items/{sku}"), &body)
            .await
    }

    /// `DELETE /carts/{cart}/items/{sku}`.
    pub async fn remove_item(&self, cart: &str, sku: &str) -> Reply {
        self.send(Method::DELETE, &format!("/carts/{cart}/items/{sku}"))
            .await
    }

    /// `PUT /carts/{cart}/coupon`.
    pub async fn apply_coupon(&self, cart: &str, code: &str) -> Reply {
        let body = serde_json::json!({ "code": code });
        self.send_json(Method::PUT, &format!("/carts/{cart}/coupon"), &body)
            .await
    }

    /// `DELETE /carts/{cart}/coupon`.
    pub async fn remove_coupon(&self, cart: &str) -> Reply {
        self.send(Method::DELETE, &format!("/carts/{cart}/coupon"))
            .await
    }

    /// `PUT /carts/{cart}/shipping-address`.
    pub async fn set_address(&self, cart: &str, address: &Address) -> Reply {
        self.send_json(
            Method::PUT,
            &format!("/carts/{cart}/shipping-address"),
            address,
        )
        .await
    }

    /// `POST /carts/{cart}/checkout`.
    pub async fn checkout(&self, cart: &str) -> Reply {
        self.send(Method::POST, &format!("/carts/{cart}/checkout"))
            .await
    }

    // Orders.

    /// `POST /orders/{order}/pay`.
    pub async fn pay(&self, order: &str, payment: &Pay) -> Reply {
        self.send_json(Method::POST, &format!("/orders/{order}/pay"), payment)
            .await
    }

    /// `POST /orders/{order}/ship`.
    pub async fn ship(&self, order: &str, shipment: &Ship) -> Reply {
        self.send_json(Method::POST, &format!("/orders/{order}/ship"), shipment)
            .await
    }

    /// `POST /orders/{order}/deliver`.
    pub async fn deliver(&self, order: &str) -> Reply {
        self.send(Method::POST, &format!("/orders/{order}/deliver"))
            .await
    }

    /// `POST /orders/{order}/cancel`.
    pub async fn cancel_order(&self, order: &str, reason: &str) -> Reply {
        let body = serde_json::json!({ "reason": reason });
        self.send_json(Method::POST, &format!("/orders/{order}/cancel"), &body)
            .await
    }

    /// `POST /orders/{order}/refund`.
    pub async fn refund(&self, order: &str, reason: &str) -> Reply {
        let body = serde_json::json!({ "reason": reason });
        self.send_json(Method::POST, &format!("/orders/{order}/refund"), &body)
            .await
    }

    /// `POST /orders/{order}/refunds`.
    pub async fn create_refund(&self, order: &str, refund: &NewRefund) -> Reply {
        self.send_json(Method::POST, &format!("/orders/{order}/refunds"), refund)
            .await
    }

    /// `GET /orders/{order}/refunds`.
    pub async fn refunds(&self, order: &str) -> Reply {
        self.send(Method::GET, &format!("/orders/{order}/refunds"))
            .await
    }

    // Catalogue.

    /// `POST /products`.
    pub async fn create_product(&self, product: &NewProduct) -> Reply {
        self.send_json(Method::POST, "/products", product).await
    }

    /// `PATCH /products/{id}`.
    pub async fn update_product(&self, id: &str, changes: &ProductChanges) -> Reply {
        self.send_json(Method::PATCH, &format!("/products/{id}"), changes)
            .await
    }

    /// `POST /products/{id}/variants`.
    pub async fn add_variant(&self, id: &str, variant: &Variant) -> Reply {
        self.send_json(Method::POST, &format!("/products/{id}/variants"), variant)
            .await
    }

    /// `PUT /products/{id}/variants/{sku}/price`.
    pub async fn change_price(&self, id: &str, sku: &str, price: &Price) -> Reply {
        let body = serde_json::json!({ "price": price });
        self.send_json(
            Method::PUT,
            &format!("/products/{id}/variants/{sku}/price"),
            &body,
        )
        .await
    }

    /// `POST /products/{id}/variants/{sku}/stock`.
    pub async fn adjust_stock(&self, id: &str, sku: &str, change: &StockAdjustment) -> Reply {
        self.send_json(
            Method::POST,
            &format!("/products/{id}/variants/{sku}/stock"),
            change,
        )
        .await
    }

    /// `POST /products/{id}/publish`.
    pub async fn publish(&self, id: &str) -> Reply {
        self.send(Method::POST, &format!("/products/{id}/publish"))
            .await
    }

    /// `POST /products/{id}/archive`.
    pub async fn archive(&self, id: &str) -> Reply {
        self.send(Method::POST, &format!("/products/{id}/archive"))
            .await
    }

    // Product images.

    /// `POST /products/{id}/images` with `image` as the form's `file` (and `alt`).
    pub async fn upload_image(&self, id: &str, image: &ImageFile) -> Reply {
        self.request(Method::POST, &format!("/products/{id}/images"))
            .multipart(image.form())
            .send()
            .await
    }

    /// `DELETE /products/{id}/images/{image}`.
    pub async fn remove_image(&self, id: &str, image: &str) -> Reply {
        self.send(Method::DELETE, &format!("/products/{id}/images/{image}"))
            .await
    }

    /// `PUT /products/{id}/images` with the ids in their new order.
    pub async fn reorder_images(&self, id: &str, images: &[&str]) -> Reply {
        self.send_json(Method::PUT, &format!("/products/{id}/images"), &images)
            .await
    }

    /// `GET <url>` (an image URL as the API gives it, `/api/v1/media/{key}`), with
    /// `If-None-Match` when given: the raw bytes.
    pub async fn media(&self, url: &str, if_none_match: Option<&str>) -> MediaReply {
        let mut request = self.app.client.get(self.app.url(url));
        if let Some(etag) = if_none_match {
            request = request.header("if-none-match", etag);
        }
        let response = request.send().await.expect("request sent");
        MediaReply {
            status: response.status(),
            headers: response.headers().clone(),
            bytes: response.bytes().await.expect("body read").to_vec(),
        }
    }

    // Payment provider.

    /// `POST /payments/webhook` with `body` verbatim (its signature covers the exact bytes)
    /// and `Payment-Signature: signature` when given.
    pub async fn payment_webhook(&self, body: &str, signature: Option<&str>) -> Reply {
        let mut request = self.request(Method::POST, "/payments/webhook").raw(body);
        if let Some(signature) = signature {
            request = request.header("Payment-Signature", signature);
        }
        request.send().await
    }

    /// `POST /payments/stripe/webhook` with `body` verbatim and `Stripe-Signature: signature`.
    pub async fn stripe_webhook(&self, body: &str, signature: &str) -> Reply {
        self.request(Method::POST, "/payments/stripe/webhook")
            .raw(body)
            .header("Stripe-Signature", signature)
            .send()
            .await
    }

    // Coupons.

    /// `POST /coupons`.
    pub async fn create_coupon(&self, coupon: &NewCoupon) -> Reply {
        self.send_json(Method::POST, "/coupons", coupon).await
    }

    /// `PATCH /coupons/{code}` with `changes` (a JSON object: its fields may be `null`).
    pub async fn update_coupon(&self, code: &str, changes: &Value) -> Reply {
        self.send_json(Method::PATCH, &format!("/coupons/{code}"), changes)
            .await
    }

    /// `POST /coupons/{code}/deactivate`.
    pub async fn deactivate_coupon(&self, code: &str) -> Reply {
        self.send(Method::POST, &format!("/coupons/{code}/deactivate"))
            .await
    }

    // Categories and tags.

    /// `POST /categories` with `body` (`{slug, name, parent?}`).
    pub async fn create_category(&self, body: &Value) -> Reply {
        self.send_json(Method::POST, "/categories", body).await
    }

    /// `PATCH /categories/{slug}` with `changes` (`parent` may be `null`).
    pub async fn update_category(&self, slug: &str, changes: &Value) -> Reply {
        self.send_json(Method::PATCH, &format!("/categories/{slug}"), changes)
            .await
    }

    /// `DELETE /categories/{slug}`.
    pub async fn delete_category(&self, slug: &str) -> Reply {
        self.send(Method::DELETE, &format!("/categories/{slug}"))
            .await
    }

    /// `GET /categories`.
    pub async fn categories(&self) -> Reply {
        self.send(Method::GET, "/categories").await
    }

    /// `GET /categories/{slug}`.
    pub async fn category(&self, slug: &str) -> Reply {
        self.send(Method::GET, &format!("/categories/{slug}")).await
    }

    /// `POST /tags` named `name`.
    pub async fn create_tag(&self, name: &str) -> Reply {
        self.send_json(Method::POST, "/tags", &serde_json::json!({"name": name}))
            .await
    }

    /// `PATCH /tags/{slug}` to `name`.
    pub async fn rename_tag(&self, slug: &str, name: &str) -> Reply {
        let body = serde_json::json!({"name": name});
        self.send_json(Method::PATCH, &format!("/tags/{slug}"), &body)
            .await
    }

    /// `DELETE /tags/{slug}`.
    pub async fn delete_tag(&self, slug: &str) -> Reply {
        self.send(Method::DELETE, &format!("/tags/{slug}")).await
    }

    /// `PUT /products/{id}/tags/{slug}`.
    pub async fn link_tag(&self, product: &str, slug: &str) -> Reply {
        self.send(Method::PUT, &format!("/products/{product}/tags/{slug}"))
            .await
    }

    /// `DELETE /products/{id}/tags/{slug}`.
    pub async fn unlink_tag(&self, product: &str, slug: &str) -> Reply {
        self.send(Method::DELETE, &format!("/products/{product}/tags/{slug}"))
            .await
    }

    /// `GET /tags?<query>`.
    pub async fn tags(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/tags?{query}")).await
    }

    // Queries.

    /// `GET /carts/{cart}`.
    pub async fn get_cart(&self, cart: &str) -> Reply {
        self.send(Method::GET, &format!("/carts/{cart}")).await
    }

    /// `GET /carts/{cart}?min_version=<version>`: waits for the read model to reach it.
    pub async fn get_cart_at(&self, cart: &str, min_version: i64) -> Reply {
        self.send(
            Method::GET,
            &format!("/carts/{cart}?min_version={min_version}"),
        )
        .await
    }

    /// `GET /orders/{order}?min_version=<version>`.
    pub async fn get_order_at(&self, order: &str, min_version: i64) -> Reply {
        self.send(
            Method::GET,
            &format!("/orders/{order}?min_version={min_version}"),
        )
        .await
    }

    /// `GET /products/{id}?min_version=<version>`.
    pub async fn get_product_at(&self, id: &str, min_version: i64) -> Reply {
        self.send(
            Method::GET,
            &format!("/products/{id}?min_version={min_version}"),
        )
        .await
    }

    /// `GET /orders/{order}`.
    pub async fn get_order(&self, order: &str) -> Reply {
        self.send(Method::GET, &format!("/orders/{order}")).await
    }

    /// `GET /orders?<query>`.
    pub async fn list_orders(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/orders?{query}")).await
    }

    /// `GET /orders/{order}/invoice`.
    pub async fn invoice(&self, order: &str) -> Reply {
        self.send(Method::GET, &format!("/orders/{order}/invoice"))
            .await
    }

    /// `GET /orders/{order}/invoice?<query>` (`format=html`, `min_version=…`).
    pub async fn invoice_with(&self, order: &str, query: &str) -> Reply {
        self.send(Method::GET, &format!("/orders/{order}/invoice?{query}"))
            .await
    }

    /// `GET /orders/{order}/history`.
    pub async fn order_history(&self, order: &str) -> Reply {
        self.send(Method::GET, &format!("/orders/{order}/history"))
            .await
    }

    /// `GET /products/{id}`.
    pub async fn get_product(&self, id: &str) -> Reply {
        self.send(Method::GET, &format!("/products/{id}")).await
    }

    /// `GET /products?<query>`.
    pub async fn search_products(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/products?{query}")).await
    }

    /// `GET /coupons/{code}`.
    pub async fn get_coupon(&self, code: &str) -> Reply {
        self.send(Method::GET, &format!("/coupons/{code}")).await
    }

    /// `GET /coupons?<query>` (back office).
    pub async fn list_coupons(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/coupons?{query}")).await
    }

    /// `GET /coupons/mine`: the coupons this caller may use.
    pub async fn my_coupons(&self) -> Reply {
        self.send(Method::GET, "/coupons/mine").await
    }

    /// `GET /admin/inventory/health?<query>`.
    pub async fn inventory_health(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/admin/inventory/health?{query}"))
            .await
    }

    /// `GET /admin/emails?<query>`.
    pub async fn emails(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/admin/emails?{query}"))
            .await
    }

    /// `GET /admin/audit/verify`.
    pub async fn verify_audit_chain(&self) -> Reply {
        self.send(Method::GET, "/admin/audit/verify").await
    }

    /// `GET /admin/analytics/<report>?<query>` (`sales`, `products`, `coupons`, `carts`).
    pub async fn analytics(&self, report: &str, query: &str) -> Reply {
        self.send(Method::GET, &format!("/admin/analytics/{report}?{query}"))
            .await
    }

    // Accounts.

    /// `POST /auth/register` (as "Test User").
    pub async fn register(&self, email: &str, password: &str) -> Reply {
        let body = serde_json::json!({ "email": email, "password": password, "name": "Test User" });
        self.send_json(Method::POST, "/auth/register", &body).await
    }

    /// `POST /auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        let body = serde_json::json!({ "email": email, "password": password });
        self.send_json(Method::POST, "/auth/login", &body).await
    }

    /// `POST /auth/refresh`.
    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        let body = serde_json::json!({ "refresh_token": refresh_token });
        self.send_json(Method::POST, "/auth/refresh", &body).await
    }

    /// `POST /auth/verify-email`.
    pub async fn verify_email(&self, token: &str) -> Reply {
        let body = serde_json::json!({ "token": token });
        self.send_json(Method::POST, "/auth/verify-email", &body)
            .await
    }

    /// `POST /auth/logout` (with the refresh token to revoke, when given).
    pub async fn logout(&self, refresh_token: Option<&str>) -> Reply {
        match refresh_token {
            Some(refresh_token) => {
                let body = serde_json::json!({ "refresh_token": refresh_token });
                self.send_json(Method::POST, "/auth/logout", &body).await
            }
            None => self.send(Method::POST, "/auth/logout").await,
        }
    }

    /// `POST /auth/password-reset`.
    pub async fn request_password_reset(&self, email: &str) -> Reply {
        let body = serde_json::json!({ "email": email });
        self.send_json(Method::POST, "/auth/password-reset", &body)
            .await
    }

    /// `POST /auth/password-reset/confirm`.
    pub async fn confirm_password_reset(&self, token: &str, new_password: &str) -> Reply {
        let body = serde_json::json!({ "token": token, "new_password": new_password });
        self.send_json(Method::POST, "/auth/password-reset/confirm", &body)
            .await
    }

    /// `PUT /admin/users/{user}/role`.
    pub async fn change_role(&self, user: &str, role: &str) -> Reply {
        let body = serde_json::json!({ "role": role });
        self.send_json(Method::PUT, &format!("/admin/users/{user}/role"), &body)
            .await
    }

    /// `GET /admin/users?<query>`.
    pub async fn list_users(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/admin/users?{query}"))
            .await
    }

    /// `GET /me`.
    pub async fn me(&self) -> Reply {
        self.send(Method::GET, "/me").await
    }

    // Contact form.

    /// `POST /contact`.
    pub async fn send_contact_message(&self, form: &crate::contact::ContactForm) -> Reply {
        self.send_json(Method::POST, "/contact", form).await
    }

    /// `GET /admin/messages?<query>`.
    pub async fn contact_messages(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/admin/messages?{query}"))
            .await
    }

    /// `POST /admin/messages/{id}/resolve`, with `note` when given.
    pub async fn resolve_contact_message(&self, id: &str, note: Option<&str>) -> Reply {
        let path = format!("/admin/messages/{id}/resolve");
        match note {
            Some(note) => {
                let body = serde_json::json!({ "note": note });
                self.send_json(Method::POST, &path, &body).await
            }
            None => self.send(Method::POST, &path).await,
        }
    }

    // Profile and account status.

    /// `PATCH /me` {name}.
    pub async fn rename_me(&self, name: &str) -> Reply {
        let body = serde_json::json!({ "name": name });
        self.send_json(Method::PATCH, "/me", &body).await
    }

    /// `POST /me/email` {new_email, password}.
    pub async fn change_email(&self, new_email: &str, password: &str) -> Reply {
        let body = serde_json::json!({ "new_email": new_email, "password": password });
        self.send_json(Method::POST, "/me/email", &body).await
    }

    /// `POST /me/password` {current_password, new_password}.
    pub async fn change_password(&self, current: &str, new_password: &str) -> Reply {
        let body = serde_json::json!({ "current_password": current, "new_password": new_password });
        self.send_json(Method::POST, "/me/password", &body).await
    }

    /// `POST /auth/verify-email/resend`.
    pub async fn resend_verification(&self) -> Reply {
        self.send(Method::POST, "/auth/verify-email/resend").await
    }

    /// `GET /admin/users/{user}`.
    pub async fn get_user(&self, user: &str) -> Reply {
        self.send(Method::GET, &format!("/admin/users/{user}"))
            .await
    }

    /// `POST /admin/users/{user}/deactivate`.
    pub async fn deactivate_user(&self, user: &str) -> Reply {
        self.send(Method::POST, &format!("/admin/users/{user}/deactivate"))
            .await
    }

    /// `POST /admin/users/{user}/reactivate`.
    pub async fn reactivate_user(&self, user: &str) -> Reply {
        self.send(Method::POST, &format!("/admin/users/{user}/reactivate"))
            .await
    }

    // Address book and the caller's carts.

    /// `POST /me/addresses` with `body` (an address, `label`, `is_default`).
    pub async fn add_address(&self, body: &Value) -> Reply {
        self.send_json(Method::POST, "/me/addresses", body).await
    }

    /// `GET /me/addresses?<query>`.
    pub async fn my_addresses(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/me/addresses?{query}"))
            .await
    }

    /// `PATCH /me/addresses/{id}` with `changes`.
    pub async fn update_address(&self, id: &str, changes: &Value) -> Reply {
        self.send_json(Method::PATCH, &format!("/me/addresses/{id}"), changes)
            .await
    }

    /// `DELETE /me/addresses/{id}`.
    pub async fn remove_address(&self, id: &str) -> Reply {
        self.send(Method::DELETE, &format!("/me/addresses/{id}"))
            .await
    }

    /// `PUT /carts/{cart}/shipping-address` with `{"address_id"}`.
    pub async fn set_address_from_book(&self, cart: &str, address_id: &str) -> Reply {
        let body = serde_json::json!({ "address_id": address_id });
        self.send_json(
            Method::PUT,
            &format!("/carts/{cart}/shipping-address"),
            &body,
        )
        .await
    }

    /// `GET /me/carts?<query>`.
    pub async fn my_carts(&self, query: &str) -> Reply {
        self.send(Method::GET, &format!("/me/carts?{query}")).await
    }

    // Guest carts.

    /// This client sending a guest cart's `Cart-Token: token` too.
    pub fn with_cart_token(&self, token: &str) -> Self {
        self.with_header("cart-token", token)
    }

    /// `POST /carts/{cart}/checkout` with `{"email": email}`.
    pub async fn checkout_with_email(&self, cart: &str, email: &str) -> Reply {
        let body = serde_json::json!({ "email": email });
        self.send_json(Method::POST, &format!("/carts/{cart}/checkout"), &body)
            .await
    }

    /// `POST /carts/{cart}/claim` with the guest cart's `token`.
    pub async fn claim_cart(&self, cart: &str, token: &str) -> Reply {
        self.with_cart_token(token)
            .send(Method::POST, &format!("/carts/{cart}/claim"))
            .await
    }
}
