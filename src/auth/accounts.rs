//! Users: registration, lookup, listing, role and name changes.
//! Every change that matters to someone else is an [`AccountEvent`] appended in the same
//! transaction.

use chrono::{DateTime, Utc};
use commerce_aggregates::common::is_email_address;
use commerce_aggregates::Role;
use commerce_projections::read_models::{Page, PageRequest};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgExecutor, PgPool, Row};
use uuid::Uuid;

use super::events::{self, AccountEvent};
use super::{password, sessions, AuthError, Violation};
use crate::store::{Actor, CommandMetadata};

/// Longest accepted email address.
pub const MAX_EMAIL_LENGTH: usize = commerce_aggregates::common::MAX_EMAIL_LEN;
/// Longest accepted display name, in characters.
pub const MAX_NAME_LENGTH: usize = 100;

/// A user account (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// User id.
    pub id: Uuid,
    /// Normalised (trimmed, lower-case) email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Whether the email has been verified.
    pub email_verified: bool,
    /// False while an admin has the account deactivated.
    pub active: bool,
    /// The address the user asked to move to, until they confirm it from there.
    pub pending_email: Option<String>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// The columns [`Account::from_row`] reads.
pub(crate) const COLUMNS: &str =
    "id, email, name, role, email_verified_at, deactivated_at, pending_email, created_at";

impl Account {
    pub(crate) fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        let role: String = row.try_get("role")?;
        let verified_at: Option<DateTime<Utc>> = row.try_get("email_verified_at")?;
        let deactivated_at: Option<DateTime<Utc>> = row.try_get("deactivated_at")?;
        Ok(Self {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: Role::parse(&role).ok_or_else(|| sqlx::Error::ColumnDecode {
                index: "role".into(),
                source: format!("unknown role '{role}'").into(),
            })?,
            email_verified: verified_at.is_some(),
            active: deactivated_at.is_none(),
            pending_email: row.try_get("pending_email")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// The form emails are stored and compared in: trimmed, lower-case.
pub fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Violations of a (normalised) email address, reported on `field`.
pub fn check_email(field: &str, email: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    if email.len() > MAX_EMAIL_LENGTH {
        violations.push(Violation::new(
            field,
            format!("must be at most {MAX_EMAIL_LENGTH} characters long"),
        ));
    } else if !is_email_address(email) {
        violations.push(Violation::new(
            field,
            "must be an email address like name@example.com",
        ));
    }
    violations
}

/// Violations of a display name.
pub fn check_name(name: &str) -> Vec<Violation> {
    let trimmed = name.trim();
    let mut violations = Vec::new();
    if trimmed.is_empty() {
        violations.push(Violation::new("name", "must not be empty"));
    }
    if trimmed.chars().count() > MAX_NAME_LENGTH {
        violations.push(Violation::new(
            "name",
            format!("must be at most {MAX_NAME_LENGTH} characters long"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        violations.push(Violation::new(
            "name",
            "must not contain control characters",
        ));
    }
    violations
}

/// What a new account is made of.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Email (normalised here).
    pub email: String,
    /// Password in clear (checked against the policy, then hashed).
    pub password: String,
    /// Display name (trimmed here).
    pub name: String,
}

/// Creates a customer account with an unverified email, and appends `AccountRegistered` and
/// `EmailVerificationRequested` in the same transaction. Nothing is written when a field is
/// invalid ([`AuthError::Invalid`]) or the email is taken ([`AuthError::EmailTaken`]).
pub async fn register(
    pool: &PgPool,
    registration: Registration,
    request_id: &str,
) -> Result<Account, AuthError> {
    let email = normalize_email(&registration.email);
    let name = registration.name.trim().to_string();
    let mut violations = check_email("email", &email);
    violations.extend(check_name(&name));
    violations.extend(password::check(
        "password",
        &registration.password,
        &email,
        &name,
    ));
    if !violations.is_empty() {
        return Err(AuthError::Invalid(violations));
    }
    if email_exists(pool, &email).await? {
        return Err(AuthError::EmailTaken);
    }
    let hash = password::hash(registration.password).await?;
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let Some(account) = insert(&mut tx, id, &email, &name, &hash, Role::Customer, false).await?
    else {
        return Err(AuthError::EmailTaken);
    };
    let metadata = CommandMetadata::new(Actor::user(id, Role::Customer), request_id);
    events::append(
        &mut tx,
        id,
        &[
            AccountEvent::AccountRegistered {
                user_id: id,
                email: email.clone(),
                name,
                role: Role::Customer,
                email_verified: false,
            },
            AccountEvent::EmailVerificationRequested { user_id: id, email },
        ],
        &metadata,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = %id, "account registered");
    Ok(account)
}

async fn email_exists(pool: &PgPool, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
        .bind(email)
        .fetch_one(pool)
        .await
}

/// Inserts a user; `None` when the email is taken.
pub(crate) async fn insert(
    tx: &mut PgConnection,
    id: Uuid,
    email: &str,
    name: &str,
    hash: &str,
    role: Role,
    verified: bool,
) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "INSERT INTO users (id, email, name, password_hash, role, email_verified_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END)
         ON CONFLICT (email) DO NOTHING
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(email)
    .bind(name)
    .bind(hash)
    .bind(role.as_str())
    .bind(verified)
    .fetch_optional(&mut *tx)
    .await?;
    row.as_ref().map(Account::from_row).transpose()
}

/// The account `id`, if it exists.
pub async fn find<'e>(
    executor: impl PgExecutor<'e>,
    id: Uuid,
) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(Account::from_row).transpose()
}

/// The account with `email` (normalised here), if any: how staff find a customer by email.
pub async fn find_by_email(pool: &PgPool, email: &str) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(normalize_email(email))
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(Account::from_row).transpose()
}

/// The account `id` locked for update in `tx`, if it exists.
pub(crate) async fn lock(tx: &mut PgConnection, id: Uuid) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    row.as_ref().map(Account::from_row).transpose()
}

