//! The catalog read model (projection `catalog`, product events): `catalog_products` with
//! full-text search and product-level price and stock figures, `catalog_variants` with each
//! variant's price and stock, `catalog_product_images` with the uploaded images ([`images`]);
//! the query functions [`search`] (with [`facets`]) and [`get`]; and [`CatalogIndex`], the
//! same search answered from memory.

pub mod facets;
mod images;
mod index;
mod keywords;
mod search;
mod text_query;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use commerce_aggregates::product::{NewVariant, ProductDetails, ProductEvent};
use commerce_aggregates::slug::slugify;
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::stock::{self, StockTable};
use super::{aggregate_uuid, decode, json_column, version, MoneyView};
use crate::envelope::Envelope;
use crate::projection::{Projection, ProjectionError};

pub use facets::CatalogFacets;
pub use images::{media_url, ImageView, MEDIA_PATH};
pub use index::{category_subtree, parse_text_query, CatalogIndex, IndexUpdate};
pub use search::{search, CatalogQuery, CatalogResults, CatalogSort, StatusFilter};
pub use text_query::{TextQuery, Unsupported};

/// Builds `catalog_products`, `catalog_variants` and `catalog_product_images` from product
/// events.
#[derive(Debug, Clone, Copy, Default)]
pub struct CatalogProjection;

#[async_trait]
impl Projection for CatalogProjection {
    fn name(&self) -> &'static str {
        "catalog"
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["product"]
    }

    fn tables(&self) -> &'static [&'static str] {
        // A replay locks these in this order; the reads (the search index, searches) lock
        // `catalog_products` before the tables their subqueries read, so the products come
        // first here too, or a replay and a read can each hold what the other waits for.
        &[
            "catalog_products",
            "catalog_variants",
            "catalog_product_images",
        ]
    }

    fn rebuild(&self) -> Option<Box<dyn crate::replay::Rebuild + '_>> {
        Some(Box::<rebuild::CatalogRebuild>::default())
    }

    /// The products whose events of the batch only move stock (reservations under load)
    /// are written with three statements in all (see [`stock::apply_batch`]) and their
    /// figures recomputed once; the others event by event.
    async fn apply_many(
        &self,
        tx: &mut PgConnection,
        events: &[&Envelope],
    ) -> Result<(), ProjectionError> {
        let bulk = stock::apply_batch(
            tx,
            self,
            StockTable::CatalogVariants,
            events,
            stock::moves_stock_only,
        )
        .await?;
        if bulk.ids.is_empty() {
            return Ok(());
        }
        refresh_products(tx, &bulk.ids, &bulk.versions, &bulk.recorded_at).await?;
        Ok(())
    }

    async fn apply(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), ProjectionError> {
        let product: ProductEvent = decode(event)?;
        let id = aggregate_uuid(event)?;
        let version = version(event)?;
        let at = event.recorded_at;
        match &product {
            ProductEvent::ProductCreated {
                details,
                low_stock_threshold,
                variants,
                store,
                ..
            } => {
                let created = Created {
                    details,
                    low_stock_threshold: *low_stock_threshold,
                    store,
                };
                insert_product(tx, id, created, at, version).await?;
                for variant in variants {
                    upsert_variant(tx, id, variant).await?;
                }
            }
            ProductEvent::ProductDetailsUpdated {
                details,
                low_stock_threshold,
            } => {
                sqlx::query(
                    "UPDATE catalog_products SET name = $2, description = $3, category = $4, \
                     tags = $5, tag_keys = $6, images = $7, low_stock_threshold = $8, \
                     category_slug = $9, tag_slugs = $10 WHERE id = $1",
                )
                .bind(id)
                .bind(&details.name)
                .bind(&details.description)
                .bind(&details.category)
                .bind(&details.tags)
                .bind(tag_keys(&details.tags))
                .bind(&details.images)
                .bind(i64::from(*low_stock_threshold))
                .bind(slugify(&details.category))
                .bind(tag_slugs(&details.tags))
                .execute(&mut *tx)
                .await?;
            }
            ProductEvent::VariantAdded { variant } => upsert_variant(tx, id, variant).await?,
            ProductEvent::VariantPriceChanged { sku, new_price, .. } => {
                sqlx::query(
                    "UPDATE catalog_variants SET price_minor = $3, currency = $4 \
                     WHERE product_id = $1 AND sku = $2",
                )
                .bind(id)
                .bind(sku)
                .bind(new_price.minor)
                .bind(new_price.currency.as_str())
                .execute(&mut *tx)
                .await?;
            }
            ProductEvent::ProductPublished {} => set_status(tx, id, "active").await?,
            ProductEvent::ProductArchived {} => set_status(tx, id, "archived").await?,
            ProductEvent::TagLinked { slug } => {
                // A slug is its own tag key and its own slug.
                sqlx::query(
                    "UPDATE catalog_products SET tags = array_append(tags, $2), \
                     tag_keys = array_append(tag_keys, $2), \
                     tag_slugs = array_append(tag_slugs, $2) WHERE id = $1",
                )
                .bind(id)
                .bind(slug)
                .execute(&mut *tx)
                .await?;
            }
            ProductEvent::TagUnlinked { slug } => {
                // `tags`, `tag_keys` and `tag_slugs` run in parallel: keep the entries whose
                // slug is another one, in order.
                sqlx::query(
                    "UPDATE catalog_products SET \
                     tags = ARRAY(SELECT t FROM unnest(tags, tag_slugs) WITH ORDINALITY \
                                  AS u(t, s, n) WHERE s <> $2 ORDER BY n), \
                     tag_keys = ARRAY(SELECT k FROM unnest(tag_keys, tag_slugs) WITH ORDINALITY \
                                      AS u(k, s, n) WHERE s <> $2 ORDER BY n), \
                     tag_slugs = array_remove(tag_slugs, $2) WHERE id = $1",
                )
                .bind(id)
                .bind(slug)
                .execute(&mut *tx)
                .await?;
            }
            ProductEvent::ProductImageAdded { image } => images::add(tx, id, image).await?,
            ProductEvent::ProductImageRemoved { image_id } => {
                images::remove(tx, id, *image_id).await?;
            }
            ProductEvent::ProductImagesReordered { image_ids } => {
                images::reorder(tx, id, image_ids).await?;
            }
            ProductEvent::StockAdjusted { .. }
            | ProductEvent::StockReserved { .. }
            | ProductEvent::ReservationReleased { .. }
            | ProductEvent::ReservationCommitted { .. }
            | ProductEvent::LowStockThresholdCrossed { .. } => {}
        }
        if let Some(change) = stock::stock_change(&product) {
            stock::apply(tx, StockTable::CatalogVariants, id, &change).await?;
        }
        refresh_product(tx, id, version, at).await?;
        Ok(())
    }
}

