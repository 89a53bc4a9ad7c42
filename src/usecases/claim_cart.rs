//! A signed-in customer claims a guest's cart with its token: merged into the customer's open
//! cart in the same store (the guest cart closes), or adopted when they have none.
//!
//! Both carts are decided and committed in one transaction. The customer's open cart is
//! found through the cart read model (an index only: the claim checks it on the cart's own
//! stream — owner, open, store — and adopts when it does not hold).

use chrono::Utc;
use commerce_aggregates::cart::{Cart, CartCommand, CartError};
use commerce_aggregates::Money;
use commerce_projections::read_models::carts::guest::latest_open_cart;
use sqlx::PgPool;
use uuid::Uuid;

use super::attempts::{conclude, Attempt, Attempts, StreamSet};
use super::guest::CartToken;
use super::Caller;
use crate::store::{CommandMetadata, StoreError, Stores, Stream, Transaction};

/// Claim guest cart `cart_id` for `customer`, who sent its `token`.
#[derive(Debug, Clone)]
pub struct ClaimCart {
    /// The guest's cart.
    pub cart_id: Uuid,
    /// The claiming customer.
    pub customer: Caller,
    /// The token the customer sent.
    pub token: CartToken,
}

/// What became of the guest cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// It is the customer's now.
    Adopted {
        /// The cart (the guest's, now the customer's).
        cart_id: Uuid,
        /// Its version.
        version: usize,
    },
    /// Its lines went into the customer's cart.
    Merged {
        /// The customer's cart.
        cart_id: Uuid,
        /// Its version.
        version: usize,
    },
}

/// Why the claim was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClaimCartError {
    /// No such cart, not a guest cart, or another token: all alike.
    #[error("cart not found")]
    CartNotFound,
    /// The guest cart refused (closed: checked out or merged already).
    #[error(transparent)]
    Cart(CartError),
    /// Concurrent commits kept winning.
    #[error("the carts kept changing concurrently; retry")]
    Conflict,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct Streams {
    guest: Stream<Cart>,
    target: Option<Stream<Cart>>,
}

impl StreamSet for Streams {
    fn any_unchecked(&self) -> bool {
        self.guest.is_unchecked() || self.target.as_ref().is_some_and(Stream::is_unchecked)
    }

    fn unchecked_without_events(&self) -> bool {
        self.guest.is_unverified() || self.target.as_ref().is_some_and(Stream::is_unverified)
    }

    fn close(self, stores: &Stores) {
        stores.carts.close(self.guest);
        if let Some(target) = self.target {
            stores.carts.close(target);
        }
    }

    fn stage<'s>(self, transaction: &mut Transaction<'s>, stores: &'s Stores) {
        transaction.add(&stores.carts, self.guest);
        if let Some(target) = self.target {
            transaction.add(&stores.carts, target);
        }
    }
}

/// Claims the cart (see the module documentation).
#[tracing::instrument(skip_all, fields(cart_id = %input.cart_id), err(level = "debug"))]
pub async fn claim_cart(
    stores: &Stores,
    pool: &PgPool,
    input: &ClaimCart,
    metadata: &CommandMetadata,
) -> Result<Claimed, ClaimCartError> {
    let mut attempts = Attempts::default();
    loop {
        let attempt = attempt(stores, pool, input, metadata, attempts.kept()).await;
        if let Some(result) = attempts.next(attempt, || ClaimCartError::Conflict).await {
            return result;
        }
    }
}

