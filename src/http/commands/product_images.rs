//! A product's uploaded images (admins): upload one (`multipart/form-data`), remove one, put
//! them in a new order. The bytes are served by the query API's `GET media/{key}`.

use axum::body::Bytes;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use commerce_aggregates::product::MAX_ALT_LEN;
use commerce_projections::read_models::catalog::media_url;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{ok, CommandHeaders, CommandProblems, CommandResponse, UploadProblems};
use super::preconditions::{Admin, IfMatch};
use super::products::execute;
use crate::http::error::ApiError;
use crate::http::extract::{payload_too_large, ApiJsonArray, ApiPath, RequestId};
use crate::http::AppState;
use crate::usecases::add_image::{self, AddImage, AddImageError};
use crate::usecases::product_change::ProductChange;

/// `POST products/{id}/images`: the form's fields (documentation of the multipart body).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImageUploadForm {
    /// The image: JPEG, PNG or WebP (read from the bytes, whatever the file's name or type),
    /// at most `MEDIA_MAX_BYTES`.
    #[schema(content_media_type = "application/octet-stream")]
    file: Vec<u8>,
    /// Text alternative for screen readers (at most 500 characters).
    #[schema(max_length = 500)]
    alt: Option<String>,
}

/// The answer to an upload: the image as the product now shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UploadedImage {
    /// The image's id on the product (for `DELETE` and `PUT products/{id}/images`).
    pub id: Uuid,
    /// Where it is served (relative to the API's origin): `/api/v1/media/{key}`.
    #[schema(
        example = "/api/v1/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.png"
    )]
    pub url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `image/jpeg`, `image/png` or `image/webp`, as decoded.
    #[schema(example = "image/png")]
    pub content_type: String,
    /// Size of the file in bytes.
    pub byte_size: u64,
    /// The text alternative, trimmed; absent when none was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
    /// The product.
    pub product_id: Uuid,
    /// The product's version after the upload (`If-Match`, `min_version`).
    pub version: u64,
}

/// `PUT products/{id}/images`: every uploaded image's id, each once, in the new order.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[schema(example = json!([
    "0f5e3c9a-7b1d-4c2e-9a8f-3d6b1e2c4a5f",
    "7c2d9e4b-1a3f-4e6d-8b5c-2f9a7e1d3c6b"
]))]
pub struct ImageOrderRequest(pub Vec<Uuid>);

/// The multipart form of an upload, read within `MEDIA_MAX_BYTES`.
pub struct ImageUpload {
    /// The file's bytes.
    pub file: Bytes,
    /// The `alt` field, when sent.
    pub alt: Option<String>,
}

/// Longest `alt` field read, in bytes: enough for [`MAX_ALT_LEN`] characters of any script.
const ALT_MAX_BYTES: usize = 4 * MAX_ALT_LEN;

impl FromRequest<AppState> for ImageUpload {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let mut form = Multipart::from_request(request, state)
            .await
            .map_err(|rejection| match rejection {
                MultipartRejection::InvalidBoundary(_) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the image as `multipart/form-data` with a `file` field",
                ),
                other => ApiError::bad_request("malformed_multipart", other.body_text()),
            })?;
        let max = state.media.max_bytes();
        let (mut file, mut alt) = (None, None);
        while let Some(field) = form.next_field().await.map_err(multipart_error)? {
            let name = field.name().unwrap_or_default().to_string();
            match name.as_str() {
                "file" if file.is_none() => {
                    let bytes = read_field(field, max).await?.ok_or_else(|| {
                        ApiError::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "payload_too_large",
                            format!("the image exceeds MEDIA_MAX_BYTES ({max} bytes)"),
                        )
                    })?;
                    file = Some(Bytes::from(bytes));
                }
                "alt" if alt.is_none() => alt = Some(alt_text(field).await?),
                "file" | "alt" => return Err(ApiError::invalid_field(&name, "sent twice")),
                _ => return Err(ApiError::invalid_field(&name, "unknown field")),
            }
        }
        let file = file.ok_or_else(|| ApiError::invalid_field("file", "is required"))?;
        Ok(Self { file, alt })
    }
}