/// Tags lower-cased, for case-insensitive tag filters.
fn tag_keys(tags: &[String]) -> Vec<String> {
    tags.iter().map(|tag| tag.to_lowercase()).collect()
}

/// The slug of each tag, in order: what tags are counted and filtered by.
fn tag_slugs(tags: &[String]) -> Vec<String> {
    tags.iter().map(|tag| slugify(tag)).collect()
}

/// What `ProductCreated` sets on the product's row.
struct Created<'e> {
    details: &'e ProductDetails,
    low_stock_threshold: u32,
    store: &'e str,
}

async fn insert_product(
    tx: &mut PgConnection,
    id: Uuid,
    created: Created<'_>,
    at: DateTime<Utc>,
    version: i64,
) -> Result<(), sqlx::Error> {
    let Created {
        details,
        low_stock_threshold,
        store,
    } = created;
    sqlx::query(
        "INSERT INTO catalog_products (id, name, description, category, tags, tag_keys, images, \
         status, low_stock_threshold, created_at, updated_at, version, category_slug, \
         tag_slugs, store) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9, $9, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, store = EXCLUDED.store, \
         description = EXCLUDED.description, category = EXCLUDED.category, \
         tags = EXCLUDED.tags, tag_keys = EXCLUDED.tag_keys, images = EXCLUDED.images, \
         category_slug = EXCLUDED.category_slug, tag_slugs = EXCLUDED.tag_slugs, \
         status = EXCLUDED.status, low_stock_threshold = EXCLUDED.low_stock_threshold, \
         created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, \
         version = EXCLUDED.version",
    )
    .bind(id)
    .bind(&details.name)
    .bind(&details.description)
    .bind(&details.category)
    .bind(&details.tags)
    .bind(tag_keys(&details.tags))
    .bind(&details.images)
    .bind(i64::from(low_stock_threshold))
    .bind(at)
    .bind(version)
    .bind(slugify(&details.category))
    .bind(tag_slugs(&details.tags))
    .bind(store)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn upsert_variant(
    tx: &mut PgConnection,
    product_id: Uuid,
    variant: &NewVariant,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO catalog_variants (product_id, sku, options, price_minor, currency, on_hand, \
         reserved) VALUES ($1, $2, $3, $4, $5, $6, 0) \
         ON CONFLICT (product_id, sku) DO UPDATE SET options = EXCLUDED.options, \
         price_minor = EXCLUDED.price_minor, currency = EXCLUDED.currency, \
         on_hand = EXCLUDED.on_hand, reserved = 0",
    )
    .bind(product_id)
    .bind(&variant.sku)
    .bind(Json(&variant.options))
    .bind(variant.price.minor)
    .bind(variant.price.currency.as_str())
    .bind(i64::from(variant.stock))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn set_status(tx: &mut PgConnection, id: Uuid, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE catalog_products SET status = $2 WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Recomputes the product-level figures from its variants and records the event's version.
async fn refresh_product(
    tx: &mut PgConnection,
    id: Uuid,
    version: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    refresh_products(tx, &[id], &[version], &[at]).await
}

/// [`refresh_product`] for each of `ids`, with the version and time of its last event.
async fn refresh_products(
    tx: &mut PgConnection,
    ids: &[Uuid],
    versions: &[i64],
    at: &[DateTime<Utc>],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE catalog_products AS p SET \
         currency = COALESCE(p.currency, s.currency), \
         min_price_minor = s.min_price, max_price_minor = s.max_price, \
         total_available = s.available, in_stock = s.available > 0, \
         version = d.version, updated_at = d.at \
         FROM UNNEST($1::uuid[], $2::bigint[], $3::timestamptz[]) AS d(id, version, at) \
         CROSS JOIN LATERAL (SELECT min(currency) AS currency, \
                  min(price_minor) AS min_price, max(price_minor) AS max_price, \
                  COALESCE(sum(GREATEST(available, 0)), 0)::bigint AS available \
                FROM catalog_variants WHERE product_id = d.id) AS s \
         WHERE p.id = d.id",
    )
    .bind(ids)
    .bind(versions)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A product as the catalog shows it, with its variants (`GET products`, `GET products/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductView {
    /// The product's id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Catalogue category, as entered (a category's slug, or free text).
    pub category: String,
    /// The category it is in: its slug and current name (a free-text category that names
    /// no created category is an implicit one, named by the text).
    pub category_ref: TaxonRef,
    /// Search tags, as entered (a linked tag as its slug).
    pub tags: Vec<String>,
    /// Its tags by slug with their current names, in the order of `tags`.
    pub tag_refs: Vec<TaxonRef>,
    /// Every image's URL in display order: the linked URLs, then the uploaded images'
    /// (`/api/v1/media/{key}`).
    pub images: Vec<String>,
    /// The same images in the same order, with what is known of each (id, type, size and
    /// alt text of the uploaded ones).
    pub image_details: Vec<ImageView>,
    /// `draft`, `active` or `archived`.
    #[cfg_attr(feature = "openapi", schema(example = "active"))]
    pub status: String,
    /// Cheapest variant price (none without variants).
    pub min_price: Option<MoneyView>,
    /// Dearest variant price (none without variants).
    pub max_price: Option<MoneyView>,
    /// Units available over all variants.
    pub total_available: i64,
    /// True when some variant has units available.
    pub in_stock: bool,
    /// Available units at or below which a variant counts as low on stock.
    pub low_stock_threshold: i64,
    /// The variants, ordered by SKU.
    pub variants: Vec<VariantView>,
    /// When the product was created (its first event's `recorded_at`).
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The product's version as of this view (compare with command responses).
    pub version: i64,
    /// The slug of the store it is sold in.
    #[cfg_attr(feature = "openapi", schema(example = "default"))]
    pub store: String,
}

/// A category or tag as a product shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxonRef {
    /// Its slug.
    #[cfg_attr(feature = "openapi", schema(example = "running-shoes"))]
    pub slug: String,
    /// Its current name.
    #[cfg_attr(feature = "openapi", schema(example = "Running shoes"))]
    pub name: String,
}

/// One variant of a [`ProductView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VariantView {
    /// Stock-keeping unit.
    pub sku: String,
    /// Option name → value (`{"colour": "white"}`).
    pub options: BTreeMap<String, String>,
    /// Unit price.
    pub price: MoneyView,
    /// Units in the warehouse, reserved ones included.
    pub on_hand: i64,
    /// Units held for orders.
    pub reserved: i64,
    /// Units that can still be sold: `on_hand − reserved`.
    pub available: i64,
}

/// The product columns every catalog query selects (`p` is `catalog_products`).
macro_rules! product_columns {
    () => {
        concat!(
            "p.id, p.name, p.description, p.category, p.tags, p.images, p.status, p.currency, \
             p.min_price_minor, p.max_price_minor, p.total_available, p.in_stock, \
             p.low_stock_threshold, p.created_at, p.updated_at, p.version, p.store, \
             p.category_slug, \
             COALESCE((SELECT c.name FROM categories c WHERE c.slug = p.category_slug), \
                      p.category) AS category_name, \
             COALESCE((SELECT jsonb_agg(jsonb_build_object('slug', u.slug, \
                                        'name', COALESCE(t.name, u.tag)) ORDER BY u.n) \
                       FROM unnest(p.tags, p.tag_slugs) WITH ORDINALITY AS u(tag, slug, n) \
                       LEFT JOIN tags t ON t.slug = u.slug), '[]') AS tag_refs, ",
            $crate::read_models::catalog::images::uploads_column!()
        )
    };
}
use product_columns;

/// A product's variants as one JSON array ordered by SKU, each shaped as a `VariantRow`
/// (`p` is `catalog_products`).
macro_rules! variants_json {
    () => {
        "COALESCE((SELECT jsonb_agg(jsonb_build_object(
               'product_id', v.product_id, 'sku', v.sku, 'options', v.options,
               'price_minor', v.price_minor, 'currency', v.currency, 'on_hand', v.on_hand,
               'reserved', v.reserved, 'available', v.available) ORDER BY v.sku)
             FROM catalog_variants v WHERE v.product_id = p.id), '[]')"
    };
}
use variants_json;

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: Uuid,
    name: String,
    description: String,
    category: String,
    tags: Vec<String>,
    images: Vec<String>,
    uploads: Json<Vec<images::UploadRow>>,
    status: String,
    currency: Option<String>,
    min_price_minor: Option<i64>,
    max_price_minor: Option<i64>,
    total_available: i64,
    in_stock: bool,
    low_stock_threshold: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    store: String,
    category_slug: String,
    category_name: String,
    tag_refs: Json<Vec<TaxonRef>>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct VariantRow {
    product_id: Uuid,
    sku: String,
    options: serde_json::Value,
    price_minor: i64,
    currency: String,
    on_hand: i64,
    reserved: i64,
    available: i64,
}

