//! Catalogue commands (admins): create a product, change its details, add variants, reprice,
//! adjust stock, publish and archive. SKUs are unique across the catalogue (the use cases
//! `create_product` and `add_variant` claim them).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use commerce_aggregates::product::NewVariant;
use commerce_aggregates::store::DEFAULT_STORE;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{
    located, ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse, CreateHeaders,
    CreateProblems, MoneyDto,
};
use super::preconditions::{Admin, IfMatch};
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;
use crate::usecases::add_variant::{self, AddVariant};
use crate::usecases::create_product::{self, CatalogueError, CreateProduct};
use crate::usecases::product_change::{self, ChangeProduct, ProductChange};

/// A variant of a new product, or one added later.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantRequest {
    /// Stock-keeping unit, unique across the catalogue: 1–64 of `A-Z a-z 0-9 - _ .`.
    #[schema(example = "MUG-WHITE", pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub sku: String,
    /// Option values telling this variant apart (`{"colour": "white"}`).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Unit price, positive, in the product's currency.
    pub price: MoneyDto,
    /// Initial stock on hand.
    #[schema(minimum = 0)]
    pub stock: u32,
}

impl VariantRequest {
    /// The domain's variant; `at` is where the variant sits in the body (`variants[2]`), if
    /// not the body itself, for naming a refused field.
    fn into_variant(self, at: Option<&str>) -> Result<NewVariant, ApiError> {
        let price = at.map_or_else(|| "price".to_owned(), |at| format!("{at}.price"));
        Ok(NewVariant {
            sku: self.sku,
            options: self.options,
            price: self.price.to_money(&price)?,
            stock: self.stock,
        })
    }
}

/// `POST products`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    /// Display name (1–200 characters).
    #[schema(
        example = "Espresso cup",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
    /// Free text (at most 5000 characters).
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    /// Catalogue category (1–100 characters).
    #[schema(example = "kitchen", min_length = 1, max_length = 100, pattern = r"\S")]
    pub category: String,
    /// Search tags (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub tags: Vec<String>,
    /// Image URLs, `http(s)://` (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub images: Vec<String>,
    /// At least one variant, all priced in one currency.
    #[schema(min_items = 1, max_items = 100)]
    pub variants: Vec<VariantRequest>,
    /// Available units at or below which a low-stock alert is raised (default 5).
    #[serde(default)]
    pub low_stock_threshold: Option<u32>,
    /// The store it is sold in (default `default`); the variants are priced in its
    /// currency.
    #[serde(default)]
    #[schema(example = "eu-outlet")]
    pub store: Option<String>,
}

/// `PATCH products/{id}`: the fields given replace the current ones.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductRequest {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// New category.
    #[serde(default)]
    pub category: Option<String>,
    /// New tags (the whole list).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// New images (the whole list).
    #[serde(default)]
    pub images: Option<Vec<String>>,
    /// New low-stock threshold.
    #[serde(default)]
    pub low_stock_threshold: Option<u32>,
}

/// `PUT products/{id}/variants/{sku}/price`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePriceRequest {
    /// The new unit price, positive, in the product's currency.
    pub price: MoneyDto,
}

/// `POST products/{id}/variants/{sku}/stock`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustStockRequest {
    /// Units added (positive) or removed (negative); never zero.
    #[schema(example = 25)]
    pub adjustment: i64,
    /// Why (delivery, stock count, breakage…), 1–500 characters.
    #[schema(example = "delivery from supplier")]
    pub reason: String,
}

/// Runs `change` on product `id` through the use case.
pub(super) async fn execute(
    state: &AppState,
    admin: &Admin,
    request_id: &RequestId,
    id: Uuid,
    change: ProductChange,
    expected: IfMatch,
) -> Result<usize, ApiError> {
    let input = ChangeProduct {
        product_id: id,
        change,
        expected_version: expected.0,
    };
    let metadata = admin.0.metadata(&request_id.0);
    Ok(product_change::change_product(&state.stores, input, &metadata).await?)
}

