//! Response pieces several query routes share: money, addresses and pages.

/// Money as the command API takes it, for the responses built here rather than read from a
/// view (the analytics figures).
pub use crate::http::commands::dto::MoneyDto;

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