impl ProductRow {
    fn into_view(self, variants: Vec<VariantView>) -> ProductView {
        let price = |minor: Option<i64>| {
            minor
                .zip(self.currency.clone())
                .map(|(amount, currency)| MoneyView::new(amount, currency))
        };
        let image_details = images::gallery(&self.images, self.uploads.0);
        ProductView {
            min_price: price(self.min_price_minor),
            max_price: price(self.max_price_minor),
            id: self.id,
            name: self.name,
            description: self.description,
            category: self.category,
            category_ref: TaxonRef {
                slug: self.category_slug,
                name: self.category_name,
            },
            tags: self.tags,
            tag_refs: self.tag_refs.0,
            images: image_details
                .iter()
                .map(|image| image.url.clone())
                .collect(),
            image_details,
            status: self.status,
            total_available: self.total_available,
            in_stock: self.in_stock,
            low_stock_threshold: self.low_stock_threshold,
            variants,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
            store: self.store,
        }
    }
}

/// The variants of `products`, per product, ordered by SKU.
async fn variants_of(
    pool: &PgPool,
    products: &[Uuid],
) -> Result<HashMap<Uuid, Vec<VariantView>>, sqlx::Error> {
    let rows: Vec<VariantRow> = sqlx::query_as(
        "SELECT product_id, sku, options, price_minor, currency, on_hand, reserved, available \
         FROM catalog_variants WHERE product_id = ANY($1) ORDER BY product_id, sku",
    )
    .bind(products)
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<Uuid, Vec<VariantView>> = HashMap::new();
    for row in rows {
        out.entry(row.product_id)
            .or_default()
            .push(row.into_view()?);
    }
    Ok(out)
}