/// Creates a product (draft) with its variants.
#[utoipa::path(
    post,
    path = "/products",
    tag = "products",
    operation_id = "create_product",
    request_body = CreateProductRequest, params(CreateHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the product",
         body = CommandResponse,
         headers(("Location" = String, description = "/api/v1/products/{id}"))),
        CreateProblems
    )
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    admin: Admin,
    State(state): State<AppState>,
    request_id: RequestId,
    CommandJson(body): CommandJson<CreateProductRequest>,
) -> Result<Response, ApiError> {
    let variants = body
        .variants
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.into_variant(Some(&format!("variants[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    let input = CreateProduct {
        name: body.name,
        description: body.description,
        category: body.category,
        tags: body.tags,
        images: body.images,
        variants,
        low_stock_threshold: body.low_stock_threshold,
        store: body.store.unwrap_or_else(|| DEFAULT_STORE.to_owned()),
    };
    let metadata = admin.0.metadata(&request_id.0);
    let created =
        create_product::create_product(&state.stores, &state.pool, input, &metadata).await?;
    located(
        StatusCode::CREATED,
        &format!("/api/v1/products/{}", created.id),
        created.id,
        created.version,
    )
}

impl From<CatalogueError> for ApiError {
    fn from(error: CatalogueError) -> Self {
        match error {
            CatalogueError::SkuTaken(taken) => {
                ApiError::conflict("duplicate_sku", taken.to_string())
            }
            CatalogueError::Product(error) => error.into(),
            CatalogueError::Store(error) => super::stores::named_store_error(error),
        }
    }
}

command_path! {
    patch "/products/{id}",
    tag = "products",
    operation_id = "update_product",
    request_body = UpdateProductRequest,
    params(("id" = Uuid, Path, description = "Product id")),
    ok = "Updated";

    /// Changes a product's descriptive details.
    #[tracing::instrument(skip_all, fields(product_id = %id))]
    pub async fn update(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<UpdateProductRequest>,
    ) -> Result<Response, ApiError> {
        let change = ProductChange::UpdateDetails {
            name: body.name,
            description: body.description,
            category: body.category,
            tags: body.tags,
            images: body.images,
            low_stock_threshold: body.low_stock_threshold,
        };
        let version = execute(&state, &admin, &request_id, id, change, expected).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    post "/products/{id}/variants",
    tag = "products",
    operation_id = "product_add_variant",
    request_body = VariantRequest,
    params(("id" = Uuid, Path, description = "Product id")),
    ok = "Variant added";

    /// Adds a variant (its SKU must be new to the catalogue).
    #[tracing::instrument(skip_all, fields(product_id = %id))]
    pub async fn add_variant(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<VariantRequest>,
    ) -> Result<Response, ApiError> {
        let input = AddVariant {
            product_id: id,
            variant: body.into_variant(None)?,
            expected_version: expected.0,
        };
        let metadata = admin.0.metadata(&request_id.0);
        let version = add_variant::add_variant(&state.stores, &state.pool, input, &metadata).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    put "/products/{id}/variants/{sku}/price",
    tag = "products",
    operation_id = "product_change_price",
    request_body = ChangePriceRequest,
    params(("id" = Uuid, Path, description = "Product id"), ("sku" = String, Path, description = "Variant SKU")),
    ok = "Repriced";

    /// Changes one variant's unit price.
    #[tracing::instrument(skip_all, fields(product_id = %id, sku = %sku))]
    pub async fn change_price(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath((id, sku)): ApiPath<(Uuid, String)>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<ChangePriceRequest>,
    ) -> Result<Response, ApiError> {
        let price = body.price.to_money("price")?;
        let change = ProductChange::ChangePrice { sku, price };
        let version = execute(&state, &admin, &request_id, id, change, expected).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    post "/products/{id}/variants/{sku}/stock",
    tag = "products",
    operation_id = "product_adjust_stock",
    request_body = AdjustStockRequest,
    params(("id" = Uuid, Path, description = "Product id"), ("sku" = String, Path, description = "Variant SKU")),
    ok = "Stock adjusted";

    /// Corrects one variant's stock on hand.
    #[tracing::instrument(skip_all, fields(product_id = %id, sku = %sku))]
    pub async fn adjust_stock(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath((id, sku)): ApiPath<(Uuid, String)>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<AdjustStockRequest>,
    ) -> Result<Response, ApiError> {
        let change = ProductChange::AdjustStock {
            sku,
            adjustment: body.adjustment,
            reason: body.reason,
        };
        let version = execute(&state, &admin, &request_id, id, change, expected).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    post "/products/{id}/publish",
    tag = "products",
    operation_id = "publish_product",
    params(("id" = Uuid, Path, description = "Product id")),
    ok = "Published";

    /// Puts a draft product on sale.
    #[tracing::instrument(skip_all, fields(product_id = %id))]
    pub async fn publish(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let change = ProductChange::Publish;
        let version = execute(&state, &admin, &request_id, id, change, expected).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    post "/products/{id}/archive",
    tag = "products",
    operation_id = "archive_product",
    params(("id" = Uuid, Path, description = "Product id")),
    ok = "Archived";

    /// Withdraws a product from sale for good.
    #[tracing::instrument(skip_all, fields(product_id = %id))]
    pub async fn archive(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(id): ApiPath<Uuid>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let change = ProductChange::Archive;
        let version = execute(&state, &admin, &request_id, id, change, expected).await?;
        Ok(ok(id, version))
    }
}
