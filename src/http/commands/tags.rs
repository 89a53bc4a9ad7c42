//! Tag commands (admins): create, rename, delete, and link a tag to or unlink it from a
//! product (events on the product's stream).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{
    located, ok, CommandHeaders, CommandJson, CommandProblems, CommandResponse, CreateHeaders,
    CreateProblems,
};
use super::preconditions::{Admin, IfMatch};
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, RequestId};
use crate::http::AppState;
use crate::usecases::tags::{self, TagUseCaseError};

/// `POST tags` and `PATCH tags/{slug}`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagRequest {
    /// Display name, 1–50 characters with an ASCII letter or digit; a new tag's slug is
    /// derived from it (`Eco friendly` → `eco-friendly`) and stays when it is renamed.
    #[schema(example = "Eco friendly")]
    pub name: String,
}

impl From<TagUseCaseError> for ApiError {
    fn from(error: TagUseCaseError) -> Self {
        match error {
            TagUseCaseError::Tag(error) => error.into(),
            TagUseCaseError::Product(error) => error.into(),
        }
    }
}

/// Creates a tag.
#[utoipa::path(
    post,
    path = "/tags",
    tag = "tags",
    operation_id = "create_tag",
    request_body = TagRequest, params(CreateHeaders),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the tag", body = CommandResponse,
         headers(("Location" = String, description = "/api/v1/tags/{slug}"))),
        CreateProblems
    )
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    admin: Admin,
    State(state): State<AppState>,
    request_id: RequestId,
    CommandJson(body): CommandJson<TagRequest>,
) -> Result<Response, ApiError> {
    let metadata = admin.0.metadata(&request_id.0);
    let created = tags::create_tag(&state.stores, body.name, &metadata).await?;
    located(
        StatusCode::CREATED,
        &format!("/api/v1/tags/{}", created.slug),
        &created.slug,
        created.version,
    )
}

command_path! {
    patch "/tags/{slug}",
    tag = "tags",
    operation_id = "rename_tag",
    request_body = TagRequest,
    params(("slug" = String, Path, description = "Tag slug")),
    ok = "Renamed";

    /// Renames a tag: every product shows the new name at once (the slug stays).
    #[tracing::instrument(skip_all, fields(slug = %slug))]
    pub async fn rename(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath(slug): ApiPath<String>,
        expected: IfMatch,
        request_id: RequestId,
        CommandJson(body): CommandJson<TagRequest>,
    ) -> Result<Response, ApiError> {
        let metadata = admin.0.metadata(&request_id.0);
        let version = tags::rename_tag(&state.stores, &slug, body.name, expected.0, &metadata).await?;
        Ok(ok(&slug, version))
    }
}

command_path! {
    delete "/tags/{slug}",
    tag = "tags",
    operation_id = "delete_tag",
    params(("slug" = String, Path, description = "Tag slug")),
    ok = "Deleted, and unlinked from every product";

    /// Deletes a tag and unlinks it from every product that has it, in one commit.
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
            tags::delete_tag(&state.stores, &state.pool, &slug, expected.0, &metadata).await?;
        Ok(ok(&slug, version))
    }
}

command_path! {
    put "/products/{id}/tags/{slug}",
    tag = "tags",
    operation_id = "link_tag",
    params(("id" = Uuid, Path, description = "Product id"), ("slug" = String, Path, description = "Tag slug")),
    ok = "Linked (or already linked); the product's version";

    /// Links a created tag to a product; linking it again changes nothing.
    #[tracing::instrument(skip_all, fields(product_id = %id, slug = %slug))]
    pub async fn link(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath((id, slug)): ApiPath<(Uuid, String)>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let metadata = admin.0.metadata(&request_id.0);
        let version = tags::link_tag(&state.stores, id, &slug, expected.0, &metadata).await?;
        Ok(ok(id, version))
    }
}

command_path! {
    delete "/products/{id}/tags/{slug}",
    tag = "tags",
    operation_id = "unlink_tag",
    params(("id" = Uuid, Path, description = "Product id"), ("slug" = String, Path, description = "Tag slug")),
    ok = "Unlinked (or not linked); the product's version";

    /// Unlinks a tag (created or free text) from a product; unlinking it again changes
    /// nothing.
    #[tracing::instrument(skip_all, fields(product_id = %id, slug = %slug))]
    pub async fn unlink(
        admin: Admin,
        State(state): State<AppState>,
        ApiPath((id, slug)): ApiPath<(Uuid, String)>,
        expected: IfMatch,
        request_id: RequestId,
    ) -> Result<Response, ApiError> {
        let metadata = admin.0.metadata(&request_id.0);
        let version = tags::unlink_tag(&state.stores, id, &slug, expected.0, &metadata).await?;
        Ok(ok(id, version))
    }
}
