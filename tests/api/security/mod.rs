//! Hostile input and access: forged, tampered, expired and revoked tokens (`tokens`), one
//! customer aiming at another's cart, orders and account, and customers on back-office routes
//! (`access`), SQL metacharacters, NUL bytes and unicode in every filter, sort and path
//! (`input`), bodies over the limit refused before parsing and before they arrive
//! (`body_limit`), login brute force from one address (`brute_force`), no secret in the
//! engine's debug log (`logs`), and what the stateful schemathesis run found (`findings`).
//!
//! Each test checks that what it throws at the engine writes nothing: the event store keeps
//! its exact content ([`StoreMark`]).
//!
//! Already shown elsewhere (not repeated here): `accounts::tokens` (foreign key, `alg: none`,
//! expiry and garbage on a read route), `accounts::passwords::
//! repeated_failed_logins_are_throttled_with_429_and_retry_after` (per-account throttling, the
//! right password refused while throttled), `commands::carts::
//! someone_elses_cart_is_404_and_staff_own_no_carts`, `commands::orders::
//! someone_elses_order_is_404_and_roles_are_enforced`, `queries::ownership`,
//! `audit::history`, `audit::as_of`, `queries::invoice` (owners only),
//! `queries::products::sql_metacharacters_in_search_are_harmless` (`q`, `category`, `tag`).

mod access;
mod body_limit;
mod brute_force;
mod findings;
mod input;
mod logs;
mod shapes;
mod tokens;

use crate::client::Reply;
use crate::helpers::TestApp;

/// The event store's content at one moment: how many events, the highest position, and a
/// digest of every row, so "nothing written" is checked exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreMark {
    events: i64,
    last_position: Option<i64>,
    digest: Option<String>,
}

impl StoreMark {
    /// The store of `app` now.
    pub async fn of(app: &TestApp) -> Self {
        let (events, last_position, digest): (i64, Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT count(*), max(global_position),
                    md5(string_agg(event_id::text || payload::text || metadata::text, ','
                                   ORDER BY global_position))
               FROM events",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("event store readable");
        Self {
            events,
            last_position,
            digest,
        }
    }

    /// Asserts that the store of `app` still holds exactly what it held at this mark.
    #[track_caller]
    pub fn assert_unchanged(&self, now: &StoreMark, what: &str) {
        assert_eq!(self, now, "{what} wrote to the event store");
    }
}

/// Rows in `table` of the app's database.
pub async fn rows(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("count {table}: {e}"))
}

/// A [`Reply`] from a response sent without the typed client.
pub async fn reply(response: reqwest::Response) -> Reply {
    Reply::from_response(response).await
}
