//! The OpenAPI document generated from the handlers (`/openapi.json`) and Swagger UI over it
//! (`/docs`, assets compiled into the binary: nothing loads from the internet).

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::error::{FieldError, Problem};
use super::{accounts, commands, events, health, queries, AppState};

/// Operational routes and shared components.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "commerce",
        description = "Event-sourced CQRS commerce engine: command API and query API under \
                       /api/v1. Errors are RFC 9457 problem documents with a stable `code`. \
                       Money is {amount: minor units, currency}.",
    ),
    paths(health::healthz, health::readyz),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
struct Operations;

/// Registers the `bearer_auth` security scheme (access JWT).
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        // A guest cart's token (see `http::guest`).
        components.add_security_scheme(
            "cart_token",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                utoipa::openapi::security::ApiKeyValue::new("Cart-Token"),
            )),
        );
    }
}

/// The whole document: operations plus every API module, nested under `/api/v1`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Operations::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let v1 = {
        let mut v1 = accounts::Api::openapi();
        v1.merge(commands::Api::openapi());
        v1.merge(queries::Api::openapi());
        v1.merge(events::Api::openapi());
        v1.merge(queries::analytics::Api::openapi());
        v1
    };
    let mut doc = doc.nest("/api/v1", v1);
    super::openapi_links::add(&mut doc);
    doc
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/docs").url("/openapi.json", document()))
}

/// Asserts that `doc` holds `$ref`s and that each names a schema of its components: the
/// command and query documents are checked this way.
#[cfg(test)]
pub(crate) fn assert_every_ref_resolves(doc: &serde_json::Value) {
    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("$ref", serde_json::Value::String(target)) => out.push(target.clone()),
                        _ => refs(value, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
            _ => {}
        }
    }
    let mut targets = Vec::new();
    refs(doc, &mut targets);
    assert!(!targets.is_empty());
    for target in targets {
        let name = target
            .strip_prefix("#/components/schemas/")
            .expect("schema reference");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{target} does not resolve"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_has_operations_and_the_bearer_scheme() {
        let doc = document();
        assert!(doc.paths.paths.contains_key("/healthz"));
        assert!(doc.paths.paths.contains_key("/readyz"));
        let schemes = &doc
            .components
            .as_ref()
            .expect("components")
            .security_schemes;
        assert!(schemes.contains_key("bearer_auth"));
    }
}