impl VariantRow {
    fn into_view(self) -> Result<VariantView, sqlx::Error> {
        Ok(VariantView {
            sku: self.sku,
            options: json_column("options", self.options)?,
            price: MoneyView::new(self.price_minor, self.currency),
            on_hand: self.on_hand,
            reserved: self.reserved,
            available: self.available,
        })
    }
}

/// Attaches their variants to `rows`, keeping their order.
async fn with_variants(
    pool: &PgPool,
    rows: Vec<ProductRow>,
) -> Result<Vec<ProductView>, sqlx::Error> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut variants = variants_of(pool, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let own = variants.remove(&row.id).unwrap_or_default();
            row.into_view(own)
        })
        .collect())
}

/// The product `id` in any status (the caller decides who may see drafts), with its variants
/// (one query: the hottest read of the catalog).
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<ProductView>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct WithVariants {
        #[sqlx(flatten)]
        product: ProductRow,
        variants: Json<Vec<VariantRow>>,
    }
    let row: Option<WithVariants> = sqlx::query_as(concat!(
        "SELECT ",
        product_columns!(),
        ", ",
        variants_json!(),
        " AS variants FROM catalog_products p WHERE p.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let variants = row
        .variants
        .0
        .into_iter()
        .map(VariantRow::into_view)
        .collect::<Result<_, _>>()?;
    Ok(Some(row.product.into_view(variants)))
}

mod rebuild;
