//! The command API: every command of the aggregates over HTTP.
//!
//! Admins manage the catalogue and coupons and ship, deliver and refund orders; customers
//! own their carts and orders (someone else's is a 404); auditors write nothing (403).
//! Every route accepts `Idempotency-Key` ([`crate::http::idempotency`]), every route on an existing
//! aggregate `If-Match: <version>` ([`preconditions`]), and every success answers
//! `{id, version}` ([`dto::CommandResponse`]). Bodies are checked strictly (unknown fields,
//! wrong types and out-of-range values are 422, malformed JSON 400) before anything is
//! written.

/// Wraps the handler of a command on an existing aggregate in its `#[utoipa::path]`: the
/// path parameters followed by [`dto::CommandHeaders`], bearer auth, and a 200 with
/// `{id, version}` described as `ok`, then any further `responses`, then
/// [`dto::CommandProblems`]. Every such route documents the same headers, security and problems,
/// so they are written here once.
macro_rules! command_path {
    (
        $method:ident $path:literal,
        tag = $tag:literal,
        operation_id = $operation_id:literal,
        $(request_body = $body:ident,)?
        params($($param:tt),+),
        ok = $ok:literal $(, responses($($response:tt),+))?;
        $handler:item
    ) => {
        #[utoipa::path(
            $method,
            path = $path,
            tag = $tag,
            operation_id = $operation_id,
            $(request_body = $body,)?
            params($($param,)+ CommandHeaders),
            security(("bearer_auth" = [])),
            responses(
                (status = 200, description = $ok, body = CommandResponse),
                $($($response,)+)?
                CommandProblems
            )
        )]
        $handler
    };
}

pub mod addresses;
pub mod cart_details;
pub mod carts;
pub mod categories;
pub mod checkout;
pub mod claim;
pub mod contact;
pub mod coupons;
pub mod dto;
pub mod orders;
pub mod payments;
pub mod preconditions;
pub mod product_images;
pub mod products;
pub mod refunds;
pub mod returns;
pub mod stores;
pub mod tags;

use axum::routing::{post, put};
use axum::Router;
use utoipa::OpenApi;

use super::error::{FieldError, Problem};
use super::idempotency::{idempotent, idempotent_upload};
use super::AppState;

