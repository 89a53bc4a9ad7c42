//! What a load saw: every command answered 2xx (with its request id) and every one that
//! was not.

use std::time::Instant;

/// One command answered 2xx.
#[derive(Debug, Clone)]
pub struct Ack {
    /// The `X-Request-Id` it was sent with.
    pub request_id: String,
    /// The route, e.g. `POST carts/{id}/checkout`.
    pub route: &'static str,
    /// The status.
    pub status: u16,
    /// The id it created or acted on (cart or order).
    pub id: Option<String>,
    /// When the answer came.
    pub at: Instant,
    /// True for a checkout sent again after an earlier attempt got no answer: when that
    /// attempt had already placed the order, this one appends nothing (by design).
    pub retry: bool,
}

/// One command not answered 2xx.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The route.
    pub route: &'static str,
    /// The status; 0 for a connection error or timeout.
    pub status: u16,
    /// The problem document's `code`, if any.
    pub code: Option<String>,
    /// When it failed.
    pub at: Instant,
}

/// Everything the load saw.
#[derive(Debug, Default, Clone)]
pub struct Record {
    /// Commands answered 2xx.
    pub acks: Vec<Ack>,
    /// Commands not answered 2xx.
    pub failures: Vec<Failure>,
}

impl Record {
    /// Acknowledged commands of `route`.
    pub fn count(&self, route: &str) -> usize {
        self.acks.iter().filter(|a| a.route == route).count()
    }

    /// Failures counted by `route status code` (status 0: no answer).
    pub fn failure_summary(&self) -> std::collections::BTreeMap<String, usize> {
        let mut summary = std::collections::BTreeMap::new();
        for f in &self.failures {
            let code = f.code.as_deref().unwrap_or("-");
            *summary
                .entry(format!("{} {} {code}", f.route, f.status))
                .or_insert(0) += 1;
        }
        summary
    }
}

/// Route names.
pub mod route {
    /// `POST carts`.
    pub const CREATE_CART: &str = "POST carts";
    /// `POST carts/{id}/items`.
    pub const ADD_ITEM: &str = "POST carts/{id}/items";
    /// `PUT carts/{id}/shipping-address`.
    pub const ADDRESS: &str = "PUT carts/{id}/shipping-address";
    /// `PUT carts/{id}/coupon`.
    pub const COUPON: &str = "PUT carts/{id}/coupon";
    /// `POST carts/{id}/checkout`.
    pub const CHECKOUT: &str = "POST carts/{id}/checkout";
    /// `POST orders/{id}/pay`.
    pub const PAY: &str = "POST orders/{id}/pay";
    /// `POST orders/{id}/cancel`.
    pub const CANCEL: &str = "POST orders/{id}/cancel";
}
