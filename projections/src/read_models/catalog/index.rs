//! The catalog's search index: every row of `catalog_products` (with its variants and its
//! `search` document) held in memory, answering [`super::search`]'s queries — the same
//! matches, totals, facets and order — without Postgres ranking every match.
//!
//! It is a copy of the read model, not a projection of its own: loaded whole with
//! [`CatalogIndex::load`] and kept equal to the tables row by row ([`CatalogIndex::fetch`] then
//! [`CatalogIndex::apply`]) by whoever hears the tables change (the HTTP process's listener on
//! `catalog_changed`). Postgres stays the judge of text: documents are the stored tsvectors and
//! queries the text of `websearch_to_tsquery` ([`parse_text_query`]), evaluated here.
//!
//! Filters are keyword sets and numeric bounds checked product by product ([`Filter`]): a new
//! keyword field (a store, a category tree's slugs) is a column in [`IndexRow`], a
//! [`Vocabulary`] of the index, a [`KeywordValues`] of [`IndexedProduct`] and one
//! [`KeywordFilter`] in [`Filter`] (plus a [`KeywordCounts`] in [`Counts`] for a facet).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgPool;
use uuid::Uuid;

use super::facets::{price_range_of, FacetCounter, KeywordFacet, PRICE_BOUNDS};
use super::keywords::{KeywordCounts, KeywordFilter, KeywordValues, Vocabulary};
use super::search::ts_config;
use super::text_query::{weight, Document, TextQuery, Unsupported};
use super::{
    product_columns, variants_json, CatalogQuery, CatalogResults, CatalogSort, ProductRow,
    ProductView, VariantRow,
};
use crate::read_models::PageRequest;

/// The search index of the catalog read model.
#[derive(Debug, Default)]
pub struct CatalogIndex {
    slots: HashMap<Uuid, u32>,
    products: Vec<Option<IndexedProduct>>,
    /// Lexeme → the products whose document holds it, by ascending slot.
    postings: HashMap<Box<str>, Vec<Posting>>,
    categories: Vocabulary,
    tags: Vocabulary,
    /// Store slug → its number in [`IndexedProduct::store`].
    stores: HashMap<Box<str>, u32>,
}

/// A product holding a lexeme, with the weight of the lexeme's occurrences in it: a one-word
/// query's rank, so ranking its matches never opens their documents.
#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    weight: f32,
}

/// Rows read from the tables, to [`CatalogIndex::apply`].
#[derive(Debug)]
pub struct IndexUpdate {
    /// Every product read (or looked for: an id without a row is dropped from the index).
    ids: Vec<Uuid>,
    products: Vec<FetchedProduct>,
}

/// A product as read, before its keywords are numbered.
#[derive(Debug)]
struct FetchedProduct {
    view: ProductView,
    /// `lower(category)` as Postgres computes it.
    category_key: String,
    tag_keys: Vec<String>,
    prices: Vec<i64>,
    text: Document,
}

/// A product as the index holds it. A search visits thousands of products, so what it reads
/// of every match (filters it always applies, facets, relevance order) is inline in the slot
/// array; the rest is boxed, read for the page's rows and for the rarer filters.
#[derive(Debug)]
struct IndexedProduct {
    id: Uuid,
    created_at: DateTime<Utc>,
    /// Position in [`STATUSES`] (`u8::MAX`: none of them).
    status: u8,
    in_stock: bool,
    store: u32,
    /// The product's one (key, spelling) pair of the category field.
    category: u32,
    /// Bit `i` set: a variant's price is in range `i` of [`PRICE_BOUNDS`].
    price_ranges: u16,
    tags: KeywordValues,
    details: Box<ProductDetails>,
}

#[derive(Debug)]
struct ProductDetails {
    view: ProductView,
    category: KeywordValues,
    prices: Vec<i64>,
    text: Document,
}

/// The product statuses a search filters by.
const STATUSES: [&str; 3] = ["draft", "active", "archived"];

const _: () = assert!(PRICE_BOUNDS.len() <= u16::BITS as usize);

