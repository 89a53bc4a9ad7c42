//! `commerce admin create`: the operator bootstraps an admin account (or promotes an existing
//! one) from the command line, with the same password policy and events as the HTTP routes.

use commerce_aggregates::Role;
use sqlx::PgPool;
use uuid::Uuid;

use super::accounts::{self, check_email, check_name, normalize_email, Account, COLUMNS};
use super::events::{self, AccountEvent};
use super::{password, sessions, AuthError};
use crate::store::{Actor, CommandMetadata};

/// What `commerce admin create` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminCreated {
    /// A new admin account was created.
    Created,
    /// An existing account was made admin and given the password.
    Promoted,
}

/// The admin account `commerce admin create` set up, and how.
#[derive(Debug, Clone)]
pub struct AdminAccount {
    /// The account, now an admin with a verified email.
    pub account: Account,
    /// Whether it was created or an existing account was promoted.
    pub outcome: AdminCreated,
}

/// `commerce admin create`: creates an admin account with a verified email, or, when the email
/// belongs to an account already, makes it an admin, verifies its email, reactivates it and
/// replaces its password (ending its sessions). The password must meet the policy.
pub async fn create_admin(
    pool: &PgPool,
    email: &str,
    password: &str,
    name: &str,
) -> Result<AdminAccount, AuthError> {
    let email = normalize_email(email);
    let name = name.trim().to_string();
    let mut violations = check_email("email", &email);
    violations.extend(check_name(&name));
    violations.extend(password::check("password", password, &email, &name));
    if !violations.is_empty() {
        return Err(AuthError::Invalid(violations));
    }
    let hash = password::hash(password.to_string()).await?;
    let metadata = CommandMetadata::new(Actor::system("cli"), format!("cli-{}", Uuid::new_v4()));
    let mut tx = pool.begin().await?;
    let existing: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1 FOR UPDATE")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
    let (account, outcome) = match existing {
        None => {
            let id = Uuid::new_v4();
            let account = accounts::insert(&mut tx, id, &email, &name, &hash, Role::Admin, true)
                .await?
                .ok_or(AuthError::EmailTaken)?;
            let event = AccountEvent::AccountRegistered {
                user_id: id,
                email: email.clone(),
                name,
                role: Role::Admin,
                email_verified: true,
            };
            events::append(&mut tx, id, &[event], &metadata).await?;
            (account, AdminCreated::Created)
        }
        Some(id) => {
            let before = accounts::lock(&mut tx, id)
                .await?
                .ok_or(AuthError::UserNotFound)?;
            let row = sqlx::query(&format!(
                "UPDATE users SET role = 'admin', password_hash = $2, deactivated_at = NULL,
                        email_verified_at = COALESCE(email_verified_at, now()), updated_at = now()
                  WHERE id = $1 RETURNING {COLUMNS}"
            ))
            .bind(id)
            .bind(&hash)
            .fetch_one(&mut *tx)
            .await?;
            let account = Account::from_row(&row)?;
            sessions::revoke_user_sessions(&mut tx, id).await?;
            let mut changes = Vec::new();
            if before.role != Role::Admin {
                changes.push(AccountEvent::RoleChanged {
                    user_id: id,
                    from: before.role,
                    to: Role::Admin,
                });
            }
            if !before.email_verified {
                changes.push(AccountEvent::EmailVerified {
                    user_id: id,
                    email: email.clone(),
                });
            }
            changes.push(AccountEvent::PasswordChanged {
                user_id: id,
                via: "operator".into(),
            });
            if !before.active {
                // The operator's way back in, should the account have been deactivated.
                changes.push(AccountEvent::AccountReactivated { user_id: id });
            }
            events::append(&mut tx, id, &changes, &metadata).await?;
            (account, AdminCreated::Promoted)
        }
    };
    tx.commit().await?;
    tracing::info!(user_id = %account.id, ?outcome, "admin account set up");
    Ok(AdminAccount { account, outcome })
}
