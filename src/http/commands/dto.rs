//! Bodies shared by the command routes: money, the `{id, version}` answer of every command,
//! the responses that build it, and the documented problem responses.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use commerce_aggregates::{Currency, Money};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{IntoParams, IntoResponses, ToSchema};

use crate::http::error::{ApiError, Problem};
use crate::http::extract::{read_object, unsupported_media_type, ApiJson};

/// An amount of money in minor units (cents for USD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyDto {
    /// Amount in minor units of the currency.
    #[schema(example = 1999)]
    pub amount: i64,
    /// ISO-4217 currency code.
    #[schema(
        example = "USD",
        min_length = 3,
        max_length = 3,
        pattern = "^[A-Za-z]{3}$"
    )]
    pub currency: String,
}

impl MoneyDto {
    /// The domain value; an invalid currency is a 422 naming `field`.
    pub fn to_money(&self, field: &str) -> Result<Money, ApiError> {
        let currency = Currency::parse(&self.currency).map_err(|_| {
            ApiError::invalid_field(
                &format!("{field}.currency"),
                "must be the code of a circulating ISO-4217 currency",
            )
        })?;
        Ok(Money::new(self.amount, currency))
    }
}

/// What every command answers: the aggregate's id and its version after the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommandResponse {
    /// The aggregate's id (a UUID, or a coupon's code).
    pub id: String,
    /// The aggregate's version after the command (send it as `If-Match` next time, or as
    /// `min_version` to a query to read your own write).
    pub version: u64,
}

impl CommandResponse {
    /// `{id, version}`.
    pub fn new(id: impl ToString, version: usize) -> Self {
        Self {
            id: id.to_string(),
            version: u64::try_from(version).unwrap_or(u64::MAX),
        }
    }
}

/// 200 with `{id, version}`.
pub fn ok(id: impl ToString, version: usize) -> Response {
    (StatusCode::OK, Json(CommandResponse::new(id, version))).into_response()
}

/// `status` with `{id, version}` and a `Location` header.
pub fn located(
    status: StatusCode,
    location: &str,
    id: impl ToString,
    version: usize,
) -> Result<Response, ApiError> {
    let location = HeaderValue::from_str(location).map_err(ApiError::internal)?;
    let mut response = (status, Json(CommandResponse::new(id, version))).into_response();
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// A command's JSON body: [`ApiJson`] plus one check the database needs, no NUL character
/// in any string (Postgres text cannot hold one), answered as 422 naming the field.
pub struct CommandJson<T>(pub T);

impl<T, S> FromRequest<S> for CommandJson<T>
where
    T: DeserializeOwned + Serialize,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let ApiJson(value) = ApiJson::<T>::from_request(request, state).await?;
        let tree = serde_json::to_value(&value).map_err(ApiError::internal)?;
        match nul_field(&tree, "body") {
            Some(field) => Err(ApiError::invalid_field(
                &field,
                "must not contain NUL characters",
            )),
            None => Ok(Self(value)),
        }
    }
}

/// The path of the first string (or object key) under `value` holding a NUL character.
fn nul_field(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(|| path.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_field(item, &format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let field = if path == "body" {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.contains('\0') {
                Some(field)
            } else {
                nul_field(item, &field)
            }
        }),
        _ => None,
    }
}

/// An optional JSON body: no body at all (and no `Content-Type`) or `null` is `None`;
/// anything else must be valid JSON of `T`, with [`ApiJson`]'s problem documents.
pub struct OptionalJson<T>(pub Option<T>);

impl<T, S> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if request.headers().contains_key(header::CONTENT_TYPE) {
            return read_object(request, state, true).await.map(Self);
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                ApiError::new(rejection.status(), "unreadable_body", rejection.body_text())
            })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            Ok(Self(None))
        } else {
            Err(unsupported_media_type())
        }
    }
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Headers of a command that creates an aggregate.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct CreateHeaders {
    /// Makes the request safe to retry: a repeat with the same key and body returns the first
    /// response and changes nothing (keys are per caller, kept 24 h; 1–255 visible ASCII).
    #[param(
        rename = "Idempotency-Key",
        value_type = String,
        required = false,
        pattern = r"^[!-~]{1,255}$"
    )]
    pub idempotency_key: Option<String>,
}

/// Headers of a command on an existing aggregate.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct CommandHeaders {
    /// Makes the request safe to retry: a repeat with the same key and body returns the first
    /// response and changes nothing (keys are per caller, kept 24 h; 1–255 visible ASCII).
    #[param(
        rename = "Idempotency-Key",
        value_type = String,
        required = false,
        pattern = r"^[!-~]{1,255}$"
    )]
    pub idempotency_key: Option<String>,
    /// The version the caller expects the aggregate to be at (`3` or `"3"`; `*`: any); 412
    /// otherwise.
    #[param(
        rename = "If-Match",
        value_type = String,
        required = false,
        pattern = r#"^(\*|[0-9]{1,18}|"[0-9]{1,18}")$"#
    )]
    pub if_match: Option<String>,
}