fn status_number(status: &str) -> u8 {
    STATUSES
        .iter()
        .position(|known| *known == status)
        .and_then(|at| u8::try_from(at).ok())
        .unwrap_or(u8::MAX)
}

#[derive(sqlx::FromRow)]
struct IndexRow {
    #[sqlx(flatten)]
    product: ProductRow,
    category_key: String,
    tag_keys: Vec<String>,
    search: String,
    variants: Json<Vec<VariantRow>>,
}

impl IndexRow {
    fn into_product(self) -> Result<FetchedProduct, sqlx::Error> {
        let text =
            Document::parse(&self.search).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        let prices = self.variants.0.iter().map(|v| v.price_minor).collect();
        let variants = self
            .variants
            .0
            .into_iter()
            .map(VariantRow::into_view)
            .collect::<Result<_, _>>()?;
        Ok(FetchedProduct {
            view: self.product.into_view(variants),
            category_key: self.category_key,
            tag_keys: self.tag_keys,
            prices,
            text,
        })
    }
}

impl std::error::Error for Unsupported {}

/// The slugs of category `category` and of every category below it, as the Postgres path's
/// filter reads them (`category_descendants`); none when the value is no slug.
pub async fn category_subtree(pool: &PgPool, category: &str) -> Result<Vec<String>, sqlx::Error> {
    let key = category.to_lowercase();
    if !commerce_aggregates::slug::is_valid(&key) {
        return Ok(Vec::new());
    }
    sqlx::query_scalar("SELECT category_descendants($1)")
        .bind(key)
        .fetch_all(pool)
        .await
}

/// The `tsquery` text of `q` (web-search syntax, English), parsed; [`Unsupported`] when the
/// index cannot evaluate it. The answer depends on `q` only, so callers may keep it.
pub async fn parse_text_query(
    pool: &PgPool,
    q: &str,
) -> Result<Result<TextQuery, Unsupported>, sqlx::Error> {
    let text: String = sqlx::query_scalar(concat!(
        "SELECT websearch_to_tsquery(",
        ts_config!(),
        ", $1)::text"
    ))
    .bind(q)
    .fetch_one(pool)
    .await?;
    Ok(TextQuery::parse(&text))
}

impl CatalogIndex {
    /// Every product of the catalog.
    pub async fn load(pool: &PgPool) -> Result<Self, sqlx::Error> {
        let mut index = Self::default();
        index.apply(Self::read(pool, None).await?);
        Ok(index)
    }

    /// The current rows of `ids`.
    pub async fn fetch(pool: &PgPool, ids: &[Uuid]) -> Result<IndexUpdate, sqlx::Error> {
        Self::read(pool, Some(ids)).await
    }

    async fn read(pool: &PgPool, ids: Option<&[Uuid]>) -> Result<IndexUpdate, sqlx::Error> {
        macro_rules! select {
            () => {
                concat!(
                    "SELECT ",
                    product_columns!(),
                    ", lower(p.category) AS category_key, p.tag_keys, p.search::text AS search, ",
                    variants_json!(),
                    " AS variants FROM catalog_products p"
                )
            };
        }
        // Two statements, so the few-ids one keeps its primary-key plan.
        let rows: Vec<IndexRow> = match ids {
            Some(ids) => {
                sqlx::query_as(concat!(select!(), " WHERE p.id = ANY($1)"))
                    .bind(ids)
                    .fetch_all(pool)
                    .await?
            }
            None => sqlx::query_as(select!()).fetch_all(pool).await?,
        };
        let products = rows
            .into_iter()
            .map(IndexRow::into_product)
            .collect::<Result<Vec<_>, _>>()?;
        let ids = match ids {
            Some(ids) => ids.to_vec(),
            None => products.iter().map(|p| p.view.id).collect(),
        };
        Ok(IndexUpdate { ids, products })
    }

