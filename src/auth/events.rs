//! Account events: appended to the engine's `events` table (aggregate type `account`, aggregate
//! id = the user id) in the transaction that makes the change, so the relay publishes them
//! (`commerce.account.<user id>.<EventType>`) for the mailer and anyone else.
//!
//! Payloads are `{"<EventType>": {fields}}` like every other event and never hold a password, a
//! hash or a token.

use commerce_aggregates::{Address, Role};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::store::CommandMetadata;

/// The aggregate type of account events.
pub const AGGREGATE_TYPE: &str = "account";
/// The payload version of every account event.
pub const EVENT_VERSION: &str = "1.0";

/// Something that happened to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum AccountEvent {
    /// An account was created.
    AccountRegistered {
        /// The new user.
        user_id: Uuid,
        /// Its email (normalised).
        email: String,
        /// Its display name.
        name: String,
        /// Its initial role.
        role: Role,
        /// Whether the address counts as verified already (accounts created by an operator).
        email_verified: bool,
    },
    /// The mailer should send a verification token to `email`.
    EmailVerificationRequested {
        /// The user.
        user_id: Uuid,
        /// The address to verify.
        email: String,
    },
    /// The user proved they own their address.
    EmailVerified {
        /// The user.
        user_id: Uuid,
        /// The verified address.
        email: String,
    },
    /// The mailer should send a password-reset token to `email`.
    PasswordResetRequested {
        /// The user.
        user_id: Uuid,
        /// The account's address.
        email: String,
    },
    /// The password was replaced (the account's sessions were ended; `via: user` keeps the
    /// one that asked).
    PasswordChanged {
        /// The user.
        user_id: Uuid,
        /// `reset` (emailed token), `operator` (`commerce admin create`) or `user`
        /// (`POST me/password`, which keeps the session it was sent from).
        via: String,
    },
    /// An admin (or an operator) changed the account's role.
    RoleChanged {
        /// The user.
        user_id: Uuid,
        /// The previous role.
        from: Role,
        /// The new role.
        to: Role,
    },
    /// The user changed their display name.
    NameChanged {
        /// The user.
        user_id: Uuid,
        /// The new name.
        name: String,
    },
    /// The user asked to move to `new_email`: the mailer sends a confirmation token there. The
    /// account keeps `email` until the token is redeemed.
    EmailChangeRequested {
        /// The user.
        user_id: Uuid,
        /// The account's current address.
        email: String,
        /// The address asked for.
        new_email: String,
    },
    /// The new address was confirmed and is now the account's (and counts as verified); the
    /// mailer tells the old address.
    EmailChanged {
        /// The user.
        user_id: Uuid,
        /// The previous address.
        from: String,
        /// The new address.
        to: String,
    },
    /// An admin deactivated the account: its sessions ended, logins are refused.
    AccountDeactivated {
        /// The user.
        user_id: Uuid,
    },
    /// An admin reactivated the account: logins work again.
    AccountReactivated {
        /// The user.
        user_id: Uuid,
    },
    /// The user asked for the verification email again: the mailer sends a new token.
    VerificationResent {
        /// The user.
        user_id: Uuid,
        /// The address to verify.
        email: String,
    },
    /// An address was added to the account's address book.
    AddressAdded {
        /// The user.
        user_id: Uuid,
        /// The book entry.
        address_id: Uuid,
        /// The customer's name for it, if any.
        label: Option<String>,
        /// The address.
        address: Address,
    },
    /// An address of the book (or its label) was changed; carts and orders that copied it
    /// keep their copy.
    AddressUpdated {
        /// The user.
        user_id: Uuid,
        /// The book entry.
        address_id: Uuid,
        /// Its label now.
        label: Option<String>,
        /// The address now.
        address: Address,
    },
    /// An address was removed from the book.
    AddressRemoved {
        /// The user.
        user_id: Uuid,
        /// The book entry.
        address_id: Uuid,
    },
    /// The book's default address changed: to an added or chosen entry, to the oldest
    /// remaining one when the default was removed, or to none when the book became empty.
    DefaultAddressChanged {
        /// The user.
        user_id: Uuid,
        /// The new default, if any.
        address_id: Option<Uuid>,
        /// The previous default, if any.
        previous: Option<Uuid>,
    },
}

impl AccountEvent {
    /// The event type (`events.event_type`, the last token of the NATS subject).
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::AccountRegistered { .. } => "AccountRegistered",
            Self::EmailVerificationRequested { .. } => "EmailVerificationRequested",
            Self::EmailVerified { .. } => "EmailVerified",
            Self::PasswordResetRequested { .. } => "PasswordResetRequested",
            Self::PasswordChanged { .. } => "PasswordChanged",
            Self::RoleChanged { .. } => "RoleChanged",
            Self::NameChanged { .. } => "NameChanged",
            Self::EmailChangeRequested { .. } => "EmailChangeRequested",
            Self::EmailChanged { .. } => "EmailChanged",
            Self::AccountDeactivated { .. } => "AccountDeactivated",
            Self::AccountReactivated { .. } => "AccountReactivated",
            Self::VerificationResent { .. } => "VerificationResent",
            Self::AddressAdded { .. } => "AddressAdded",
            Self::AddressUpdated { .. } => "AddressUpdated",
            Self::AddressRemoved { .. } => "AddressRemoved",
            Self::DefaultAddressChanged { .. } => "DefaultAddressChanged",
        }
    }
}

/// Appends `events` to the stream of account `user_id` inside the caller's transaction, after
/// its last event. The caller must hold the lock on the user's row (`SELECT … FOR UPDATE`, or
/// the row's own `INSERT`), which serialises the sequence numbers of one account.
pub async fn append(
    tx: &mut PgConnection,
    user_id: Uuid,
    events: &[AccountEvent],
    metadata: &CommandMetadata,
) -> Result<(), sqlx::Error> {
    let last: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(sequence), 0) FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2",
    )
    .bind(AGGREGATE_TYPE)
    .bind(user_id.to_string())
    .fetch_one(&mut *tx)
    .await?;
    let metadata =
        serde_json::to_value(metadata.to_map()).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    for (sequence, event) in (last + 1..).zip(events) {
        let payload = serde_json::to_value(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "INSERT INTO events
                 (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(AGGREGATE_TYPE)
        .bind(user_id.to_string())
        .bind(sequence)
        .bind(event.event_type())
        .bind(EVENT_VERSION)
        .bind(&payload)
        .bind(&metadata)
        .execute(&mut *tx)
        .await?;
        tracing::debug!(%user_id, sequence, event_type = event.event_type(), "account event appended");
    }
    // The event readers hear of it at commit. Account events are rare, so notifying inside
    // the transaction (which serialises its commit with other notifying ones) costs nothing
    // that matters; the stores' hot path notifies outside its commits (`store::Wake`).
    commerce_eventlog::notify::notify_readers(&mut *tx).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_tagged_with_the_event_type() {
        let user_id = Uuid::new_v4();
        let event = AccountEvent::RoleChanged {
            user_id,
            from: Role::Customer,
            to: Role::Prime,
        };
        let json = serde_json::to_value(&event).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"RoleChanged": {"user_id": user_id, "from": "customer", "to": "prime"}})
        );
        assert_eq!(event.event_type(), "RoleChanged");
    }
}
