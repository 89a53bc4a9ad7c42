//! The query API: read-only routes over the read models (catalog, categories and tags, carts,
//! orders, coupons, inventory health) with filters, search, sorting, pagination and ownership
//! rules.
//!
//! - Products, categories and tags are public; drafts and archived products are visible to
//!   admins and auditors only. Uploaded images (`GET media/{key}`) are public.
//! - Carts and orders are visible to their owner, admins and auditors; anybody else gets 404.
//! - Coupons and inventory health are back-office lists (admins and auditors; others 403),
//!   except `GET coupons/mine`, the coupons the signed-in caller can use now.
//! - The email log (`GET admin/emails`) is for admins and auditors, without bodies.
//! - Every route reading one aggregate accepts `min_version` and waits (bounded by
//!   `READ_WAIT_TIMEOUT_MS`) for the read model to reach it: see [`wait`].
//! - Malformed or out-of-range query parameters are 422 problems; unknown parameters are
//!   ignored (browsers and proxies add their own).

pub mod analytics;
pub(crate) mod audit;
mod carts;
mod contact;
pub(crate) mod coupons;
mod dto;
pub(crate) mod emails;
mod inventory;
pub(crate) mod invoice;
mod media;
mod mine;
pub mod order_as_of;
pub(crate) mod order_views;
pub(crate) mod orders;
pub(crate) mod params;
pub mod product_cache;
pub(crate) mod products;
mod returns;
pub mod search_index;
mod stores;
mod taxonomy;
pub(crate) mod wait;

use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;

use super::error::{FieldError, Problem};
use super::AppState;

/// The routes of the query API, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/products", get(products::search))
        .route("/products/{id}", get(products::get))
        .route("/media/{key}", get(media::get))
        .route("/carts/{id}", get(carts::get))
        .route("/orders", get(orders::list))
        .route("/orders/{id}", get(orders::get))
        .route("/orders/{id}/invoice", get(invoice::get))
        .route("/orders/{id}/refunds", get(orders::refunds))
        .route("/orders/{id}/returns", get(returns::of_order))
        .route("/returns", get(returns::list))
        .route("/orders/{id}/history", get(audit::history))
        .route("/admin/audit/verify", get(audit::verify))
        .route("/coupons", get(coupons::list))
        .route("/coupons/mine", get(coupons::mine))
        .route("/coupons/{code}", get(coupons::get))
        .route("/stores", get(stores::list))
        .route("/stores/{slug}", get(stores::get))
        .route("/admin/inventory/health", get(inventory::health))
        .route("/admin/emails", get(emails::list))
        .route("/admin/messages", get(contact::list))
        .route("/categories", get(taxonomy::tree))
        .route("/categories/{slug}", get(taxonomy::get))
        .route("/tags", get(taxonomy::tags))
        .route("/me/addresses", get(mine::addresses))
        .route("/me/carts", get(mine::carts))
        .merge(analytics::routes())
}

/// The OpenAPI description of the query API.
#[derive(OpenApi)]
#[openapi(
    paths(
        products::search,
        products::get,
        media::get,
        carts::get,
        orders::list,
        orders::get,
        orders::refunds,
        returns::of_order,
        returns::list,
        invoice::get,
        coupons::list,
        coupons::mine,
        coupons::get,
        stores::list,
        stores::get,
        inventory::health,
        emails::list,
        taxonomy::tree,
        taxonomy::get,
        taxonomy::tags,
        audit::history,
        audit::verify,
        contact::list,
        mine::addresses,
        mine::carts,
    ),
    components(schemas(
        Problem,
        FieldError,
        dto::MoneyDto,
        commerce_aggregates::Address,
        commerce_projections::read_models::MoneyView,
        commerce_projections::read_models::carts::CartView,
        commerce_projections::read_models::carts::CartLineView,
        commerce_projections::read_models::catalog::ProductView,
        commerce_projections::read_models::catalog::VariantView,
        commerce_projections::read_models::catalog::TaxonRef,
        commerce_projections::read_models::taxonomy::CategoryNode,
        commerce_projections::read_models::taxonomy::TagView,
        taxonomy::TagPage,
        commerce_projections::read_models::catalog::ImageView,
        products::ProductPage,
        commerce_projections::read_models::orders::OrderView,
        order_views::OrderDetail,
        commerce_projections::read_models::orders::OrderLineView,
        commerce_projections::read_models::orders::PaymentView,
        commerce_projections::read_models::orders::ShipmentView,
        commerce_projections::read_models::orders::RejectionView,
        commerce_projections::read_models::orders::TimelineEntry,
        commerce_projections::read_models::orders::RefundView,
        commerce_projections::read_models::orders::RefundLineView,
        order_views::OrderPage,
        invoice::InvoiceView,
        invoice::SellerView,
        invoice::InvoiceCustomer,
        invoice::InvoiceTotals,
        invoice::CreditNoteView,
        invoice::InvoiceFormat,
        commerce_projections::read_models::coupons::CouponView,
        commerce_projections::read_models::coupons::DiscountView,
        coupons::CouponPage,
        commerce_projections::read_models::stores::StoreView,
        stores::StorePage,
        commerce_projections::read_models::inventory::InventoryView,
        inventory::InventoryPage,
        emails::EmailStatus,
        emails::EmailView,
        emails::EmailPage,
        audit::OrderHistory,
        audit::HistoryEvent,
        audit::ActorView,
        crate::audit::verify::VerifyReport,
        crate::audit::verify::Finding,
        crate::audit::verify::FindingKind,
        crate::audit::verify::ChainHead,
        commerce_projections::read_models::contact_messages::ContactMessageView,
        contact::ContactMessagePage,
        mine::AddressPage,
        crate::http::commands::addresses::AddressView,
        mine::CartSummaryPage,
        commerce_projections::read_models::carts::CartSummary,
        carts::CartWithPricing,
        carts::PricingView,
        carts::CouponStatusView,
    )),
    tags(
        (name = "catalog", description = "Product search, product pages, categories and tags"),
        (name = "carts", description = "Reading carts"),
        (name = "orders", description = "Reading orders and their timelines"),
        (name = "coupons", description = "Reading coupons"),
        (name = "stores", description = "Stores (sales channels)"),
        (name = "back office", description = "Inventory health and the email log"),
        (name = "audit", description = "Order history from the event store and the hash-chain verification"),
        (name = "contact", description = "Contact-form messages (admins)"),
    )
)]
pub struct Api;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_route_and_resolves_every_schema() {
        let doc = serde_json::to_value(Api::openapi()).expect("document serialises");
        for path in [
            "/products",
            "/products/{id}",
            "/media/{key}",
            "/carts/{id}",
            "/orders",
            "/orders/{id}",
            "/orders/{id}/invoice",
            "/coupons",
            "/coupons/mine",
            "/coupons/{code}",
            "/admin/inventory/health",
            "/admin/emails",
            "/orders/{id}/history",
            "/admin/audit/verify",
            "/categories",
            "/categories/{slug}",
            "/tags",
            "/me/addresses",
            "/me/carts",
        ] {
            assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
        }
        crate::http::openapi::assert_every_ref_resolves(&doc);
        let detail = &doc["components"]["schemas"]["OrderDetail"];
        assert!(detail.to_string().contains("timeline"), "{detail}");
        let invoice = &doc["paths"]["/orders/{id}/invoice"]["get"]["responses"]["200"]["content"];
        assert!(invoice["application/json"].is_object(), "{invoice}");
        assert!(invoice["text/html"].is_object(), "{invoice}");
    }
}
