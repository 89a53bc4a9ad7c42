//! The address book of an account (`me/addresses`): its entries in `user_addresses`, changed
//! by the rules of [`AddressBook`] under the lock of the owner's `users` row, every change
//! appended as an account event in the same transaction.
//!
//! A table written with its events, like `users`, rather than a read model: the book's rules
//! (at most [`MAX_ADDRESSES`](commerce_aggregates::address_book::MAX_ADDRESSES), exactly one
//! default) are decided on the book as it stands, and a cart may name an entry (`address_id`)
//! the moment it was added. The events carry whole
//! addresses, so the book's history can be read back from the event store.

use commerce_aggregates::address_book::{
    AddressBook, AddressBookError, BookChange, BookEntry, EntryEdit, NewEntry,
};
use commerce_aggregates::Address;
use commerce_projections::read_models::{Page, PageRequest};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres};
use uuid::Uuid;

use super::accounts;
use super::events::{self, AccountEvent};
use crate::store::CommandMetadata;

/// Why a change of the address book was not made (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum AddressBookFailure {
    /// The caller's account does not exist (any more).
    #[error("account not found")]
    AccountNotFound,
    /// The book's rules refuse the change.
    #[error(transparent)]
    Refused(#[from] AddressBookError),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: Uuid,
    label: Option<String>,
    name: String,
    line1: String,
    line2: Option<String>,
    city: String,
    postal_code: String,
    country: String,
    is_default: bool,
}

impl From<EntryRow> for BookEntry {
    fn from(row: EntryRow) -> Self {
        BookEntry {
            id: row.id,
            label: row.label,
            address: Address {
                name: row.name,
                line1: row.line1,
                line2: row.line2,
                city: row.city,
                postal_code: row.postal_code,
                country: row.country,
            },
            is_default: row.is_default,
        }
    }
}

const COLUMNS: &str = "id, label, name, line1, line2, city, postal_code, country, is_default";
const BOOK_ORDER: &str = "ORDER BY created_at, id";

/// A page of the book of `user_id`, oldest first.
pub async fn list(
    pool: &PgPool,
    user_id: Uuid,
    page: PageRequest,
) -> Result<Page<BookEntry>, sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM user_addresses WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM user_addresses WHERE user_id = $1 {BOOK_ORDER} LIMIT $2 OFFSET $3"
    ))
    .bind(user_id)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    Ok(page.into_page(rows.into_iter().map(BookEntry::from).collect(), total))
}

/// The entry `id` of the book of `user_id` (someone else's entry is `None`).
pub async fn find<'e>(
    executor: impl PgExecutor<'e>,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<BookEntry>, sqlx::Error> {
    let row: Option<EntryRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM user_addresses WHERE user_id = $1 AND id = $2"
    ))
    .bind(user_id)
    .bind(id)
    .fetch_optional(executor)
    .await?;
    Ok(row.map(BookEntry::from))
}

/// Adds an address to the book of `user_id`; the new entry.
pub async fn add(
    pool: &PgPool,
    user_id: Uuid,
    entry: NewEntry,
    metadata: &CommandMetadata,
) -> Result<BookEntry, AddressBookFailure> {
    let id = entry.id;
    let book = change(pool, user_id, metadata, |book| book.add(entry)).await?;
    entry_of(&book, id)
}

/// Edits entry `id` of the book of `user_id`; the entry as it is now.
pub async fn edit(
    pool: &PgPool,
    user_id: Uuid,
    id: Uuid,
    edit: EntryEdit,
    metadata: &CommandMetadata,
) -> Result<BookEntry, AddressBookFailure> {
    let book = change(pool, user_id, metadata, |book| book.edit(id, edit)).await?;
    entry_of(&book, id)
}

/// Removes entry `id` from the book of `user_id`.
pub async fn remove(
    pool: &PgPool,
    user_id: Uuid,
    id: Uuid,
    metadata: &CommandMetadata,
) -> Result<(), AddressBookFailure> {
    change(pool, user_id, metadata, |book| book.remove(id)).await?;
    Ok(())
}

fn entry_of(book: &AddressBook, id: Uuid) -> Result<BookEntry, AddressBookFailure> {
    book.entry(id)
        .cloned()
        .ok_or(AddressBookFailure::Refused(AddressBookError::NotFound))
}

