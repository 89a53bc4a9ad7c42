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

const UNAUTHORIZED: (u16, &str) = (401, "Missing or invalid token");
const INVALID_QUERY: (u16, &str) = (422, "Invalid query parameters");

/// The problem responses of a query any signed-in caller may make: 401 and 422.
pub struct QueryProblems;

impl utoipa::IntoResponses for QueryProblems {
    fn responses(
    ) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        crate::http::commands::dto::problems(&[UNAUTHORIZED, INVALID_QUERY])
    }
}

/// The problem responses of a query only admins and auditors may make: 401, 403 and 422.
pub struct StaffQueryProblems;

impl utoipa::IntoResponses for StaffQueryProblems {
    fn responses(
    ) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        crate::http::commands::dto::problems(&[
            UNAUTHORIZED,
            (403, "Not an admin or auditor"),
            INVALID_QUERY,
        ])
    }
}

/// The problem responses of a query reading one order or what hangs off it (invoice,
/// refunds, returns): 401, 404 (someone else's too), 422, and 503 with `Retry-After` while
/// the read model is behind `min_version`.
pub struct OrderReadProblems;

impl utoipa::IntoResponses for OrderReadProblems {
    fn responses(
    ) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
        let mut responses = crate::http::commands::dto::problems(&[
            UNAUTHORIZED,
            (404, "No such order, or someone else's"),
            INVALID_QUERY,
            (
                503,
                "`read_model_behind`: `min_version` not reached in time",
            ),
        ]);
        if let Some(utoipa::openapi::RefOr::T(behind)) = responses.get_mut("503") {
            let retry_after = utoipa::openapi::header::HeaderBuilder::new()
                .schema(Some(<u32 as utoipa::PartialSchema>::schema()))
                .description(Some("Seconds to wait before retrying"))
                .build();
            behind
                .headers
                .insert("Retry-After".into(), utoipa::openapi::RefOr::T(retry_after));
        }
        responses
    }
}