/// Stores `hash` as the account's password hash; the caller holds the row's lock
/// ([`lock`]) and ends the sessions the change must end.
pub(crate) async fn set_password_hash(
    tx: &mut PgConnection,
    id: Uuid,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The account with the (normalised) `email` and its password hash, for a login.
pub(crate) async fn find_credentials(
    pool: &PgPool,
    email: &str,
) -> Result<Option<(Account, String)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => Ok(Some((
            Account::from_row(&row)?,
            row.try_get("password_hash")?,
        ))),
        None => Ok(None),
    }
}

/// Filters of the user list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only this role.
    pub role: Option<Role>,
    /// Email or name contains this (case-insensitive).
    pub q: Option<String>,
}

/// A page of accounts, oldest first.
pub async fn list(
    pool: &PgPool,
    filter: &UserFilter,
    page: PageRequest,
) -> Result<Page<Account>, sqlx::Error> {
    let role = filter.role.map(|r| r.as_str());
    let pattern = filter.q.as_deref().map(|q| {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    const WHERE: &str = "($1::text IS NULL OR role = $1)
        AND ($2::text IS NULL OR email ILIKE $2 OR name ILIKE $2)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM users WHERE {WHERE}"))
        .bind(role)
        .bind(&pattern)
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE {WHERE} ORDER BY created_at, id LIMIT $3 OFFSET $4"
    ))
    .bind(role)
    .bind(&pattern)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let items = rows
        .iter()
        .map(Account::from_row)
        .collect::<Result<_, _>>()?;
    Ok(page.into_page(items, total))
}

/// Gives account `id` the role `to` (appending `RoleChanged`) and ends its sessions, so its
/// next login carries the new role. Refuses to demote the last admin. Unchanged (and nothing
/// appended) when it has that role already.
pub async fn change_role(
    pool: &PgPool,
    id: Uuid,
    to: Role,
    metadata: &CommandMetadata,
) -> Result<Account, AuthError> {
    let mut tx = pool.begin().await?;
    let account = lock(&mut tx, id).await?.ok_or(AuthError::UserNotFound)?;
    if account.role == to {
        return Ok(account);
    }
    if account.role == Role::Admin && account.active && active_admins(&mut tx).await? <= 1 {
        return Err(AuthError::LastAdmin);
    }
    let updated = set_role(&mut tx, id, to).await?;
    sessions::revoke_user_sessions(&mut tx, id).await?;
    let event = AccountEvent::RoleChanged {
        user_id: id,
        from: account.role,
        to,
    };
    events::append(&mut tx, id, &[event], metadata).await?;
    tx.commit().await?;
    tracing::info!(user_id = %id, from = account.role.as_str(), to = to.as_str(), "role changed");
    Ok(updated)
}

async fn set_role(tx: &mut PgConnection, id: Uuid, role: Role) -> Result<Account, sqlx::Error> {
    let row = sqlx::query(&format!(
        "UPDATE users SET role = $2, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(role.as_str())
    .fetch_one(&mut *tx)
    .await?;
    Account::from_row(&row)
}

/// How many active admins there are, their rows locked in `tx`: two concurrent changes (a
/// demotion, a deactivation) cannot both see another active admin.
pub(crate) async fn active_admins(tx: &mut PgConnection) -> Result<usize, sqlx::Error> {
    let admins: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM users WHERE role = 'admin' AND deactivated_at IS NULL FOR UPDATE",
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(admins.len())
}

/// Gives account `id` the display name `name` (trimmed), appending `NameChanged`; unchanged
/// (and nothing appended) when it has that name already.
pub async fn rename(
    pool: &PgPool,
    id: Uuid,
    name: &str,
    metadata: &CommandMetadata,
) -> Result<Account, AuthError> {
    let name = name.trim().to_string();
    let violations = check_name(&name);
    if !violations.is_empty() {
        return Err(AuthError::Invalid(violations));
    }
    let mut tx = pool.begin().await?;
    let account = lock(&mut tx, id).await?.ok_or(AuthError::UserNotFound)?;
    if account.name == name {
        return Ok(account);
    }
    let row = sqlx::query(&format!(
        "UPDATE users SET name = $2, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(&name)
    .fetch_one(&mut *tx)
    .await?;
    let updated = Account::from_row(&row)?;
    let event = AccountEvent::NameChanged { user_id: id, name };
    events::append(&mut tx, id, &[event], metadata).await?;
    tx.commit().await?;
    tracing::info!(user_id = %id, "name changed");
    Ok(updated)
}
