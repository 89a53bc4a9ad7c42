//! `AuthUser`: the authenticated caller, from an `Authorization: Bearer <access token>`
//! header. The account itself is not looked up: the token's claims are trusted until it
//! expires or is revoked (logout, password or role change, deactivation).
//!
//! Every refusal is 401 with an RFC 6750 `WWW-Authenticate` challenge and a code telling the
//! client what to do: `unauthorized` (no bearer token: log in), `token_expired` (refresh),
//! `token_revoked` (the session ended: log in again), `token_invalid` (anything else: malformed,
//! signed with another key or algorithm, claims missing). A token is only called expired or
//! revoked once its signature checked out, and `token_invalid` never says which part of a
//! forged token is wrong. `fresh_token_required` ([`AuthUser::require_fresh`]) asks for a new
//! password login (RFC 9470's `insufficient_user_authentication`).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use commerce_aggregates::Role;
use jsonwebtoken::errors::ErrorKind;
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
    /// The token's claims say a password login issued it at `iat`.
    claims: jwt::Claims,
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

    /// 401 `fresh_token_required` unless the token was issued by a password login at most
    /// `window` ago (`FRESH_TOKEN_SECONDS`): changing the email or the password needs one.
    pub fn require_fresh(&self, window: std::time::Duration) -> Result<(), ApiError> {
        if self.claims.is_fresh(window, chrono::Utc::now().timestamp()) {
            return Ok(());
        }
        Err(ApiError::bearer_challenge(
            "fresh_token_required",
            "insufficient_user_authentication",
            "Log in with your password again to make this change",
            &format!("max_age={}", window.as_secs()),
        ))
    }

    /// Metadata for a command this caller issues in request `request_id`.
    pub fn metadata(&self, request_id: &str) -> CommandMetadata {
        CommandMetadata::new(self.actor(), request_id)
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let no_token = || ApiError::unauthorized("send `Authorization: Bearer <access token>`");
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(no_token)?;
        // Another scheme (Basic…) is no bearer token at all.
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(no_token)?;
        let claims = jwt::verify(state.config.jwt_secret.expose(), token.trim()).map_err(|e| {
            match e.kind() {
                // Reported only after the signature checked out.
                ErrorKind::ExpiredSignature => ApiError::bearer_challenge(
                    "token_expired",
                    "invalid_token",
                    "The access token expired",
                    "",
                ),
                _ => ApiError::bearer_challenge(
                    "token_invalid",
                    "invalid_token",
                    "The access token is invalid",
                    "",
                ),
            }
        })?;
        // The process's in-memory list when its listener runs (the HTTP role), else Postgres.
        let revocations = parts
            .extensions
            .get::<RevocationList>()
            .cloned()
            .unwrap_or_else(RevocationList::offline);
        if revocations.is_revoked(&state.pool, claims.jti).await? {
            return Err(ApiError::bearer_challenge(
                "token_revoked",
                "invalid_token",
                "The access token was revoked",
                "",
            ));
        }
        Ok(Self {
            id: claims.sub,
            role: claims.role,
            jti: claims.jti,
            expires_at: claims.exp,
            claims,
        })
    }
}