/// Builds the problem responses documented for a group of routes.
pub(crate) fn problems(
    statuses: &[(u16, &str)],
) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    statuses
        .iter()
        .map(|(status, description)| {
            let response = ResponseBuilder::new()
                .description(*description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(Problem::name())))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

const BAD_REQUEST: (u16, &str) = (
    400,
    "Malformed JSON, `If-Match` or `Idempotency-Key` (problem)",
);
const UNAUTHORIZED: (u16, &str) = (401, "Missing, invalid or expired access token (problem)");
const FORBIDDEN: (u16, &str) = (403, "The caller's role may not do this (problem)");
const NOT_FOUND: (u16, &str) = (404, "No such resource, or not the caller's (problem)");
const CONFLICT: (u16, &str) = (
    409,
    "Refused by the current state, or the idempotency key is in use (problem)",
);
const PRECONDITION: (u16, &str) = (412, "`If-Match` names another version (problem)");
const TOO_LARGE: (u16, &str) = (413, "The body exceeds the size limit (problem)");
const UNSUPPORTED: (u16, &str) = (415, "The body is not `application/json` (problem)");
const INVALID: (u16, &str) = (
    422,
    "Invalid input, or the idempotency key was used for another request (problem)",
);
const TOO_MANY: (u16, &str) = (429, "Rate limited (problem)");
const UNAVAILABLE: (u16, &str) = (503, "A dependency is down; retry (problem)");

/// The problem responses of a command that creates an aggregate.
pub struct CreateProblems;

impl IntoResponses for CreateProblems {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problems(&[
            BAD_REQUEST,
            UNAUTHORIZED,
            FORBIDDEN,
            CONFLICT,
            TOO_LARGE,
            UNSUPPORTED,
            INVALID,
            TOO_MANY,
            UNAVAILABLE,
        ])
    }
}

/// The problem responses of a command on an existing aggregate.
pub struct CommandProblems;

impl IntoResponses for CommandProblems {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problems(&[
            BAD_REQUEST,
            UNAUTHORIZED,
            FORBIDDEN,
            NOT_FOUND,
            CONFLICT,
            PRECONDITION,
            TOO_LARGE,
            UNSUPPORTED,
            INVALID,
            TOO_MANY,
            UNAVAILABLE,
        ])
    }
}

/// The problem responses of an image upload (a command on an existing product whose body is
/// a `multipart/form-data` form).
pub struct UploadProblems;

impl IntoResponses for UploadProblems {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problems(&[
            (
                400,
                "Malformed form, `If-Match` or `Idempotency-Key` (problem)",
            ),
            UNAUTHORIZED,
            FORBIDDEN,
            (404, "No such product (problem)"),
            (
                409,
                "The product is archived or already shows this image, or the idempotency key \
                 is in use (problem)",
            ),
            PRECONDITION,
            (413, "The image exceeds `MEDIA_MAX_BYTES` (problem)"),
            (415, "The body is not `multipart/form-data` (problem)"),
            (
                422,
                "Not a JPEG, PNG or WebP image, an image that does not decode, too many \
                 images, a missing `file` or an invalid `alt` (problem)",
            ),
            TOO_MANY,
            (
                503,
                "The media store or the event store is down; retry (problem)",
            ),
        ])
    }
}

/// The problem responses of a payment provider's webhook (authenticated by its signature).
pub struct WebhookProblems;

impl IntoResponses for WebhookProblems {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problems(&[
            (400, "Bad or stale signature, malformed JSON (problem)"),
            (404, "No such order (problem)"),
            (409, "The order cannot take this payment (problem)"),
            TOO_LARGE,
            (422, "Not an event of this provider (problem)"),
            UNAVAILABLE,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_with_a_bad_currency_names_the_field() {
        let dto = MoneyDto {
            amount: 100,
            currency: "US".into(),
        };
        let error = dto.to_money("price").expect_err("invalid");
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let money = MoneyDto {
            amount: 100,
            currency: "eur".into(),
        }
        .to_money("price")
        .expect("valid");
        assert_eq!(money.currency.as_str(), "EUR");
    }

    #[test]
    fn nul_characters_are_found_with_their_path() {
        let clean = serde_json::json!({"name": "cup", "tags": ["a"], "options": {"k": "v"}});
        assert_eq!(nul_field(&clean, "body"), None);
        let value = serde_json::json!({"variants": [{"options": {"size": "M\u{0}"}}]});
        assert_eq!(
            nul_field(&value, "body").as_deref(),
            Some("variants[0].options.size")
        );
        let key = serde_json::json!({"options": {"a\u{0}": "v"}});
        assert_eq!(nul_field(&key, "body").as_deref(), Some("options.a\u{0}"));
    }

    #[test]
    fn nullable_tells_null_from_absent() {
        #[derive(Deserialize)]
        struct Patch {
            #[serde(default, deserialize_with = "nullable")]
            field: Option<Option<u32>>,
        }
        let absent: Patch = serde_json::from_str("{}").expect("parses");
        let null: Patch = serde_json::from_str(r#"{"field":null}"#).expect("parses");
        let value: Patch = serde_json::from_str(r#"{"field":3}"#).expect("parses");
        assert_eq!(absent.field, None);
        assert_eq!(null.field, Some(None));
        assert_eq!(value.field, Some(Some(3)));
    }
}