/// Loads the book of `user_id` under the lock of its account, lets it `decide`, and writes the
/// changes and their events in one transaction; the book afterwards.
async fn change(
    pool: &PgPool,
    user_id: Uuid,
    metadata: &CommandMetadata,
    decide: impl FnOnce(&AddressBook) -> Result<Vec<BookChange>, AddressBookError>,
) -> Result<AddressBook, AddressBookFailure> {
    let mut tx = pool.begin().await?;
    if accounts::lock(&mut tx, user_id).await?.is_none() {
        return Err(AddressBookFailure::AccountNotFound);
    }
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM user_addresses WHERE user_id = $1 {BOOK_ORDER}"
    ))
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut book = AddressBook::new(rows.into_iter().map(BookEntry::from).collect());
    let changes = decide(&book)?;
    if changes.is_empty() {
        return Ok(book);
    }
    let mut recorded = Vec::with_capacity(changes.len());
    for change in &changes {
        write(&mut tx, user_id, change).await?;
        book.apply(change);
        recorded.push(event_of(user_id, change));
    }
    events::append(&mut tx, user_id, &recorded, metadata).await?;
    tx.commit().await?;
    tracing::info!(%user_id, changes = changes.len(), "address book changed");
    Ok(book)
}

async fn write(
    tx: &mut PgConnection,
    user_id: Uuid,
    change: &BookChange,
) -> Result<(), sqlx::Error> {
    match change {
        BookChange::Added { id, label, address } => {
            let sql = "INSERT INTO user_addresses
                           (id, user_id, label, name, line1, line2, city, postal_code, country)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
            bind_entry(sql, *id, user_id, label, address)
                .execute(&mut *tx)
                .await?;
        }
        BookChange::Updated { id, label, address } => {
            let sql = "UPDATE user_addresses
                          SET label = $3, name = $4, line1 = $5, line2 = $6, city = $7,
                              postal_code = $8, country = $9, updated_at = now()
                        WHERE id = $1 AND user_id = $2";
            bind_entry(sql, *id, user_id, label, address)
                .execute(&mut *tx)
                .await?;
        }
        BookChange::Removed { id } => {
            sqlx::query("DELETE FROM user_addresses WHERE user_id = $1 AND id = $2")
                .bind(user_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        BookChange::DefaultChanged { to, .. } => {
            // Two statements: the unique index on the default is checked row by row.
            sqlx::query(
                "UPDATE user_addresses SET is_default = false, updated_at = now()
                  WHERE user_id = $1 AND is_default",
            )
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            if let Some(to) = to {
                sqlx::query(
                    "UPDATE user_addresses SET is_default = true, updated_at = now()
                      WHERE user_id = $1 AND id = $2",
                )
                .bind(user_id)
                .bind(to)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    Ok(())
}

/// `sql`, the INSERT or the UPDATE of an entry, with the entry bound: `$1` its id, `$2` its
/// owner, `$3` its label, `$4`–`$9` the address's columns in [`COLUMNS`] order.
fn bind_entry<'q>(
    sql: &'q str,
    id: Uuid,
    user_id: Uuid,
    label: &'q Option<String>,
    address: &'q Address,
) -> Query<'q, Postgres, PgArguments> {
    sqlx::query(sql)
        .bind(id)
        .bind(user_id)
        .bind(label)
        .bind(&address.name)
        .bind(&address.line1)
        .bind(&address.line2)
        .bind(&address.city)
        .bind(&address.postal_code)
        .bind(&address.country)
}

fn event_of(user_id: Uuid, change: &BookChange) -> AccountEvent {
    match change.clone() {
        BookChange::Added { id, label, address } => AccountEvent::AddressAdded {
            user_id,
            address_id: id,
            label,
            address,
        },
        BookChange::Updated { id, label, address } => AccountEvent::AddressUpdated {
            user_id,
            address_id: id,
            label,
            address,
        },
        BookChange::Removed { id } => AccountEvent::AddressRemoved {
            user_id,
            address_id: id,
        },
        BookChange::DefaultChanged { to, from } => AccountEvent::DefaultAddressChanged {
            user_id,
            address_id: to,
            previous: from,
        },
    }
}