/// A field's bytes, `None` when there are more than `max`.
pub(crate) async fn read_field(
    mut field: Field<'_>,
    max: usize,
) -> Result<Option<Vec<u8>>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > max {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// The `alt` field as text: UTF-8, no NUL (Postgres text cannot hold one), bounded.
pub(crate) async fn alt_text(field: Field<'_>) -> Result<String, ApiError> {
    let too_long = || ApiError::invalid_field("alt", format!("at most {MAX_ALT_LEN} characters"));
    let bytes = read_field(field, ALT_MAX_BYTES)
        .await?
        .ok_or_else(too_long)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| ApiError::invalid_field("alt", "must be UTF-8 text"))?;
    if text.contains('\0') {
        return Err(ApiError::invalid_field(
            "alt",
            "must not contain NUL characters",
        ));
    }
    Ok(text)
}

/// A body cut off at the route's limit is 413; anything else unreadable is 400.
fn multipart_error(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        payload_too_large()
    } else {
        ApiError::bad_request("malformed_multipart", error.body_text())
    }
}

impl From<AddImageError> for ApiError {
    fn from(error: AddImageError) -> Self {
        match error {
            AddImageError::Image(rejection) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                rejection.code(),
                rejection.to_string(),
            ),
            AddImageError::Store(error) => {
                tracing::warn!(%error, "media store unavailable");
                ApiError::unavailable("the media store is unavailable", 2)
            }
            AddImageError::Product(error) => error.into(),
            unexpected @ AddImageError::Unexpected(_) => ApiError::internal(unexpected),
        }
    }
}

/// Uploads an image to a product; it is shown after the product's other images.
#[utoipa::path(
    post,
    path = "/products/{id}/images",
    tag = "products",
    operation_id = "product_upload_image",
    request_body(content = inline(ImageUploadForm), content_type = "multipart/form-data"),
    params(("id" = Uuid, Path, description = "Product id"), CommandHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Stored and recorded; `Location` serves the bytes",
         body = UploadedImage,
         headers(("Location" = String, description = "/api/v1/media/{key}"))),
        UploadProblems
    )
)]
#[tracing::instrument(skip_all, fields(product_id = %id))]
pub async fn upload(
    admin: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    expected: IfMatch,
    request_id: RequestId,
    form: ImageUpload,
) -> Result<Response, ApiError> {
    let input = AddImage {
        product_id: id,
        bytes: form.file,
        alt: form.alt,
        expected_version: expected.0,
    };
    let metadata = admin.0.metadata(&request_id.0);
    let added = add_image::add_image(&state.stores, &state.media, input, &metadata).await?;
    let image = added.image;
    let url = media_url(&image.key);
    let body = UploadedImage {
        id: image.image_id,
        url: url.clone(),
        width: image.width,
        height: image.height,
        content_type: image.content_type.content_type().to_string(),
        byte_size: image.byte_size,
        alt: image.alt,
        product_id: id,
        version: u64::try_from(added.version).unwrap_or(u64::MAX),
    };
    let location = HeaderValue::from_str(&url).map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

command_path! {
    delete "/products/{id}/images/{image_id}",
    tag = "products",
    operation_id = "product_remove_image",
    params(("id" = Uuid, Path, description = "Product id"), ("image_id" = Uuid, Path, description = "Image id")),
    ok = "Removed (its bytes stay in the media store)";

    /// Takes an uploaded image off a product.
    #[tracing::instrument(skip_all, fields(product_id = %id, image_id = %image_id))]
    pub async fn remove(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath((id, image_id)): ApiPath<(Uuid, Uuid)>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let change = ProductChange::RemoveImage { image_id };
        let version = execute(&state, &admin, &request_id, id, change, expected).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    put "/products/{id}/images",
    tag = "products",
    operation_id = "product_reorder_images",
    request_body = ImageOrderRequest,
    params(("id" = Uuid, Path, description = "Product id")),
    ok = "Reordered (or already in this order)";

    /// Puts a product's uploaded images in a new order: every one of their ids, each once.
    #[tracing::instrument(skip_all, fields(product_id = %id))]
    pub async fn reorder(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        ApiJsonArray(ImageOrderRequest(image_ids)): ApiJsonArray<ImageOrderRequest>,
    ) -> Result<Response, ApiError> {
        let change = ProductChange::ReorderImages { image_ids };
        let version = execute(&state, &admin, &request_id, id, change, expected).await?;
        Ok(ok(id, version))
    }
}