    /// Number of products held.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no product is held.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Replaces the products of `update` (and drops those it looked for but did not find).
    pub fn apply(&mut self, update: IndexUpdate) {
        for id in &update.ids {
            if let Some(slot) = self.slots.get(id).copied() {
                self.unpost(slot);
            }
        }
        let found: std::collections::HashSet<Uuid> =
            update.products.iter().map(|p| p.view.id).collect();
        for id in update.ids.iter().filter(|id| !found.contains(id)) {
            if let Some(slot) = self.slots.remove(id) {
                self.products[slot as usize] = None;
            }
        }
        for fetched in update.products {
            let product = self.number_keywords(fetched);
            let next = u32::try_from(self.products.len()).unwrap_or(u32::MAX);
            let slot = *self.slots.entry(product.id).or_insert(next);
            if slot == next {
                self.products.push(None);
            }
            for (lexeme, positions) in &product.details.text.lexemes {
                let postings = self.postings.entry(lexeme.clone()).or_default();
                if let Err(at) = postings.binary_search_by_key(&slot, |p| p.slot) {
                    let weight = weight(positions);
                    postings.insert(at, Posting { slot, weight });
                }
            }
            self.products[slot as usize] = Some(product);
        }
    }

    fn number_keywords(&mut self, fetched: FetchedProduct) -> IndexedProduct {
        let view = fetched.view;
        let category = self
            .categories
            .values([(fetched.category_key.as_str(), view.category.as_str())]);
        let tags = self.tags.values(
            fetched
                .tag_keys
                .iter()
                .map(String::as_str)
                .zip(view.tags.iter().map(String::as_str)),
        );
        let next_store = u32::try_from(self.stores.len()).unwrap_or(u32::MAX);
        let store = *self
            .stores
            .entry(view.store.as_str().into())
            .or_insert(next_store);
        let price_ranges = fetched
            .prices
            .iter()
            .filter_map(|price| price_range_of(*price))
            .fold(0, |bits, range| bits | 1 << range);
        IndexedProduct {
            id: view.id,
            created_at: view.created_at,
            status: status_number(&view.status),
            in_stock: view.in_stock,
            store,
            category: category.single(),
            price_ranges,
            tags,
            details: Box::new(ProductDetails {
                view,
                category,
                prices: fetched.prices,
                text: fetched.text,
            }),
        }
    }

    /// Takes the product in `slot` out of the postings (it stays in its slot).
    fn unpost(&mut self, slot: u32) {
        let Some(Some(product)) = self.products.get(slot as usize) else {
            return;
        };
        for (lexeme, _) in &product.details.text.lexemes {
            if let Some(postings) = self.postings.get_mut(lexeme) {
                if let Ok(at) = postings.binary_search_by_key(&slot, |p| p.slot) {
                    postings.remove(at);
                }
                if postings.is_empty() {
                    self.postings.remove(lexeme);
                }
            }
        }
    }

    /// One page of `query`'s matches and the facets of all of them; `text` is the parsed
    /// `query.q` (none without one), `subtree` the slugs of `query.category` and of the
    /// categories below it ([`category_subtree`]).
    pub fn search<'s>(
        &'s self,
        query: &CatalogQuery,
        text: Option<&TextQuery>,
        subtree: &[String],
    ) -> CatalogResults {
        let request = PageRequest::new(query.page, query.per_page);
        let filter = Filter::new(self, query, subtree);
        let mut counts = Counts::new(self);
        let ranked_words = text.map(TextQuery::ranked_words).unwrap_or_default();
        let candidates = text.and_then(|t| self.candidates(t));
        let order = Order {
            sort: query.sort,
            ranked: text.is_some(),
        };
        let offset = usize::try_from(request.offset()).unwrap_or(usize::MAX);
        let mut top = TopHits::new(&order, offset.saturating_add(request.per_page() as usize));
        // A one-word query's candidates are the products holding the word: its matches, so
        // evaluating it again on each (a lookup in its document) is skipped.
        let evaluate = !(candidates.is_some() && text.and_then(TextQuery::single_word).is_some());
        // `rank`: the product's rank when its posting already tells it (a one-word query).
        let mut visit = |product: &'s IndexedProduct, rank: Option<f32>| {
            if !filter.admits(product)
                || (evaluate && text.is_some_and(|t| !t.matches(&product.details.text)))
            {
                return;
            }
            counts.add(product);
            let rank =
                rank.unwrap_or_else(|| TextQuery::rank(&ranked_words, &product.details.text));
            top.offer(Hit {
                product,
                rank,
                created_at: product.created_at,
            });
        };
        match candidates {
            Some(postings) => {
                for posting in postings {
                    if let Some(Some(product)) = self.products.get(posting.slot as usize) {
                        visit(product, (!evaluate).then_some(posting.weight));
                    }
                }
            }
            None => self
                .products
                .iter()
                .flatten()
                .for_each(|product| visit(product, None)),
        }
        let items = top
            .into_sorted()
            .skip(offset)
            .map(|hit| hit.product.details.view.clone())
            .collect();
        let facets = counts.finish(self);
        CatalogResults {
            page: request.into_page(items, facets.in_stock.total()),
            facets,
        }
    }

    /// The products holding the rarest word every match must hold; none when the query
    /// requires no word (every product is a candidate).
    fn candidates(&self, text: &TextQuery) -> Option<&[Posting]> {
        text.required_words()
            .into_iter()
            .map(|word| self.postings.get(word).map_or(&[][..], Vec::as_slice))
            .min_by_key(|slots| slots.len())
    }
}

