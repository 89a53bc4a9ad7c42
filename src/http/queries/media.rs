//! `GET media/{key}`: an uploaded image's bytes, public. An object never changes once stored
//! (its key is the hash of its bytes), so it may be cached for good (`immutable`), and its
//! entity tag is that hash: a matching `If-None-Match` is answered 304 without reading the
//! store.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::http::error::{ApiError, Problem};
use crate::http::extract::ApiPath;
use crate::http::AppState;
use crate::media::MediaKey;

/// How long clients and caches may keep an image: a year, never revalidated.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

/// Whether an `If-None-Match` header lists `etag` (weak comparison, `*` matches anything).
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// Serves the stored image `key`.
#[utoipa::path(
    get,
    path = "/media/{key}",
    operation_id = "get_media",
    tag = "catalog",
    params(
        ("key" = String, Path, description = "`<sha-256 hex>.<jpg|png|webp>`, from a product's image URL"),
        ("If-None-Match" = Option<String>, Header, description = "An entity tag received before: 304 when it is this image's"),
    ),
    security(()),
    responses(
        (status = 200, description = "The image's bytes",
            content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/webp")),
            headers(
                ("ETag" = String, description = "`\"<sha-256 hex>\"` of the bytes"),
                ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"),
            )),
        (status = 304, description = "The client's copy (`If-None-Match`) is this image",
            headers(
                ("ETag" = String, description = "`\"<sha-256 hex>\"` of the bytes"),
                ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"),
            )),
        (status = 404, description = "No such image", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The media store is down; retry", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))),
    )
)]
#[tracing::instrument(skip_all, fields(key = %key))]
pub async fn get(
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = MediaKey::parse(&key).ok_or_else(|| ApiError::not_found("image"))?;
    let etag = HeaderValue::from_str(&key.etag()).map_err(ApiError::internal)?;
    let cache = HeaderValue::from_static(CACHE_FOREVER);
    if none_match(&headers, &key.etag()) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    let stored = state.media.get(&key).await.map_err(|error| {
        tracing::warn!(%error, "media store unavailable");
        ApiError::unavailable("the media store is unavailable", 2)
    })?;
    let stored = stored.ok_or_else(|| ApiError::not_found("image"))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(key.content_type().content_type()),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(stored.size)),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        Body::from_stream(stored.bytes),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(value).expect("header"),
            );
        }
        headers
    }

    #[test]
    fn if_none_match_compares_weakly_and_lists() {
        let etag = "\"abc\"";
        assert!(none_match(&with(&["\"abc\""]), etag));
        assert!(none_match(&with(&["W/\"abc\""]), etag));
        assert!(none_match(&with(&["\"x\", \"abc\""]), etag));
        assert!(none_match(&with(&["\"x\"", "\"abc\""]), etag));
        assert!(none_match(&with(&["*"]), etag));
        assert!(!none_match(&with(&["\"abcd\""]), etag));
        assert!(!none_match(&with(&[]), etag));
    }
}
