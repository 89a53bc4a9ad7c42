//! Response pieces several query routes share: money, addresses, pages, and decoding the JSON
//! columns of the read models into typed responses.

use commerce_projections::read_models::MoneyView;
use serde::de::DeserializeOwned;

use crate::http::error::ApiError;

/// Money on the wire, shared with the command API (one schema in the OpenAPI document).
pub use crate::http::commands::dto::MoneyDto;

impl From<MoneyView> for MoneyDto {
    fn from(money: MoneyView) -> Self {
        Self {
            amount: money.amount,
            currency: money.currency,
        }
    }
}

/// A postal address, as the read models hold it.
pub use commerce_projections::read_models::AddressView;

/// A JSON column of a read model as the typed value it holds; a value of another shape is a
/// bug in the projection, answered as a 500.
pub fn decode<T: DeserializeOwned>(what: &str, value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value)
        .map_err(|error| ApiError::internal(anyhow::anyhow!("read model {what}: {error}")))
}

/// Declares a page of `$item`s: `{items, total, page, per_page}`.
macro_rules! page_of {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// The items of this page, in the list's order.
            pub items: Vec<$item>,
            /// How many items match, over all pages.
            pub total: i64,
            /// This page's number, from 1.
            pub page: u32,
            /// Items per page.
            pub per_page: u32,
        }

        impl $name {
            /// Converts a read-model page, item by item.
            pub fn try_from_page<T>(
                page: commerce_projections::read_models::Page<T>,
                convert: impl Fn(T) -> Result<$item, crate::http::error::ApiError>,
            ) -> Result<Self, crate::http::error::ApiError> {
                Ok(Self {
                    items: page.items.into_iter().map(convert).collect::<Result<_, _>>()?,
                    total: page.total,
                    page: page.page,
                    per_page: page.per_page,
                })
            }
        }
    };
}
pub(crate) use page_of;
