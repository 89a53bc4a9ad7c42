//! `GET orders/{id}/invoice`: an order's invoice, as JSON (the default) or as a printable HTML
//! page (`Accept: text/html` or `?format=html`). Visible to the order's owner, admins and
//! auditors; anybody else gets 404. Accepts `min_version` like `GET orders/{id}`.
//!
//! The invoice shows the order's own figures (priced once, at checkout), so its totals
//! reconcile exactly: `Σ line totals + shipping = total` and the line discounts sum to the
//! discount.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use commerce_aggregates::{Address, Currency};
use commerce_projections::read_models::orders::{OrderLineView, OrderView, RefundLineView};
use commerce_projections::read_models::stores::{self, StoreView};
use commerce_projections::read_models::MoneyView;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::OrderReadProblems;
use super::orders::readable_order;
use crate::html::escape;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::guest::CartReader;
use crate::http::AppState;

/// The seller named on an invoice whose store the read model does not know (yet).
pub const SELLER_NAME: &str = "Commerce Engine Ltd";

/// How the invoice is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceFormat {
    /// `application/json`.
    Json,
    /// A printable `text/html` page.
    Html,
}

/// Query parameters of the invoice.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    /// Answer only once the read model has applied this version of the order (waits at most
    /// `READ_WAIT_TIMEOUT_MS`, then 503 `read_model_behind`); 0 or absent: no wait.
    #[param(minimum = 0)]
    pub min_version: Option<u64>,
    /// `json` or `html`; overrides the `Accept` header.
    #[param(inline)]
    pub format: Option<InvoiceFormat>,
}

/// An order's invoice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceView {
    /// The invoice number: `INV-` and the first 8 hex digits of the order id, upper-case.
    #[schema(example = "INV-3F2A9C1B")]
    pub number: String,
    /// The invoice date: the day the order was placed (UTC).
    pub issued_on: NaiveDate,
    /// The order invoiced.
    pub order_id: Uuid,
    /// Who sells.
    pub seller: SellerView,
    /// Who buys.
    pub customer: InvoiceCustomer,
    /// The priced lines.
    pub lines: Vec<OrderLineView>,
    /// The order's totals.
    pub totals: InvoiceTotals,
    /// Tax rate in basis points (2000 = 20 %).
    pub tax_rate_bps: i64,
    /// The coupon used.
    pub coupon_code: Option<String>,
    /// The order's status.
    pub status: String,
    /// When the order was placed.
    pub placed_at: DateTime<Utc>,
    /// When it was paid, if it was.
    pub paid_at: Option<DateTime<Utc>>,
    /// One credit note per refund completed, in order.
    pub credit_notes: Vec<CreditNoteView>,
    /// Σ credit notes.
    pub refunded: MoneyView,
    /// What the customer has paid net of refunds (`total − refunded` once paid).
    pub balance: MoneyView,
}

/// A refund, as a credit note against the invoice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditNoteView {
    /// `CN-` and the invoice's digits, then the note's position: `CN-3F2A9C1B-1`.
    #[schema(example = "CN-3F2A9C1B-1")]
    pub number: String,
    /// The day the money was returned (UTC).
    pub issued_on: NaiveDate,
    /// The refund it documents (none for a refund made at the payment provider directly).
    pub refund_id: Option<Uuid>,
    /// The amount credited.
    pub amount: MoneyView,
    /// The units of lines credited (empty for a refund by amount).
    pub lines: Vec<RefundLineView>,
    /// Why.
    pub reason: String,
    /// The payment provider's refund reference.
    pub provider_reference: Option<String>,
}

/// The seller: the store the order was placed in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SellerView {
    /// The store's name.
    pub name: String,
    /// The store's slug.
    pub store: String,
    /// The store's contact address.
    pub contact_email: Option<String>,
}