/// The facet counts of one search.
struct Counts {
    categories: KeywordCounts,
    tags: KeywordCounts,
    price_ranges: [i64; PRICE_BOUNDS.len()],
    in_stock: [i64; 2],
}

impl Counts {
    fn new(index: &CatalogIndex) -> Self {
        Self {
            categories: index.categories.counts(),
            tags: index.tags.counts(),
            price_ranges: [0; PRICE_BOUNDS.len()],
            in_stock: [0; 2],
        }
    }

    /// Adds one matching product.
    fn add(&mut self, product: &IndexedProduct) {
        self.categories.add_one(product.category);
        self.tags.add(&product.tags);
        for (range, count) in self.price_ranges.iter_mut().enumerate() {
            *count += i64::from(product.price_ranges >> range & 1);
        }
        self.in_stock[usize::from(product.in_stock)] += 1;
    }

    fn finish(self, index: &CatalogIndex) -> super::CatalogFacets {
        let mut counter = FacetCounter::default();
        index
            .categories
            .report(&self.categories, KeywordFacet::Category, &mut counter);
        index
            .tags
            .report(&self.tags, KeywordFacet::Tag, &mut counter);
        for (range, count) in self.price_ranges.iter().enumerate() {
            counter.price_range(range, *count);
        }
        counter.stock(false, self.in_stock[0]);
        counter.stock(true, self.in_stock[1]);
        counter.finish()
    }
}

/// A query's filters, keys prepared once: the same conditions as the Postgres path's
/// (`CatalogQuery::push_from_where`).
struct Filter<'q> {
    status: Option<u8>,
    /// The store's number (`u32::MAX` for a store no product is in).
    store: Option<u32>,
    /// The free-text key, and the slugs of the category named and of those below it.
    category: Option<(KeywordFilter, HashSet<&'q str>)>,
    /// The tag's key, and its slug as given.
    tag: Option<(KeywordFilter, &'q str)>,
    in_stock: Option<bool>,
    min_price: Option<i64>,
    max_price: Option<i64>,
}

impl<'q> Filter<'q> {
    fn new(index: &CatalogIndex, query: &'q CatalogQuery, subtree: &'q [String]) -> Self {
        let keys = |value: &str| vec![value.to_lowercase()];
        Self {
            status: query.status.status().map(status_number),
            store: query
                .store
                .as_deref()
                .map(|store| index.stores.get(store).copied().unwrap_or(u32::MAX)),
            category: query.category.as_deref().map(|category| {
                let slugs = subtree.iter().map(String::as_str).collect();
                (index.categories.filter(&keys(category)), slugs)
            }),
            tag: query
                .tag
                .as_deref()
                .map(|tag| (index.tags.filter(&keys(tag)), tag)),
            in_stock: query.in_stock,
            min_price: query.min_price,
            max_price: query.max_price,
        }
    }

    fn admits(&self, product: &IndexedProduct) -> bool {
        let details = &product.details;
        let view = &details.view;
        self.status.is_none_or(|status| product.status == status)
            && self.store.is_none_or(|store| product.store == store)
            && self
                .in_stock
                .is_none_or(|wanted| product.in_stock == wanted)
            && self.category.as_ref().is_none_or(|(key, slugs)| {
                key.admits(&details.category) || slugs.contains(view.category_ref.slug.as_str())
            })
            && self.tag.as_ref().is_none_or(|(key, slug)| {
                key.admits(&product.tags) || view.tag_refs.iter().any(|t| t.slug == *slug)
            })
            && (self.min_price.is_none() && self.max_price.is_none()
                || details.prices.iter().any(|price| {
                    self.min_price.is_none_or(|min| *price >= min)
                        && self.max_price.is_none_or(|max| *price <= max)
                }))
    }
}

/// A match, with the keys of the usual orders copied in: choosing the page compares matches
/// many times over, and reading the product each time was a cache miss.
struct Hit<'a> {
    product: &'a IndexedProduct,
    rank: f32,
    created_at: DateTime<Utc>,
}

