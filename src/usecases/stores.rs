//! Stores, the sales channels: open and change one (admins), the default store every process
//! makes sure of when it starts, and what a new cart or product asks of its store.

use commerce_aggregates::cart::{CartCommand, CartError};
use commerce_aggregates::store::{
    Store, StoreCommand, StoreDetails, StoreError, StoreStatus, DEFAULT_STORE,
};
use commerce_aggregates::Currency;
use uuid::Uuid;

use super::add_item::RECENT;
use super::guest::{guest_actor, CartHolder, CartToken};
use super::Caller;
use crate::store::{Actor, CommandMetadata, ExecuteError, Stores};

/// The currency of the default store: the one carts were opened in before stores.
pub const DEFAULT_STORE_CURRENCY: &str = "USD";

/// A store to open.
#[derive(Debug, Clone)]
pub struct NewStore {
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// The currency of its carts and prices.
    pub currency: Currency,
    /// Its contact address.
    pub contact_email: String,
}

/// Opens a store; its version.
pub async fn create_store(
    stores: &Stores,
    input: NewStore,
    metadata: &CommandMetadata,
) -> Result<usize, ExecuteError<StoreError>> {
    // The slug is checked before it names a stream.
    if !commerce_aggregates::store::is_slug(&input.slug) {
        return Err(ExecuteError::Domain(StoreError::InvalidSlug {
            slug: input.slug,
        }));
    }
    let command = StoreCommand::CreateStore {
        slug: input.slug.clone(),
        name: input.name,
        currency: input.currency,
        contact_email: input.contact_email,
    };
    let committed = stores
        .shops
        .execute(&input.slug, command, metadata, None)
        .await?;
    Ok(committed.version)
}

/// Changes of a store's name, contact address or status (absent: unchanged).
#[derive(Debug, Clone, Default)]
pub struct StoreChanges {
    /// New name.
    pub name: Option<String>,
    /// New contact address.
    pub contact_email: Option<String>,
    /// Closed or active.
    pub status: Option<StoreStatus>,
}

/// Changes store `slug` at the version the admin saw (`If-Match`), if any; its version.
pub async fn update_store(
    stores: &Stores,
    slug: &str,
    changes: StoreChanges,
    metadata: &CommandMetadata,
    expected_version: Option<usize>,
) -> Result<usize, ExecuteError<StoreError>> {
    let command = StoreCommand::UpdateStore {
        name: changes.name,
        contact_email: changes.contact_email,
        status: changes.status,
    };
    let committed = stores
        .shops
        .execute(slug, command, metadata, expected_version)
        .await?;
    Ok(committed.version)
}

/// Opens the default store unless it exists: every process does this when it starts, so the
/// products, carts and orders recorded before stores (and clients that name no store) have
/// their store. Two processes starting together both try; the loser finds it exists.
pub async fn ensure_default_store(
    stores: &Stores,
    contact_email: &str,
) -> Result<(), ExecuteError<StoreError>> {
    let loaded = stores.shops.load(DEFAULT_STORE).await?;
    if loaded.aggregate.details().is_some() {
        return Ok(());
    }
    let currency = Currency::parse(DEFAULT_STORE_CURRENCY).expect("USD is a currency");
    let metadata = CommandMetadata::new(Actor::system("stores"), "default-store");
    let command = StoreCommand::CreateStore {
        slug: DEFAULT_STORE.to_owned(),
        name: "Default store".to_owned(),
        currency,
        contact_email: contact_email.to_owned(),
    };
    match stores
        .shops
        .execute(DEFAULT_STORE, command, &metadata, None)
        .await
    {
        Ok(_) | Err(ExecuteError::Domain(StoreError::AlreadyExists)) => Ok(()),
        Err(error) => Err(error),
    }
}

/// The details of store `slug` if it takes new carts and products, as this process knew
/// them within [`RECENT`]: a store closed a moment ago elsewhere may still admit a cart, which
/// is no different from a cart opened just before the closing (open carts still check out),
/// and a store's currency never changes.
pub async fn admitting(
    stores: &Stores,
    slug: &str,
) -> Result<StoreDetails, ExecuteError<StoreError>> {
    stores
        .shops
        .read_recent(slug, RECENT, |store: &Store, _| store.admitting().cloned())
        .await?
        .map_err(ExecuteError::Domain)
}

/// Why a cart was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenCartError {
    /// The store is missing or closed, or the store could not be read.
    #[error(transparent)]
    Store(ExecuteError<StoreError>),
    /// The caller asked for a currency the store does not sell in.
    #[error("store '{store}' sells in {expected}, not {requested}")]
    Currency {
        /// The store.
        store: String,
        /// Its currency.
        expected: Currency,
        /// The currency asked for.
        requested: Currency,
    },
    /// The cart refused, or the event store failed.
    #[error(transparent)]
    Cart(ExecuteError<CartError>),
}

/// A cart to open.
#[derive(Debug, Clone)]
pub struct OpenCart {
    /// Its owner: a signed-in customer, or `None` for a guest (a cart token is issued).
    pub customer: Option<Caller>,
    /// The store it shops in.
    pub store: String,
    /// The currency the caller expects, if they named one: it must be the store's.
    pub currency: Option<Currency>,
}

/// A cart just opened.
#[derive(Debug, Clone)]
pub struct OpenedCart {
    /// Its id.
    pub id: Uuid,
    /// Its version.
    pub version: usize,
    /// A guest cart's token, handed out this once.
    pub token: Option<CartToken>,
}

/// Opens an empty cart in an admitting store, priced in the store's currency. A guest's cart
/// is owned by the hash of a fresh token, and its events are recorded as the guest's.
pub async fn open_cart(
    stores: &Stores,
    input: OpenCart,
    metadata: &CommandMetadata,
) -> Result<OpenedCart, OpenCartError> {
    let store = admitting(stores, &input.store)
        .await
        .map_err(OpenCartError::Store)?;
    if let Some(requested) = input.currency.filter(|c| *c != store.currency) {
        return Err(OpenCartError::Currency {
            store: store.slug,
            expected: store.currency,
            requested,
        });
    }
    let id = Uuid::new_v4();
    let mut metadata = metadata.clone();
    let (holder, token) = match input.customer {
        Some(customer) => (CartHolder::Customer(customer), None),
        None => {
            metadata.actor = guest_actor(id);
            let token = CartToken::generate();
            (CartHolder::Guest(token.clone()), Some(token))
        }
    };
    let command = CartCommand::CreateCart {
        cart_id: id,
        owner: holder.owner(),
        store: store.slug,
        currency: store.currency,
    };
    let committed = stores
        .carts
        .execute_new(&id.to_string(), command, &metadata)
        .await
        .map_err(OpenCartError::Cart)?;
    Ok(OpenedCart {
        id,
        version: committed.version,
        token,
    })
}