impl SellerView {
    /// The seller of an order placed in store `slug`, from its row when there is one.
    fn of(slug: String, store: Option<StoreView>) -> Self {
        match store {
            Some(store) => Self {
                name: store.name,
                store: slug,
                contact_email: Some(store.contact_email),
            },
            None => Self {
                name: SELLER_NAME.into(),
                store: slug,
                contact_email: None,
            },
        }
    }
}

/// The buyer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceCustomer {
    /// The customer's id (`null` for a guest).
    pub id: Option<Uuid>,
    /// A guest's email address (`null` for a customer).
    pub email: Option<String>,
    /// Where the order ships.
    pub shipping_address: Address,
}

/// The invoice's totals: `total = subtotal − discount + shipping + tax`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceTotals {
    /// Σ line totals before discount.
    pub subtotal: MoneyView,
    /// The coupon discount (Σ line discounts).
    pub discount: MoneyView,
    /// Shipping (untaxed).
    pub shipping: MoneyView,
    /// Σ line taxes.
    pub tax: MoneyView,
    /// What the customer pays.
    pub total: MoneyView,
}

/// The invoice number of order `id`.
pub fn invoice_number(id: Uuid) -> String {
    let hex = id.simple().to_string();
    format!("INV-{}", hex[..8].to_uppercase())
}

impl InvoiceView {
    /// The invoice of `order`, sold by `store` (its row in the store read model).
    fn new(order: OrderView, store: Option<StoreView>) -> Self {
        let digits = invoice_number(order.id)["INV-".len()..].to_string();
        let credit_notes: Vec<CreditNoteView> = order
            .refunds
            .into_iter()
            .filter(|refund| refund.status == "completed")
            .enumerate()
            .map(|(index, refund)| CreditNoteView {
                number: format!("CN-{digits}-{}", index + 1),
                issued_on: refund
                    .refunded_at
                    .unwrap_or(refund.requested_at)
                    .date_naive(),
                refund_id: refund.refund_id,
                amount: refund.amount,
                lines: refund.lines,
                reason: refund.reason,
                provider_reference: refund.provider_reference,
            })
            .collect();
        let currency = order.total.currency.clone();
        let refunded: i64 = credit_notes.iter().map(|note| note.amount.amount).sum();
        let paid = if order.payment.is_some() {
            order.total.amount
        } else {
            0
        };
        Self {
            number: invoice_number(order.id),
            issued_on: order.placed_at.date_naive(),
            order_id: order.id,
            seller: SellerView::of(order.store, store),
            customer: InvoiceCustomer {
                id: order.customer_id,
                email: order.guest_email,
                shipping_address: order.shipping_address,
            },
            lines: order.lines,
            totals: InvoiceTotals {
                subtotal: order.subtotal,
                discount: order.discount,
                shipping: order.shipping,
                tax: order.tax,
                total: order.total,
            },
            tax_rate_bps: order.tax_rate_bps,
            coupon_code: order.coupon_code,
            status: order.status,
            placed_at: order.placed_at,
            paid_at: order.payment.map(|payment| payment.paid_at),
            credit_notes,
            refunded: MoneyView::new(refunded, currency.clone()),
            balance: MoneyView::new(paid - refunded, currency),
        }
    }
}

/// The invoice of `order` (read from the order read model), with its store as seller: the
/// one document `GET orders/{id}/invoice` and the back office show.
pub async fn invoice_of(pool: &PgPool, order: OrderView) -> Result<InvoiceView, ApiError> {
    let store = stores::get(pool, &order.store).await?;
    Ok(InvoiceView::new(order, store))
}

