//! Extractors whose rejections are problem documents: malformed JSON is 400, a wrong
//! content type 415, an oversized body 413 (refused while reading, before parsing), a body
//! that is not a JSON object, wrong types, missing or unknown fields 422; a malformed path
//! parameter is 404 (no such resource can exist) and a malformed query string 422.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON request body: an object, read into `T`.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_object(request, state, false).await.map(Self)
    }
}

/// Reads a JSON body sent as JSON into `T` with [`parse_object`]'s rules.
pub(crate) async fn read_object<T, S>(
    request: Request,
    state: &S,
    null_allowed: bool,
) -> Result<T, ApiError>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    let bytes = read_json_bytes(request, state).await?;
    parse_object(&bytes, null_allowed)
}

/// The body of a request sent as JSON.
async fn read_json_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    if !json_content_type(request.headers()) {
        return Err(unsupported_media_type());
    }
    let ApiBytes(bytes) = ApiBytes::from_request(request, state).await?;
    Ok(bytes)
}

/// Parses `bytes` as `T`, which must come from a JSON object (or `null` when `null_allowed`):
/// every body this API takes is an object (but [`ApiJsonArray`]'s), and serde would otherwise
/// read a struct from an array of its fields in order. JSON that is not well formed is a 400
/// whatever it holds; any other refusal is a 422. A body is parsed once; only a refused one
/// is scanned again, to tell broken JSON (the typed parse may stop at a wrong field before
/// the broken end) from JSON of the wrong shape.
pub(crate) fn parse_object<T: DeserializeOwned>(
    bytes: &[u8],
    null_allowed: bool,
) -> Result<T, ApiError> {
    parse_shaped(
        bytes,
        |first| first == b'{' || (null_allowed && first == b'n'),
        "must be a JSON object",
    )
}

/// Parses `bytes` as `T` from a JSON array, with [`parse_object`]'s statuses.
pub(crate) fn parse_array<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    parse_shaped(bytes, |first| first == b'[', "must be a JSON array")
}

/// Parses `bytes` as `T` when their first non-blank byte passes `shape_allowed`; otherwise a
/// 422 saying what the body `must` be (or 400 when it is not JSON at all).
fn parse_shaped<T: DeserializeOwned>(
    bytes: &[u8],
    shape_allowed: impl Fn(u8) -> bool,
    must: &str,
) -> Result<T, ApiError> {
    let malformed = |bytes: &[u8]| {
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
            .err()
            .map(|error| ApiError::bad_request("malformed_json", error.to_string()))
    };
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    if !first.is_some_and(shape_allowed) {
        return Err(malformed(bytes).unwrap_or_else(|| ApiError::invalid_field("body", must)));
    }
    axum::Json::<T>::from_bytes(bytes)
        .map(|axum::Json(value)| value)
        .map_err(|rejection| malformed(bytes).unwrap_or_else(|| json_rejection(rejection)))
}

/// A JSON request body that is an array, read into `T` (a list of ids, say).
pub struct ApiJsonArray<T>(pub T);

impl<T, S> FromRequest<S> for ApiJsonArray<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = read_json_bytes(request, state).await?;
        parse_array(&bytes).map(Self)
    }
}

/// `Content-Type: application/json`, or another `application/…+json` type, parameters aside.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || subtype.to_ascii_lowercase().ends_with("+json"))
}

/// The 415 problem of a body that is not sent as JSON.
pub fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send the body as JSON with `Content-Type: application/json`",
    )
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            let detail = e.body_text();
            let message = detail
                .split_once(": ")
                .map_or(detail.as_str(), |(_, rest)| rest)
                .to_string();
            let field = message
                .split_once(": ")
                .map_or("body".to_string(), |(path, _)| path.to_string());
            ApiError::validation(
                "the request body does not match the expected shape",
                vec![super::error::FieldError { field, message }],
            )
        }
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request("malformed_json", e.body_text()),
        JsonRejection::MissingJsonContentType(_) => unsupported_media_type(),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            payload_too_large()
        }
        other => ApiError::bad_request("unreadable_body", other.body_text()),
    }
}

/// The 413 problem of a body over `MAX_BODY_BYTES`.
pub fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the request body exceeds the size limit",
    )
}

/// A raw request body, read within the body limit: too large is 413, unreadable 400.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(Self(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(payload_too_large())
            }
            Err(rejection) => Err(ApiError::bad_request(
                "unreadable_body",
                rejection.body_text(),
            )),
        }
    }
}

/// Path parameters.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no such resource: {}", e.body_text()),
            )),
            Err(other) => Err(ApiError::internal(anyhow::anyhow!(other.body_text()))),
        }
    }
}

/// Query-string parameters.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::validation(
                "invalid query parameters",
                vec![super::error::FieldError {
                    field: "query".into(),
                    message: e.body_text(),
                }],
            )),
            Err(other) => Err(ApiError::bad_request("invalid_query", other.body_text())),
        }
    }
}

/// The request id (`x-request-id`, set by the request-id layer when the client sent none).
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let id = parts
            .headers
            .get(super::REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        Ok(Self(id))
    }
}
