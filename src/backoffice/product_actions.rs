//! What admins do on a product's page: edit its details, add a variant, reprice a variant,
//! adjust a variant's stock (with a reason), publish, archive, upload, remove and reorder
//! images. Each form
//! posts the version its page showed (`If-Match`: a stale page is a 412) and runs the same
//! use case as the JSON API's route; the answer is the product's page once the catalog shows
//! the new version (post/redirect/get).

use crate::backoffice::extract::PageForm;
use crate::backoffice::extract::PagePath;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::fields::{no_version, optional_count, version};
use super::product_forms::{parse_list, parse_price, VariantForm};
use super::{PageError, Staff};
use crate::http::commands::product_images::{alt_text, read_field};
use crate::http::error::ApiError;
use crate::http::extract::RequestId;
use crate::http::AppState;
use crate::usecases::add_image::{self, AddImage};
use crate::usecases::add_variant::{self, AddVariant};
use crate::usecases::product_change::{self, ChangeProduct, ProductChange};

/// Post/redirect/get: the product's page once its read model shows `version`.
fn back_to(id: Uuid, version: usize) -> Response {
    Redirect::to(&format!("/admin/products/{id}?v={version}")).into_response()
}

/// Runs `change` on product `id` at `version` as `staff` (an admin).
async fn change(
    state: &AppState,
    staff: &Staff,
    request_id: &RequestId,
    id: Uuid,
    version: usize,
    change: ProductChange,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = ChangeProduct {
        product_id: id,
        change,
        expected_version: Some(version),
    };
    let version = product_change::change_product(&state.stores, input, &staff.metadata(request_id))
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id, version))
}

/// The edit-details form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailsForm {
    version: String,
    name: String,
    description: String,
    category: String,
    tags: String,
    images: String,
    low_stock_threshold: String,
}

/// `POST /admin/products/{id}/details`: as `PATCH products/{id}` with every field.
pub async fn update(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<DetailsForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let images = form
        .images
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    let details = ProductChange::UpdateDetails {
        name: Some(form.name),
        description: Some(form.description),
        category: Some(form.category),
        tags: Some(parse_list(&form.tags)),
        images: Some(images),
        low_stock_threshold: optional_count(&form.low_stock_threshold, "the low-stock threshold")?,
    };
    let version = version(&form.version)?;
    change(&state, &staff, &request_id, id, version, details).await
}

/// The add-variant form.
#[derive(Deserialize)]
pub struct AddVariantForm {
    #[serde(default)]
    version: String,
    #[serde(flatten)]
    variant: VariantForm,
}

/// `POST /admin/products/{id}/variants`: as `POST products/{id}/variants`.
pub async fn add_variant(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<AddVariantForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let input = AddVariant {
        product_id: id,
        variant: form.variant.to_variant()?,
        expected_version: Some(version(&form.version)?),
    };
    let metadata = staff.metadata(&request_id);
    let version = add_variant::add_variant(&state.stores, &state.pool, input, &metadata)
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id, version))
}

/// A variant's reprice form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PriceForm {
    version: String,
    sku: String,
    price: String,
    currency: String,
}

/// `POST /admin/products/{id}/price`: as `PUT products/{id}/variants/{sku}/price`.
pub async fn change_price(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<PriceForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let reprice = ProductChange::ChangePrice {
        price: parse_price(&form.price, &form.currency)?,
        sku: form.sku,
    };
    let version = version(&form.version)?;
    change(&state, &staff, &request_id, id, version, reprice).await
}

/// A variant's stock-adjustment form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StockForm {
    version: String,
    sku: String,
    adjustment: String,
    reason: String,
}

