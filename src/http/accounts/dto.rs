//! Request and response bodies of the account routes. Requests refuse unknown fields; none of
//! them derives `Debug`, so a password or token cannot end up in a log by accident.

use chrono::{DateTime, Utc};
use commerce_aggregates::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use commerce_projections::read_models::MoneyView;

use crate::auth::accounts::Account;
use crate::auth::sessions::TokenPair;

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// A shopper.
    Customer,
    /// A shopper with a paid membership.
    Prime,
    /// Manages the catalogue, coupons, shipping and refunds.
    Admin,
    /// Reads everything, changes nothing.
    Auditor,
}

impl From<RoleDto> for Role {
    fn from(role: RoleDto) -> Self {
        match role {
            RoleDto::Customer => Role::Customer,
            RoleDto::Prime => Role::Prime,
            RoleDto::Admin => Role::Admin,
            RoleDto::Auditor => Role::Auditor,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(role: Role) -> Self {
        match role {
            Role::Customer => RoleDto::Customer,
            Role::Prime => RoleDto::Prime,
            Role::Admin => RoleDto::Admin,
            Role::Auditor => RoleDto::Auditor,
        }
    }
}

/// `POST auth/register`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Email address (case-insensitive, unique).
    #[schema(example = "ada@example.com", format = "email")]
    pub email: String,
    /// Password: 10 to 128 characters, at least 5 different ones, not a common password, not
    /// containing the email's name or the display name.
    #[schema(example = "correct horse battery staple")]
    pub password: String,
    /// Display name (1 to 100 characters).
    #[schema(example = "Ada Lovelace")]
    pub name: String,
}

/// `POST auth/login`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST auth/refresh`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the last login or refresh (it is rotated: use each once).
    pub refresh_token: String,
}

/// `POST auth/logout` (the body is optional).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The session's refresh token; without it, the session the access token belongs to ends.
    pub refresh_token: Option<String>,
}

/// `POST auth/verify-email`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The token from the verification email.
    pub token: String,
}

/// `POST auth/password-reset`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's email address.
    pub email: String,
}

/// `POST auth/password-reset/confirm`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The token from the password-reset email.
    pub token: String,
    /// The new password (same policy as at registration).
    pub new_password: String,
}

/// `PUT admin/users/{id}/role`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The new role.
    pub role: RoleDto,
}

/// An access token and a refresh token.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Access JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque refresh token (single use: each refresh returns a new one).
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
}

impl From<TokenPair> for TokenResponse {
    fn from(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "Bearer".into(),
            expires_in: pair.expires_in,
        }
    }
}

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    /// User id.
    pub id: Uuid,
    /// Email address (lower-case).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: RoleDto,
    /// Whether the email address has been verified.
    pub email_verified: bool,
    /// `active`, or `deactivated` (by an admin: no login until reactivated).
    #[schema(example = "active")]
    pub status: String,
    /// The address the user asked to move to, until confirmed from there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_email: Option<String>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<Account> for AccountView {
    fn from(account: Account) -> Self {
        Self {
            id: account.id,
            email: account.email,
            name: account.name,
            role: account.role.into(),
            email_verified: account.email_verified,
            status: if account.active {
                "active"
            } else {
                "deactivated"
            }
            .into(),
            pending_email: account.pending_email,
            created_at: account.created_at,
        }
    }
}

/// `PATCH me`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameChange {
    /// The new display name (1 to 100 characters).
    #[schema(example = "Ada King")]
    pub name: String,
}

/// `POST me/email`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailChange {
    /// The address to move to; it becomes the account's once confirmed from there.
    #[schema(example = "ada@lovelace.example", format = "email")]
    pub new_email: String,
    /// The account's current password.
    pub password: String,
}

/// `POST me/password`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The account's current password.
    pub current_password: String,
    /// The new password (same policy as at registration, and not the current one).
    pub new_password: String,
}

/// `GET admin/users/{id}`: an account and its orders in figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDetails {
    /// The account.
    #[serde(flatten)]
    pub account: AccountView,
    /// Orders the user placed, whatever became of them (from the orders read model).
    pub order_count: i64,
    /// Per currency: what the user's paid orders took, less refunds.
    pub amount_spent: Vec<MoneyView>,
}

/// A page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    /// The accounts of this page, oldest first.
    pub items: Vec<AccountView>,
    /// How many accounts match in all pages.
    pub total: i64,
    /// This page's number, from 1.
    pub page: u32,
    /// Accounts per page.
    pub per_page: u32,
}

/// Filters and page of `GET admin/users`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Accounts per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
    /// Only accounts with this role.
    pub role: Option<RoleDto>,
    /// Only accounts whose email or name contains this (case-insensitive).
    pub q: Option<String>,
}
