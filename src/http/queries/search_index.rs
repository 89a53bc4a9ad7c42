//! The in-memory catalog search behind `GET products` ([`CatalogIndex`]), kept equal to the
//! catalog read model by the `catalog_changed` notifications, like the product cache.
//!
//! Each HTTP process loads the whole catalog when its listener connects, then re-reads the
//! products the notifications name (every product on `*`, a replay) in batches, in a task of its
//! own ([`SearchIndex::run_refresher`]). Exactness follows the product cache's rules:
//! - the index answers only while the listener is connected and the load is done; otherwise
//!   Postgres answers (notifications may have been missed);
//! - a search waits until every notification heard before it began is applied, so it never
//!   answers older than what the notifications announced; a search that would wait longer than
//!   [`CATCH_UP`] (a whole reload after a replay) is answered by Postgres instead;
//! - a product's row is read after the notification naming it was heard, so what the index
//!   keeps is at least as new as the commit that notified.
//!
//! Text queries are parsed by Postgres once per distinct `q` and kept; a query the index does
//! not evaluate (see [`commerce_projections::read_models::catalog::TextQuery`]) goes to Postgres.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use commerce_projections::read_models::catalog::{
    self, CatalogIndex, CatalogQuery, CatalogResults, TextQuery, Unsupported,
};
use sqlx::PgPool;
use tokio::sync::{watch, Notify};
use uuid::Uuid;

use super::product_cache::CHANNEL;
use crate::listen::Subscriber;
use crate::shutdown::Shutdown;

/// Longest a search waits for the index to apply the notifications it has heard.
const CATCH_UP: Duration = Duration::from_millis(100);
/// Pause before retrying a refresh that failed.
const RETRY_DELAY: Duration = Duration::from_secs(1);
/// Most parsed text queries kept (all are dropped when full: they are cheap to parse again).
const PARSED_QUERIES: usize = 10_000;

/// Parsed text queries by `q`.
type ParsedQueries = HashMap<String, Result<Arc<TextQuery>, Unsupported>>;

/// A process's search index (cheap to clone).
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    index: RwLock<CatalogIndex>,
    /// Listener connected and the catalog loaded.
    live: AtomicBool,
    pending: Mutex<Pending>,
    /// Notifications heard so far.
    heard: AtomicU64,
    /// Notifications whose products are applied.
    applied: watch::Sender<u64>,
    wake: Notify,
    /// Held while rows are read and applied, so a refresh and a full load never interleave.
    writing: tokio::sync::Mutex<()>,
    parsed: Mutex<ParsedQueries>,
}

/// Products named by notifications and not yet re-read.
#[derive(Default)]
struct Pending {
    ids: HashSet<Uuid>,
    everything: bool,
}

impl Default for SearchIndex {
    fn default() -> Self {
        Self {
            inner: Arc::new(Inner {
                index: RwLock::new(CatalogIndex::default()),
                live: AtomicBool::new(false),
                pending: Mutex::new(Pending::default()),
                heard: AtomicU64::new(0),
                applied: watch::Sender::new(0),
                wake: Notify::new(),
                writing: tokio::sync::Mutex::new(()),
                parsed: Mutex::new(HashMap::new()),
            }),
        }
    }
}

/// Searches the catalog: from `index` when it can answer exactly, from Postgres otherwise.
pub async fn search(
    index: Option<&SearchIndex>,
    pool: &PgPool,
    query: &CatalogQuery,
) -> Result<CatalogResults, sqlx::Error> {
    if let Some(index) = index {
        if let Some(results) = index.search(pool, query).await? {
            return Ok(results);
        }
    }
    catalog::search(pool, query).await
}

impl SearchIndex {
    /// An index that answers nothing until its listener connects ([`crate::listen::run`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// The results from memory, or `None` when Postgres must answer.
    async fn search(
        &self,
        pool: &PgPool,
        query: &CatalogQuery,
    ) -> Result<Option<CatalogResults>, sqlx::Error> {
        let heard = self.inner.heard.load(Ordering::SeqCst);
        if !self.inner.live.load(Ordering::Acquire) || !self.caught_up(heard).await {
            return Ok(None);
        }
        let text = match query.text() {
            Some(q) => match self.parse(pool, q).await? {
                Ok(text) => Some(text),
                Err(Unsupported) => return Ok(None),
            },
            None => None,
        };
        let subtree = match &query.category {
            Some(category) => catalog::category_subtree(pool, category).await?,
            None => Vec::new(),
        };
        let index = self
            .inner
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if !self.inner.live.load(Ordering::Acquire) {
            return Ok(None);
        }
        Ok(Some(index.search(query, text.as_deref(), &subtree)))
    }

