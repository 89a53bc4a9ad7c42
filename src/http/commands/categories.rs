//! Category commands (admins): create, rename or move, delete. A category is identified by
//! its slug; a product is put in it by giving the slug as the product's `category`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{
    located, nullable, ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse,
    CreateHeaders, CreateProblems,
};
use super::preconditions::{Admin, IfMatch};
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;
use crate::usecases::categories::{self, CreateCategory, UpdateCategory};

/// `POST categories`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// Its identity: 1–64 of `a-z 0-9` in words joined by single dashes.
    #[schema(example = "running-shoes", pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: String,
    /// Display name, 1–100 characters.
    #[schema(example = "Running shoes")]
    pub name: String,
    /// The parent's slug; absent or `null` for a root category.
    #[serde(default)]
    pub parent: Option<String>,
}

/// `PATCH categories/{slug}`: absent fields keep their value; `"parent": null` moves the
/// category to the root.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New parent's slug; `null` moves it to the root.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub parent: Option<Option<String>>,
}

/// Creates a category at the root or under a parent. Creating the slug of an implicit
/// category (free text products already use) adopts it.
#[utoipa::path(
    post,
    path = "/categories",
    tag = "categories",
    operation_id = "create_category",
    request_body = CreateCategoryRequest, params(CreateHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the category", body = CommandResponse,
         headers(("Location" = String, description = "/api/v1/categories/{slug}"))),
        CreateProblems
    )
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    admin: Admin,
    State(state): State<AppState>,
    request_id: RequestId,
    CommandJson(body): CommandJson<CreateCategoryRequest>,
) -> Result<Response, ApiError> {
    let metadata = admin.0.metadata(&request_id.0);
    let slug = body.slug.clone();
    let input = CreateCategory {
        slug: body.slug,
        name: body.name,
        parent: body.parent,
    };
    let version = categories::create_category(&state.stores, input, &metadata).await?;
    located(
        StatusCode::CREATED,
        &format!("/api/v1/categories/{slug}"),
        &slug,
        version,
    )
}

command_path! {
    patch "/categories/{slug}",
    tag = "categories",
    operation_id = "update_category",
    request_body = UpdateCategoryRequest,
    params(("slug" = String, Path, description = "Category slug")),
    ok = "Updated";

    /// Renames a category and/or moves it (with everything below it) under another parent or
    /// to the root. A move under itself or one of its descendants is refused
    /// (409 `category_cycle`).
    #[tracing::instrument(skip_all, fields(slug = %slug))]
    pub async fn update(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(slug): ApiPath<String>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<UpdateCategoryRequest>,
    ) -> Result<Response, ApiError> {
        let metadata = admin.0.metadata(&request_id.0);
        let input = UpdateCategory {
            slug: slug.clone(),
            name: body.name,
            parent: body.parent,
            expected_version: expected.0,
        };
        let version = categories::update_category(&state.stores, input, &metadata).await?;
        Ok(ok(&slug, version))
    }
}

command_path! {
    delete "/categories/{slug}",
    tag = "categories",
    operation_id = "delete_category",
    params(("slug" = String, Path, description = "Category slug")),
    ok = "Deleted";

    /// Deletes an empty category: one with a child category or a product (draft or active)
    /// in it is refused (409 `category_not_empty`).
    #[tracing::instrument(skip_all, fields(slug = %slug))]
    pub async fn delete(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(slug): ApiPath<String>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let metadata = admin.0.metadata(&request_id.0);
        let version =
            categories::delete_category(&state.stores, &state.pool, &slug, expected.0, &metadata)
                .await?;
        Ok(ok(&slug, version))
    }
}
