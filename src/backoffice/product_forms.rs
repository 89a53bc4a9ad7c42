//! The product forms' shared fields and how their text is read: a new variant's fields, a
//! price typed as `12.50`, comma-separated lists and options. Only what a form's text means
//! is checked here; every rule about the values is the product's own (the use cases).

use std::collections::BTreeMap;

use commerce_aggregates::product::NewVariant;
use commerce_aggregates::Money;
use maud::{html, Markup};
use serde::Deserialize;

use super::{fields, PageError};

/// The fields of a new variant (SKU, options, price, currency, stock); the currency is a
/// hidden field when the product's is known.
pub fn variant_fields(currency: Option<&str>) -> Markup {
    html! {
        label for="sku" { "SKU" }
        input id="sku" name="sku" required maxlength="64" pattern="[A-Za-z0-9._\\-]{1,64}";
        label for="options" { "Options (name=value, comma-separated, e.g. colour=white, size=M)" }
        input id="options" name="options" maxlength="2000";
        label for="price" { "Price (e.g. 12.50)" }
        input id="price" name="price" required inputmode="decimal";
        @match currency {
            Some(currency) => input type="hidden" name="currency" value=(currency);,
            None => {
                label for="currency" { "Currency (the store's)" }
                input id="currency" name="currency" required value="USD" maxlength="3";
            }
        }
        label for="stock" { "Stock on hand" }
        input id="stock" name="stock" type="number" min="0" required value="0";
    }
}

/// A new variant's fields as posted.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VariantForm {
    sku: String,
    options: String,
    price: String,
    currency: String,
    stock: String,
}

impl VariantForm {
    /// The domain's variant, or a 400 naming the field that cannot be read (the product
    /// decides everything else).
    pub fn to_variant(&self) -> Result<NewVariant, PageError> {
        Ok(NewVariant {
            sku: self.sku.trim().to_owned(),
            options: parse_options(&self.options)?,
            price: parse_price(&self.price, &self.currency)?,
            stock: self
                .stock
                .trim()
                .parse()
                .map_err(|_| PageError::bad_request("the stock must be a whole number from 0"))?,
        })
    }
}

/// `colour=white, size=M` as option name → value.
fn parse_options(text: &str) -> Result<BTreeMap<String, String>, PageError> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').ok_or_else(|| {
                PageError::bad_request("write each option as name=value, separated by commas")
            })?;
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// A price typed as `12.50` in `currency`.
pub fn parse_price(amount: &str, currency: &str) -> Result<Money, PageError> {
    fields::amount(amount, fields::currency(currency)?, "the price")
}

/// `a, b, c` as a list, blanks dropped.
pub fn parse_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}