/// `POST /admin/products/{id}/stock`: as `POST products/{id}/variants/{sku}/stock` (the
/// product refuses a blank reason or a zero adjustment).
pub async fn adjust_stock(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<StockForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let adjustment = form.adjustment.trim().parse().map_err(|_| {
        PageError::bad_request("the adjustment must be a whole number of units, e.g. 25 or -3")
    })?;
    let adjust = ProductChange::AdjustStock {
        sku: form.sku,
        adjustment,
        reason: form.reason,
    };
    let version = version(&form.version)?;
    change(&state, &staff, &request_id, id, version, adjust).await
}

/// The forms that post only the version.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VersionForm {
    version: String,
}

/// `POST /admin/products/{id}/publish`: as `POST products/{id}/publish`.
pub async fn publish(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<VersionForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let version = version(&form.version)?;
    change(
        &state,
        &staff,
        &request_id,
        id,
        version,
        ProductChange::Publish,
    )
    .await
}

/// `POST /admin/products/{id}/archive`: as `POST products/{id}/archive`.
pub async fn archive(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<VersionForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let version = version(&form.version)?;
    change(
        &state,
        &staff,
        &request_id,
        id,
        version,
        ProductChange::Archive,
    )
    .await
}

/// The remove-an-image form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemoveImageForm {
    version: String,
    image_id: String,
}

/// `POST /admin/products/{id}/images/remove`: as `DELETE products/{id}/images/{image_id}`.
pub async fn remove_image(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<RemoveImageForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let image_id = Uuid::parse_str(form.image_id.trim())
        .map_err(|_| PageError::bad_request("the image to remove is not named"))?;
    let version = version(&form.version)?;
    let remove = ProductChange::RemoveImage { image_id };
    change(&state, &staff, &request_id, id, version, remove).await
}

/// The move-an-image-earlier form: every uploaded image's id in the new order.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReorderForm {
    version: String,
    /// Comma-separated ids.
    order: String,
}

/// `POST /admin/products/{id}/images/order`: as `PUT products/{id}/images`.
pub async fn reorder_images(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    PageForm(form): PageForm<ReorderForm>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let image_ids = form
        .order
        .split(',')
        .map(|image| Uuid::parse_str(image.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| PageError::bad_request("the new order names an image wrongly"))?;
    let version = version(&form.version)?;
    let reorder = ProductChange::ReorderImages { image_ids };
    change(&state, &staff, &request_id, id, version, reorder).await
}

/// `POST /admin/products/{id}/images` (multipart: `csrf`, `version`, `file`, `alt`): as
/// `POST products/{id}/images`, within the same size limit.
pub async fn upload_image(
    State(state): State<AppState>,
    staff: Staff,
    PagePath(id): PagePath<Uuid>,
    request_id: RequestId,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    staff.require_admin()?;
    let mut form = form.map_err(|_| {
        PageError::bad_request("send the image in the page's upload form (multipart/form-data)")
    })?;
    let malformed = |_| PageError::bad_request("the upload form could not be read");
    let (mut file, mut alt, mut expected) = (None, None, None);
    while let Some(field) = form.next_field().await.map_err(malformed)? {
        match field.name().unwrap_or_default() {
            "file" => {
                let max = state.media.max_bytes();
                let bytes = read_field(field, max)
                    .await?
                    .ok_or_else(|| PageError::Api(crate::http::extract::payload_too_large()))?;
                file = Some(bytes);
            }
            "alt" => alt = Some(alt_text(field).await?).filter(|alt| !alt.trim().is_empty()),
            "version" => expected = Some(version(&field.text().await.map_err(malformed)?)?),
            // `csrf` was checked by the guard.
            _ => {}
        }
    }
    let file = file
        .filter(|bytes| !bytes.is_empty())
        .ok_or_else(|| PageError::bad_request("choose an image file to upload"))?;
    let input = AddImage {
        product_id: id,
        bytes: file.into(),
        alt,
        expected_version: Some(expected.ok_or_else(no_version)?),
    };
    let metadata = staff.metadata(&request_id);
    let added = add_image::add_image(&state.stores, &state.media, input, &metadata)
        .await
        .map_err(ApiError::from)?;
    Ok(back_to(id, added.version))
}
