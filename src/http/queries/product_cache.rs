//! The rendered-product cache behind `GET products/{id}`.
//!
//! Each HTTP process keeps up to `PRODUCT_CACHE_ENTRIES` products as the JSON body the route
//! answers, with the product's status and version. Invalidation comes from Postgres: a trigger
//! on the catalog tables sends the product id on the `catalog_changed` channel whenever a row
//! of the product changes (`*` when a table is truncated), and one `LISTEN` connection per
//! process drops the entry. Whatever process's catalog projection wrote the row, every
//! process's cache hears it at commit.
//!
//! Two rules keep the cache from ever serving a row older than the read model for longer than
//! the notification takes to arrive:
//! - it is used only while the listener is connected; when the connection is lost the cache is
//!   emptied and bypassed until a new listener is in place (notifications sent in between
//!   would be missed);
//! - every invalidation bumps a generation, and a row read from the database is stored only
//!   if no invalidation happened since the read began (a read racing with a change would
//!   otherwise store the old row after its invalidation went by).
//!
//! `min_version` is honoured as before: an entry older than the asked version is bypassed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use axum::body::Bytes;
use sqlx::PgPool;
use uuid::Uuid;

use crate::listen::Subscriber;

/// The channel the catalog tables' trigger notifies (migration `catalog_changed`).
pub const CHANNEL: &str = "catalog_changed";
/// The payload that invalidates every product.
const EVERYTHING: &str = "*";

/// A product as `GET products/{id}` answers it.
#[derive(Debug)]
pub struct CachedProduct {
    /// True for `active` products (the ones anybody may read).
    pub active: bool,
    /// The product's version in the read model.
    pub version: i64,
    /// The JSON response body.
    pub body: Bytes,
}

/// A cache shared by the HTTP handlers of one process (cheap to clone).
#[derive(Clone)]
pub struct ProductCache {
    inner: Arc<Inner>,
}

struct Inner {
    capacity: usize,
    live: AtomicBool,
    entries: RwLock<Entries>,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    products: HashMap<Uuid, Arc<CachedProduct>>,
}

/// Proof of when a database read began, for [`ProductCache::store`].
#[derive(Debug, Clone, Copy)]
pub struct ReadTicket(Option<u64>);

impl ProductCache {
    /// A cache of `capacity` products, `None` when `capacity` is 0. It serves nothing until
    /// its listener runs ([`crate::listen::run`]) and is connected.
    pub fn new(capacity: usize) -> Option<Self> {
        (capacity > 0).then(|| Self {
            inner: Arc::new(Inner {
                capacity,
                live: AtomicBool::new(false),
                entries: RwLock::new(Entries::default()),
            }),
        })
    }

    /// The cached product, when the listener is connected and the product is cached.
    pub fn get(&self, id: Uuid) -> Option<Arc<CachedProduct>> {
        if !self.inner.live.load(Ordering::Acquire) {
            return None;
        }
        self.read().products.get(&id).cloned()
    }

    /// Call before reading a product from the database; hand the ticket to [`Self::store`].
    pub fn ticket(&self) -> ReadTicket {
        if !self.inner.live.load(Ordering::Acquire) {
            return ReadTicket(None);
        }
        ReadTicket(Some(self.read().generation))
    }

    /// Keeps `product`, read after `ticket` was taken, unless something changed since.
    pub fn store(&self, id: Uuid, ticket: ReadTicket, product: CachedProduct) {
        let Some(generation) = ticket.0 else { return };
        let mut entries = self.write();
        if entries.generation != generation || !self.inner.live.load(Ordering::Acquire) {
            return;
        }
        if entries.products.len() >= self.inner.capacity && !entries.products.contains_key(&id) {
            // Full: make room by dropping an arbitrary entry (it is read again on demand).
            if let Some(victim) = entries.products.keys().next().copied() {
                entries.products.remove(&victim);
            }
        }
        entries.products.insert(id, Arc::new(product));
    }

    /// Number of cached products.
    pub fn len(&self) -> usize {
        self.read().products.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies one notification payload: a product id, or `*` for everything.
    fn invalidate(&self, payload: &str) {
        let mut entries = self.write();
        entries.generation = entries.generation.wrapping_add(1);
        match payload.parse::<Uuid>() {
            Ok(id) => {
                entries.products.remove(&id);
            }
            Err(_) => {
                if payload != EVERYTHING {
                    tracing::warn!(payload, "unexpected catalog notification; dropping all");
                }
                entries.products.clear();
            }
        }
    }

    /// Turns the cache on (a listener is in place) or off (it is not), emptying it.
    fn set_live(&self, live: bool) {
        let mut entries = self.write();
        entries.generation = entries.generation.wrapping_add(1);
        entries.products.clear();
        self.inner.live.store(live, Ordering::Release);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        // A panic while holding the lock leaves consistent data (every update is one step).
        self.inner
            .entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.inner
            .entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl Subscriber for ProductCache {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    /// Nothing to load: the cache fills on demand.
    async fn connected(&self, _pool: &PgPool) -> Result<(), sqlx::Error> {
        self.set_live(true);
        Ok(())
    }

    fn notified(&self, payload: &str) {
        self.invalidate(payload);
    }

    fn disconnected(&self) {
        self.set_live(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> ProductCache {
        let cache = ProductCache {
            inner: Arc::new(Inner {
                capacity: 2,
                live: AtomicBool::new(false),
                entries: RwLock::new(Entries::default()),
            }),
        };
        cache.set_live(true);
        cache
    }

    fn product(version: i64) -> CachedProduct {
        CachedProduct {
            active: true,
            version,
            body: Bytes::from_static(b"{}"),
        }
    }

    #[test]
    fn a_read_that_raced_with_an_invalidation_is_not_stored() {
        let cache = cache();
        let id = Uuid::new_v4();
        let ticket = cache.ticket();
        cache.invalidate(&id.to_string());
        cache.store(id, ticket, product(1));
        assert!(cache.get(id).is_none());
        let ticket = cache.ticket();
        cache.store(id, ticket, product(2));
        assert_eq!(cache.get(id).map(|p| p.version), Some(2));
        cache.invalidate(&id.to_string());
        assert!(cache.get(id).is_none());
    }

    #[test]
    fn nothing_is_served_or_stored_while_the_listener_is_down() {
        let cache = cache();
        let id = Uuid::new_v4();
        cache.store(id, cache.ticket(), product(1));
        assert!(cache.get(id).is_some());
        cache.set_live(false);
        assert!(cache.get(id).is_none());
        cache.store(id, cache.ticket(), product(1));
        cache.set_live(true);
        assert!(cache.get(id).is_none(), "emptied when it went down");
    }

    #[test]
    fn capacity_is_kept_and_star_clears_everything() {
        let cache = cache();
        for _ in 0..5 {
            cache.store(Uuid::new_v4(), cache.ticket(), product(1));
        }
        assert_eq!(cache.len(), 2);
        cache.invalidate(EVERYTHING);
        assert!(cache.is_empty());
    }
}