/// The routes of this module, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        // Catalogue.
        .route("/products", post(idempotent(products::create)))
        .route(
            "/products/{id}",
            axum::routing::patch(idempotent(products::update)),
        )
        .route(
            "/products/{id}/variants",
            post(idempotent(products::add_variant)),
        )
        .route(
            "/products/{id}/variants/{sku}/price",
            put(idempotent(products::change_price)),
        )
        .route(
            "/products/{id}/variants/{sku}/stock",
            post(idempotent(products::adjust_stock)),
        )
        .route(
            "/products/{id}/publish",
            post(idempotent(products::publish)),
        )
        .route(
            "/products/{id}/archive",
            post(idempotent(products::archive)),
        )
        .route(
            "/products/{id}/images",
            put(idempotent(product_images::reorder)),
        )
        .route(
            "/products/{id}/images/{image_id}",
            axum::routing::delete(idempotent(product_images::remove)),
        )
        // Carts.
        .route("/carts", post(idempotent(carts::create)))
        .route("/carts/{id}/items", post(idempotent(carts::add_item)))
        .route(
            "/carts/{id}/items/{sku}",
            put(idempotent(carts::change_quantity)).delete(idempotent(carts::remove_item)),
        )
        .route(
            "/carts/{id}/coupon",
            put(idempotent(cart_details::apply_coupon))
                .delete(idempotent(cart_details::remove_coupon)),
        )
        .route(
            "/carts/{id}/shipping-address",
            put(idempotent(cart_details::set_shipping_address)),
        )
        .route("/carts/{id}/checkout", post(idempotent(checkout::checkout)))
        .route("/carts/{id}/claim", post(idempotent(claim::claim)))
        // Orders.
        .route("/orders/{id}/pay", post(idempotent(orders::pay)))
        .route("/orders/{id}/ship", post(idempotent(orders::ship)))
        .route("/orders/{id}/deliver", post(idempotent(orders::deliver)))
        .route("/orders/{id}/cancel", post(idempotent(orders::cancel)))
        .route(
            "/orders/{id}/refund",
            post(idempotent(refunds::refund_rest)),
        )
        .route("/orders/{id}/refunds", post(idempotent(refunds::create)))
        // Returns.
        .route("/orders/{id}/returns", post(idempotent(returns::request)))
        .route("/returns/{id}/approve", post(idempotent(returns::approve)))
        .route("/returns/{id}/reject", post(idempotent(returns::reject)))
        .route("/returns/{id}/receive", post(idempotent(returns::receive)))
        // Payment provider webhooks: authenticated by signature, idempotent per event id.
        .route("/payments/webhook", post(payments::webhook))
        .route("/payments/stripe/webhook", post(payments::stripe_webhook))
        // Coupons.
        .route("/coupons", post(idempotent(coupons::create)))
        .route(
            "/coupons/{code}",
            axum::routing::patch(idempotent(coupons::update)),
        )
        .route(
            "/coupons/{code}/deactivate",
            post(idempotent(coupons::deactivate)),
        )
        // Stores.
        .route("/stores", post(idempotent(stores::create)))
        .route(
            "/stores/{slug}",
            axum::routing::patch(idempotent(stores::update)),
        )
        // Categories and tags.
        .route("/categories", post(idempotent(categories::create)))
        .route(
            "/categories/{slug}",
            axum::routing::patch(idempotent(categories::update))
                .delete(idempotent(categories::delete)),
        )
        .route("/tags", post(idempotent(tags::create)))
        .route(
            "/tags/{slug}",
            axum::routing::patch(idempotent(tags::rename)).delete(idempotent(tags::delete)),
        )
        .route(
            "/products/{id}/tags/{slug}",
            put(idempotent(tags::link)).delete(idempotent(tags::unlink)),
        )
        // The contact form (anyone; throttled) and its messages (admins).
        .route("/contact", post(contact::send))
        .route(
            "/admin/messages/{id}/resolve",
            post(idempotent(contact::resolve)),
        )
        // The caller's address book.
        .route("/me/addresses", post(idempotent(addresses::add)))
        .route(
            "/me/addresses/{id}",
            axum::routing::patch(idempotent(addresses::update))
                .delete(idempotent(addresses::remove)),
        )
}

/// The routes taking an image upload, relative to `/api/v1`: their bodies may be as large as
/// `MEDIA_MAX_BYTES` allows, so they are bounded apart from the others
/// ([`crate::http::limits::bounded`]).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/products/{id}/images",
        post(idempotent_upload(product_images::upload)),
    )
}

