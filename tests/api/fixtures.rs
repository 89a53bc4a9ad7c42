//! Shared test fixtures: the values and set-up helpers several modules need (money, a
//! shipping address, a free port), defined once.

use std::net::TcpListener;

use commerce_aggregates::{Address, Currency, Money};
use serde_json::{json, Value};

/// `minor` cents of US dollars.
pub fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("valid currency"))
}

/// `amount` cents of US dollars as the API writes money: `{"amount", "currency"}`.
pub fn usd_json(amount: i64) -> Value {
    json!({"amount": amount, "currency": "USD"})
}

/// A complete shipping address.
pub fn address() -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "12 St James's Square".into(),
        line2: None,
        city: "London".into(),
        postal_code: "SW1Y 4JH".into(),
        country: "GB".into(),
    }
}

/// [`address`] as a JSON body, for the tests that alter it into something the API refuses.
pub fn address_json() -> Value {
    serde_json::to_value(address()).expect("an address serializes")
}

/// A loopback TCP port nobody listens on (for servers the tests start themselves).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}
