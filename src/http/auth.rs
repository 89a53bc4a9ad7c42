//! `AuthUser`: the authenticated caller, from an `Authorization: Bearer <access token>`
//! header. A missing, malformed, foreign-key-signed, unsigned, expired or revoked (logged out)
//! token is 401. The account itself is not looked up: the token's claims are trusted until it
//! expires or is revoked.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use commerce_aggregates::Role;
use uuid::Uuid;

use super::error::ApiError;
use super::AppState;
use crate::auth::jwt;
use crate::auth::revocations::RevocationList;
use crate::store::{Actor, CommandMetadata};
use crate::usecases::Caller;

/// The caller of an authenticated route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// User id.
    pub id: Uuid,
    /// Role carried by the token.
    pub role: Role,
    /// The access token's id (revoked on logout).
    pub jti: Uuid,
    /// When the access token expires (Unix seconds).
    pub expires_at: i64,
}

impl AuthUser {
    /// The user as the use cases know a caller: id and role.
    pub fn caller(&self) -> Caller {
        Caller {
            id: self.id,
            role: self.role,
        }
    }

    /// True for admins and auditors, who read everything.
    pub fn reads_everything(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Auditor)
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this action needs the role {}",
                roles
                    .iter()
                    .map(Role::as_str)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
        }
    }

    /// 403 unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        self.require(&[Role::Admin])
    }

    /// The event-metadata actor for this caller.
    pub fn actor(&self) -> Actor {
        Actor::user(self.id, self.role)
    }

    /// Metadata for a command this caller issues in request `request_id`.
    pub fn metadata(&self, request_id: &str) -> CommandMetadata {
        CommandMetadata::new(self.actor(), request_id)
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing `Authorization: Bearer <token>`"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::unauthorized("expected `Authorization: Bearer <token>`"))?;
        let claims = jwt::verify(state.config.jwt_secret.expose(), token.trim())
            .map_err(|_| ApiError::unauthorized("invalid or expired access token"))?;
        // The process's in-memory list when its listener runs (the HTTP role), else Postgres.
        let revocations = parts
            .extensions
            .get::<RevocationList>()
            .cloned()
            .unwrap_or_else(RevocationList::offline);
        if revocations.is_revoked(&state.pool, claims.jti).await? {
            return Err(ApiError::unauthorized("the access token has been revoked"));
        }
        Ok(Self {
            id: claims.sub,
            role: claims.role,
            jti: claims.jti,
            expires_at: claims.exp,
        })
    }
}