async fn attempt(
    stores: &Stores,
    pool: &PgPool,
    input: &ClaimCart,
    metadata: &CommandMetadata,
    kept: bool,
) -> Attempt<Claimed, ClaimCartError> {
    let token_hash = input.token.hash();
    let guest_id = input.cart_id.to_string();
    // Read unturned to learn the store; decided below under both turns.
    let store = match stores.carts.open(&guest_id, kept).await {
        Ok(guest) => {
            let store = guest.state().store().map(str::to_owned);
            stores.carts.close(guest);
            store
        }
        Err(error) => return Attempt::Done(Err(error.into())),
    };
    let Some(store) = store else {
        return Attempt::Done(Err(ClaimCartError::CartNotFound));
    };
    let target_id = match latest_open_cart(pool, input.customer.id, &store).await {
        Ok(found) => found
            .filter(|id| *id != input.cart_id)
            .map(|id| id.to_string()),
        Err(error) => return Attempt::Done(Err(StoreError::from(error).into())),
    };
    let turns = stores
        .carts
        .turns(
            [Some(guest_id.as_str()), target_id.as_deref()]
                .into_iter()
                .flatten(),
        )
        .await;
    let guest = match stores.carts.open(&guest_id, kept).await {
        Ok(guest) => guest,
        Err(error) => return Attempt::Done(Err(error.into())),
    };
    let target = match &target_id {
        Some(id) => match stores.carts.open(id, kept).await {
            Ok(target) => {
                let cart = target.state();
                let mergeable = cart.customer_id() == Some(input.customer.id)
                    && cart.store() == Some(store.as_str())
                    && cart.order_id().is_none()
                    && matches!(
                        cart.status(),
                        Some(commerce_aggregates::cart::CartStatus::Open)
                    );
                if mergeable {
                    Some(target)
                } else {
                    stores.carts.close(target);
                    None
                }
            }
            Err(error) => return Attempt::Done(Err(error.into())),
        },
        None => None,
    };
    let mut streams = Streams { guest, target };
    let decided = decide(stores, &mut streams, input, token_hash).await;
    let answer = match &streams.target {
        Some(target) => Claimed::Merged {
            cart_id: target.state().cart_id().unwrap_or_default(),
            version: target.next_version(),
        },
        None => Claimed::Adopted {
            cart_id: input.cart_id,
            version: streams.guest.next_version(),
        },
    };
    conclude(streams, decided, turns, stores, metadata, answer).await
}

async fn decide(
    stores: &Stores,
    streams: &mut Streams,
    input: &ClaimCart,
    token_hash: String,
) -> Result<(), ClaimCartError> {
    let refused = |error: CartError| match error {
        CartError::NotFound | CartError::NotOwner => ClaimCartError::CartNotFound,
        other => ClaimCartError::Cart(other),
    };
    let customer_id = input.customer.id;
    let Some(target) = streams.target.as_mut() else {
        return streams
            .guest
            .decide(CartCommand::ClaimCart {
                customer_id,
                token_hash,
            })
            .await
            .map_err(refused);
    };
    let into_cart_id = target.state().cart_id().unwrap_or_default();
    streams
        .guest
        .decide(CartCommand::MergeInto {
            customer_id,
            token_hash,
            into_cart_id,
        })
        .await
        .map_err(refused)?;
    let guest = streams.guest.state();
    let coupon_code = match guest.coupon_code() {
        Some(code) if target.state().coupon_code().is_none() => {
            coupon_still_applies(stores, code, input.customer, guest.subtotal().ok()).await?
        }
        _ => None,
    };
    target
        .decide(CartCommand::MergeItems {
            shopper: customer_id.into(),
            from_cart_id: input.cart_id,
            lines: guest.lines().to_vec(),
            coupon_code,
        })
        .await
        .map_err(ClaimCartError::Cart)
}

/// `code` when the customer may use it now (the coupon's own eligibility check, on the guest
/// cart's subtotal); `None` otherwise.
async fn coupon_still_applies(
    stores: &Stores,
    code: &str,
    customer: Caller,
    subtotal: Option<Money>,
) -> Result<Option<String>, ClaimCartError> {
    let Some(subtotal) = subtotal else {
        return Ok(None);
    };
    let loaded = stores
        .coupons
        .load(code)
        .await
        .map_err(|error| ClaimCartError::Store(error.into_store_error()))?;
    let eligible = loaded
        .aggregate
        .check_eligibility(customer.id, customer.role, subtotal, Utc::now())
        .is_ok();
    Ok(eligible.then(|| code.to_owned()))
}