    /// Waits (at most [`CATCH_UP`]) until the first `heard` notifications are applied.
    async fn caught_up(&self, heard: u64) -> bool {
        let mut applied = self.inner.applied.subscribe();
        let wait = tokio::time::timeout(CATCH_UP, applied.wait_for(|n| *n >= heard));
        wait.await.is_ok_and(|seen| seen.is_ok())
    }

    async fn parse(
        &self,
        pool: &PgPool,
        q: &str,
    ) -> Result<Result<Arc<TextQuery>, Unsupported>, sqlx::Error> {
        if let Some(parsed) = self.parsed().get(q) {
            return Ok(parsed.clone());
        }
        let parsed = catalog::parse_text_query(pool, q).await?.map(Arc::new);
        let mut cache = self.parsed();
        if cache.len() >= PARSED_QUERIES {
            cache.clear();
        }
        cache.insert(q.to_owned(), parsed.clone());
        Ok(parsed)
    }

    fn parsed(&self) -> std::sync::MutexGuard<'_, ParsedQueries> {
        // Every update under these locks is one step: a panic leaves consistent data.
        self.inner
            .parsed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.inner
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Re-reads the products the notifications name, batch after batch, until `shutdown`.
    pub async fn run_refresher(self, pool: PgPool, shutdown: Shutdown) {
        while !shutdown.is_triggered() {
            tokio::select! {
                () = self.inner.wake.notified() => {}
                () = shutdown.wait() => return,
            }
            // Read the count before taking the batch: every notification it counts has put
            // its product in this batch or an earlier one.
            let heard = self.inner.heard.load(Ordering::SeqCst);
            let batch = std::mem::take(&mut *self.pending());
            // An empty batch still moves `applied`: its notifications named products an
            // earlier batch took after they were named, and read.
            let refreshed = if batch.ids.is_empty() && !batch.everything {
                Ok(())
            } else {
                self.refresh(&pool, &batch).await
            };
            match refreshed {
                Ok(()) => {
                    self.inner.applied.send_if_modified(|applied| {
                        let moved = heard > *applied;
                        *applied = (*applied).max(heard);
                        moved
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, "search index refresh failed; retrying");
                    {
                        let mut pending = self.pending();
                        pending.ids.extend(batch.ids);
                        pending.everything |= batch.everything;
                    }
                    shutdown.sleep(RETRY_DELAY).await;
                    self.inner.wake.notify_one();
                }
            }
        }
    }

    async fn refresh(&self, pool: &PgPool, batch: &Pending) -> Result<(), sqlx::Error> {
        let _writing = self.inner.writing.lock().await;
        if batch.everything {
            let fresh = CatalogIndex::load(pool).await?;
            *self
                .inner
                .index
                .write()
                .unwrap_or_else(PoisonError::into_inner) = fresh;
        } else {
            let ids: Vec<Uuid> = batch.ids.iter().copied().collect();
            let update = CatalogIndex::fetch(pool, &ids).await?;
            self.inner
                .index
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .apply(update);
        }
        Ok(())
    }
}

#[async_trait]
impl Subscriber for SearchIndex {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    /// Loads the whole catalog; notifications heard meanwhile are applied after.
    async fn connected(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let _writing = self.inner.writing.lock().await;
        let heard = self.inner.heard.load(Ordering::SeqCst);
        let fresh = CatalogIndex::load(pool).await?;
        tracing::info!(products = fresh.len(), "search index loaded");
        *self
            .inner
            .index
            .write()
            .unwrap_or_else(PoisonError::into_inner) = fresh;
        self.inner
            .applied
            .send_modify(|applied| *applied = (*applied).max(heard));
        self.inner.live.store(true, Ordering::Release);
        Ok(())
    }

    fn notified(&self, payload: &str) {
        {
            let mut pending = self.pending();
            match payload.parse::<Uuid>() {
                Ok(id) => {
                    pending.ids.insert(id);
                }
                Err(_) => pending.everything = true,
            }
        }
        self.inner.heard.fetch_add(1, Ordering::SeqCst);
        self.inner.wake.notify_one();
    }

    fn disconnected(&self) {
        self.inner.live.store(false, Ordering::Release);
    }
}