/// The OpenAPI description of this module's routes.
#[derive(OpenApi)]
#[openapi(
    paths(
        products::create,
        products::update,
        products::add_variant,
        products::change_price,
        products::adjust_stock,
        products::publish,
        products::archive,
        product_images::upload,
        product_images::remove,
        product_images::reorder,
        carts::create,
        carts::add_item,
        carts::change_quantity,
        carts::remove_item,
        cart_details::apply_coupon,
        cart_details::remove_coupon,
        cart_details::set_shipping_address,
        checkout::checkout,
        claim::claim,
        orders::pay,
        orders::ship,
        orders::deliver,
        orders::cancel,
        refunds::refund_rest,
        refunds::create,
        returns::request,
        returns::approve,
        returns::reject,
        returns::receive,
        payments::webhook,
        payments::stripe_webhook,
        coupons::create,
        coupons::update,
        coupons::deactivate,
        stores::create,
        stores::update,
        categories::create,
        categories::update,
        categories::delete,
        tags::create,
        tags::rename,
        tags::delete,
        tags::link,
        tags::unlink,
        contact::send,
        contact::resolve,
        addresses::add,
        addresses::update,
        addresses::remove,
    ),
    components(schemas(
        dto::CommandResponse,
        checkout::CheckoutResponse,
        checkout::CheckoutRequest,
        claim::ClaimResponse,
        carts::GuestCartResponse,
        dto::MoneyDto,
        products::CreateProductRequest,
        products::UpdateProductRequest,
        products::VariantRequest,
        products::ChangePriceRequest,
        products::AdjustStockRequest,
        product_images::UploadedImage,
        product_images::ImageOrderRequest,
        carts::CreateCartRequest,
        carts::AddItemRequest,
        carts::ChangeQuantityRequest,
        cart_details::ApplyCouponRequest,
        commerce_aggregates::Address,
        orders::PayRequest,
        orders::ShipRequest,
        orders::ReasonRequest,
        payments::WebhookEvent,
        payments::WebhookPayment,
        payments::WebhookResponse,
        coupons::DiscountDto,
        coupons::CreateCouponRequest,
        coupons::UpdateCouponRequest,
        stores::CreateStoreRequest,
        stores::UpdateStoreRequest,
        categories::CreateCategoryRequest,
        categories::UpdateCategoryRequest,
        tags::TagRequest,
        contact::ContactRequest,
        contact::ResolveMessageRequest,
        cart_details::ShippingAddressRequest,
        cart_details::AddressIdRequest,
        addresses::NewAddressRequest,
        commerce_aggregates::address_book::EntryEdit,
        addresses::AddressView,
        Problem,
        FieldError,
    )),
    tags(
        (name = "products", description = "Catalogue commands (admins)"),
        (name = "carts", description = "Cart commands and checkout (the owning customer)"),
        (name = "orders", description = "Order lifecycle commands"),
        (name = "coupons", description = "Coupon commands (admins)"),
        (name = "stores", description = "Store commands (admins)"),
        (name = "categories", description = "The category tree (admins)"),
        (name = "tags", description = "Tags, and linking them to products (admins)"),
        (name = "contact", description = "The contact form (anyone) and its messages (admins)"),
    )
)]
pub struct Api;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_command_and_resolves_every_schema() {
        let doc = serde_json::to_value(Api::openapi()).expect("document serialises");
        let routes = [
            ("/products", "post"),
            ("/products/{id}", "patch"),
            ("/products/{id}/variants", "post"),
            ("/products/{id}/variants/{sku}/price", "put"),
            ("/products/{id}/variants/{sku}/stock", "post"),
            ("/products/{id}/publish", "post"),
            ("/products/{id}/archive", "post"),
            ("/products/{id}/images", "post"),
            ("/products/{id}/images", "put"),
            ("/products/{id}/images/{image_id}", "delete"),
            ("/carts", "post"),
            ("/carts/{id}/items", "post"),
            ("/carts/{id}/items/{sku}", "put"),
            ("/carts/{id}/items/{sku}", "delete"),
            ("/carts/{id}/coupon", "put"),
            ("/carts/{id}/coupon", "delete"),
            ("/carts/{id}/shipping-address", "put"),
            ("/carts/{id}/checkout", "post"),
            ("/orders/{id}/pay", "post"),
            ("/orders/{id}/ship", "post"),
            ("/orders/{id}/deliver", "post"),
            ("/orders/{id}/cancel", "post"),
            ("/orders/{id}/refund", "post"),
            ("/coupons", "post"),
            ("/coupons/{code}", "patch"),
            ("/coupons/{code}/deactivate", "post"),
            ("/me/addresses", "post"),
            ("/me/addresses/{id}", "patch"),
            ("/me/addresses/{id}", "delete"),
        ];
        for (path, method) in routes {
            let operation = &doc["paths"][path][method];
            assert!(operation.is_object(), "{method} {path} missing");
            let params = operation["parameters"].to_string();
            assert!(
                params.contains("Idempotency-Key"),
                "{method} {path}: {params}"
            );
            let problem = &operation["responses"]["422"]["content"]["application/problem+json"];
            assert!(
                problem.is_object(),
                "{method} {path} documents no 422 problem"
            );
        }
        let upload = &doc["paths"]["/products/{id}/images"]["post"];
        let form = &upload["requestBody"]["content"]["multipart/form-data"]["schema"];
        assert!(form["properties"]["file"].is_object(), "{upload}");
        assert_eq!(form["required"], serde_json::json!(["file"]), "{upload}");
        assert!(upload["responses"]["201"]["headers"]["Location"].is_object());
        assert!(upload["responses"]["413"].is_object());
        crate::http::openapi::assert_every_ref_resolves(&doc);
    }
}