/// Reads an order's invoice, as JSON or a printable HTML page.
#[utoipa::path(
    get,
    path = "/orders/{id}/invoice",
    operation_id = "get_order_invoice",
    tag = "orders",
    params(("id" = Uuid, Path, description = "The order's id"), InvoiceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The invoice: JSON by default, a printable HTML page for \
          `Accept: text/html` or `?format=html`",
            content((InvoiceView = "application/json"), (String = "text/html"))),
        OrderReadProblems,
    )
)]
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn get(
    State(state): State<AppState>,
    reader: CartReader,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<InvoiceQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let order = readable_order(&state, &reader, id, query.min_version).await?;
    let invoice = invoice_of(&state.pool, order).await?;
    let format = query.format.unwrap_or_else(|| negotiate(&headers));
    Ok(match format {
        InvoiceFormat::Json => Json(invoice).into_response(),
        InvoiceFormat::Html => (
            [(
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            render_html(&invoice),
        )
            .into_response(),
    })
}

/// HTML when the `Accept` header names `text/html` before (or without) `application/json`.
fn negotiate(headers: &HeaderMap) -> InvoiceFormat {
    let accept = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|range| {
            range
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    for range in accept {
        match range.as_str() {
            "text/html" => return InvoiceFormat::Html,
            "application/json" => return InvoiceFormat::Json,
            _ => {}
        }
    }
    InvoiceFormat::Json
}

/// `money` as `12.34 USD`, in the currency's minor-unit digits (`1234 JPY`).
fn money(money: &MoneyView) -> String {
    let amount = match Currency::from_stored(&money.currency) {
        Ok(currency) => currency.format_minor(money.amount),
        Err(_) => money.amount.to_string(),
    };
    format!("{amount} {}", escape(&money.currency))
}

const STYLE: &str =
    "body{font-family:system-ui,sans-serif;color:#111;max-width:52rem;margin:2rem auto;\
padding:0 1rem}h1{font-size:1.6rem;margin:0}header{display:flex;justify-content:space-between;\
gap:2rem;margin-bottom:1.5rem}table{width:100%;border-collapse:collapse;margin:1rem 0}\
th,td{padding:.35rem .5rem;border-bottom:1px solid #ccc;text-align:left}td.n,th.n{text-align:right}\
tfoot td{border:none}tfoot tr.total td{font-weight:bold;border-top:2px solid #111}\
.muted{color:#555}@media print{body{margin:0;max-width:none}a{color:inherit}}";

/// The invoice as a self-contained printable HTML page; every user-supplied text is escaped.
pub fn render_html(invoice: &InvoiceView) -> String {
    let e = escape;
    let address = &invoice.customer.shipping_address;
    let mut html = String::new();
    // Writing to a String cannot fail.
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Invoice {number}</title><style>{STYLE}</style></head><body>\
         <header><div><h1>Invoice {number}</h1><p class=\"muted\">Order {order}<br>\
         Date {date}<br>Status {status}</p></div><div><strong>{seller}</strong>{contact}</div></header>\
         <section><h2>Bill to</h2><p>{name}<br>{line1}<br>{line2}{postal} {city}<br>{country}\
         <br><span class=\"muted\">Customer {customer}</span></p></section>",
        number = e(&invoice.number),
        order = invoice.order_id,
        date = invoice.issued_on,
        status = e(&invoice.status),
        seller = e(&invoice.seller.name),
        contact = invoice
            .seller
            .contact_email
            .as_deref()
            .map(|email| format!("<br>{}", e(email)))
            .unwrap_or_default(),
        name = e(&address.name),
        line1 = e(&address.line1),
        line2 = address
            .line2
            .as_deref()
            .map(|line| format!("{}<br>", e(line)))
            .unwrap_or_default(),
        postal = e(&address.postal_code),
        city = e(&address.city),
        country = e(&address.country),
        customer = match (&invoice.customer.id, &invoice.customer.email) {
            (Some(id), _) => id.to_string(),
            (None, Some(email)) => e(email),
            (None, None) => String::new(),
        },
    );
    html.push_str(
        "<table><thead><tr><th>SKU</th><th>Item</th><th class=\"n\">Qty</th>\
         <th class=\"n\">Unit price</th><th class=\"n\">Amount</th><th class=\"n\">Discount</th>\
         <th class=\"n\">Tax</th><th class=\"n\">Total</th></tr></thead><tbody>",
    );
    for line in &invoice.lines {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            e(&line.sku),
            e(&line.name),
            line.quantity,
            money(&line.unit_price),
            money(&line.line_total),
            money(&line.discount),
            money(&line.tax),
            money(&line.total),
        );
    }
    html.push_str("</tbody><tfoot>");
    let totals = &invoice.totals;
    let discount_label = match &invoice.coupon_code {
        Some(code) => format!("Discount ({})", e(code)),
        None => "Discount".into(),
    };
    let tax_label = format!(
        "Tax ({}.{:02} %)",
        invoice.tax_rate_bps / 100,
        invoice.tax_rate_bps % 100
    );
    for (class, label, amount) in [
        ("", "Subtotal".to_string(), &totals.subtotal),
        ("", discount_label, &totals.discount),
        ("", "Shipping".to_string(), &totals.shipping),
        ("", tax_label, &totals.tax),
        ("total", "Total".to_string(), &totals.total),
    ] {
        let _ = write!(
            html,
            "<tr class=\"{class}\"><td colspan=\"7\" class=\"n\">{label}</td>\
             <td class=\"n\">{}</td></tr>",
            money(amount)
        );
    }
    html.push_str("</tfoot></table>");
    if !invoice.credit_notes.is_empty() {
        html.push_str(
            "<section><h2>Credit notes</h2><table><thead><tr><th>Number</th><th>Date</th>\
             <th>Reason</th><th>Lines</th><th class=\"n\">Amount</th></tr></thead><tbody>",
        );
        for note in &invoice.credit_notes {
            let lines = note
                .lines
                .iter()
                .map(|line| format!("{} × {}", line.quantity, e(&line.sku)))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{lines}</td>\
                 <td class=\"n\">−{}</td></tr>",
                e(&note.number),
                note.issued_on,
                e(&note.reason),
                money(&note.amount),
            );
        }
        let _ = write!(
            html,
            "</tbody><tfoot><tr class=\"total\"><td colspan=\"4\" class=\"n\">Balance \
             after refunds</td><td class=\"n\">{}</td></tr></tfoot></table></section>",
            money(&invoice.balance)
        );
    }
    let paid = match invoice.paid_at {
        Some(at) => format!("Paid on {}", at.format("%Y-%m-%d %H:%M UTC")),
        None => "Not paid yet".into(),
    };
    let _ = write!(
        html,
        "<p class=\"muted\">Placed on {} · {paid}</p></body></html>",
        invoice.placed_at.format("%Y-%m-%d %H:%M UTC")
    );
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_invoices_after_the_order_id() {
        let id = Uuid::parse_str("3f2a9c1b-0000-4000-8000-000000000000").expect("uuid");
        assert_eq!(invoice_number(id), "INV-3F2A9C1B");
    }

    #[test]
    fn prefers_html_only_when_asked_first() {
        let headers = |accept: &str| {
            let mut map = HeaderMap::new();
            map.insert(ACCEPT, HeaderValue::from_str(accept).expect("header"));
            map
        };
        assert_eq!(negotiate(&HeaderMap::new()), InvoiceFormat::Json);
        assert_eq!(
            negotiate(&headers("text/html,application/xhtml+xml,*/*;q=0.8")),
            InvoiceFormat::Html
        );
        assert_eq!(
            negotiate(&headers("application/json, text/html")),
            InvoiceFormat::Json
        );
        assert_eq!(negotiate(&headers("*/*")), InvoiceFormat::Json);
    }

    #[test]
    fn formats_money_in_major_units() {
        let m = |amount| MoneyView {
            amount,
            currency: "USD".into(),
        };
        assert_eq!(money(&m(5625)), "56.25 USD");
        assert_eq!(money(&m(5)), "0.05 USD");
        assert_eq!(money(&m(-120)), "-1.20 USD");
    }
}