/// The first `limit` matches by `order` among those offered: a bounded heap whose top is the
/// worst kept, so a match that cannot make the page costs one comparison.
struct TopHits<'s, 'o> {
    order: &'o Order,
    limit: usize,
    heap: BinaryHeap<Kept<'s, 'o>>,
}

/// A kept match, ordered by its search's order.
struct Kept<'s, 'o> {
    hit: Hit<'s>,
    order: &'o Order,
}

impl<'s, 'o> TopHits<'s, 'o> {
    fn new(order: &'o Order, limit: usize) -> Self {
        Self {
            order,
            limit,
            heap: BinaryHeap::new(),
        }
    }

    fn offer(&mut self, hit: Hit<'s>) {
        if self.heap.len() < self.limit {
            self.heap.push(Kept {
                hit,
                order: self.order,
            });
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if self.order.compare(&hit, &worst.hit) == Ordering::Less {
                worst.hit = hit;
            }
        }
    }

    /// The kept matches, first first.
    fn into_sorted(self) -> impl Iterator<Item = Hit<'s>> + use<'s, 'o> {
        self.heap.into_sorted_vec().into_iter().map(|kept| kept.hit)
    }
}

impl PartialEq for Kept<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Kept<'_, '_> {}

impl PartialOrd for Kept<'_, '_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kept<'_, '_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order.compare(&self.hit, &other.hit)
    }
}

/// The `ORDER BY` of [`CatalogSort`], on hits.
struct Order {
    sort: CatalogSort,
    ranked: bool,
}

impl Order {
    fn compare(&self, a: &Hit<'_>, b: &Hit<'_>) -> Ordering {
        let newest = || b.created_at.cmp(&a.created_at);
        let (x, y) = (&a.product.details.view, &b.product.details.view);
        let price = |v: &ProductView, max: bool| {
            if max { &v.max_price } else { &v.min_price }
                .as_ref()
                .map(|m| m.amount)
        };
        let nulls_last = |p: Option<i64>, q: Option<i64>, descending: bool| match (p, q) {
            (Some(p), Some(q)) if descending => q.cmp(&p),
            (Some(p), Some(q)) => p.cmp(&q),
            (p, q) => p.is_none().cmp(&q.is_none()),
        };
        let first = match self.sort {
            CatalogSort::Relevance if self.ranked => b.rank.total_cmp(&a.rank).then_with(newest),
            CatalogSort::Relevance | CatalogSort::Newest => newest(),
            CatalogSort::PriceAsc => nulls_last(price(x, false), price(y, false), false),
            CatalogSort::PriceDesc => nulls_last(price(x, true), price(y, true), true),
            CatalogSort::Name => x.name.cmp(&y.name),
        };
        first.then_with(|| a.product.id.cmp(&b.product.id))
    }
}
