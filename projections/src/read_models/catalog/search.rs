//! Catalog search: full-text query, filters, sorting, pagination and facets over
//! `catalog_products`.
//!
//! Every value the caller gives is a bind parameter; the only SQL that varies is the choice of
//! fixed fragments (which filters are present, which `ORDER BY` the sort maps to).

use commerce_aggregates::slug;
use serde::Deserialize;
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::facets::{CatalogFacets, FacetCounter, KeywordFacet, PRICE_BOUNDS};
use super::{product_columns, with_variants, ProductRow, ProductView};
use crate::read_models::{Page, PageRequest, DEFAULT_PER_PAGE};

/// The text-search configuration of `catalog_products.search` (see the migration).
macro_rules! ts_config {
    () => {
        "'english'::regconfig"
    };
}
pub(super) use ts_config;

/// One page of a search's matches and the facets of all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogResults {
    /// The page; its `total` counts every match.
    pub page: Page<ProductView>,
    /// Counts over every match.
    pub facets: CatalogFacets,
}

/// How to order search results. Every order ends with the product id, so pages are stable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CatalogSort {
    /// Best full-text match first; without `q`, the same as [`CatalogSort::Newest`].
    #[default]
    Relevance,
    /// Cheapest variant price, ascending.
    PriceAsc,
    /// Dearest variant price, descending.
    PriceDesc,
    /// Name, alphabetically.
    Name,
    /// Most recently created first.
    Newest,
}

impl CatalogSort {
    /// Parses a wire name (`relevance`, `price_asc`, `price_desc`, `name`, `newest`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "relevance" => Some(Self::Relevance),
            "price_asc" => Some(Self::PriceAsc),
            "price_desc" => Some(Self::PriceDesc),
            "name" => Some(Self::Name),
            "newest" => Some(Self::Newest),
            _ => None,
        }
    }

    /// The fixed `ORDER BY` clause; `ranked` when a text query is present (`query` in scope).
    fn order_by(self, ranked: bool) -> &'static str {
        match self {
            Self::Relevance if ranked => {
                " ORDER BY ts_rank_cd(p.search, query) DESC, p.created_at DESC, p.id"
            }
            Self::Relevance | Self::Newest => " ORDER BY p.created_at DESC, p.id",
            Self::PriceAsc => " ORDER BY p.min_price_minor ASC NULLS LAST, p.id",
            Self::PriceDesc => " ORDER BY p.max_price_minor DESC NULLS LAST, p.id",
            Self::Name => " ORDER BY p.name, p.id",
        }
    }
}

/// Which product statuses a search returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    /// On sale only (what customers see).
    #[default]
    Active,
    /// Drafts only.
    Draft,
    /// Archived only.
    Archived,
    /// Every status (back office).
    Any,
}

impl StatusFilter {
    /// Parses a wire name (`active`, `draft`, `archived`, `any`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "active" => Some(Self::Active),
            "draft" => Some(Self::Draft),
            "archived" => Some(Self::Archived),
            "any" => Some(Self::Any),
            _ => None,
        }
    }

    pub(super) fn status(self) -> Option<&'static str> {
        match self {
            Self::Active => Some("active"),
            Self::Draft => Some("draft"),
            Self::Archived => Some("archived"),
            Self::Any => None,
        }
    }
}

/// A catalog search. `Default` is page 1 of every active product, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogQuery {
    /// Full-text query in web-search syntax (`"exact phrase"`, `-excluded`, `or`); blank = none.
    pub q: Option<String>,
    /// Only the products of this store (slug); none = every store.
    pub store: Option<String>,
    /// A category's slug (any case): products in it or in any category below it; or a
    /// free-text category, compared case-insensitively.
    pub category: Option<String>,
    /// A tag the product must have: its slug, or its name compared case-insensitively.
    pub tag: Option<String>,
    /// Some variant costs at least this much (minor units)…
    pub min_price: Option<i64>,
    /// …and at most this much (the same variant satisfies both bounds).
    pub max_price: Option<i64>,
    /// Only products with (`true`) or without (`false`) available units.
    pub in_stock: Option<bool>,
    /// Statuses to include (default: active only).
    pub status: StatusFilter,
    /// Result order.
    pub sort: CatalogSort,
    /// Page number, from 1.
    pub page: u32,
    /// Items per page, `1..=100` (clamped).
    pub per_page: u32,
}

impl Default for CatalogQuery {
    fn default() -> Self {
        Self {
            q: None,
            store: None,
            category: None,
            tag: None,
            min_price: None,
            max_price: None,
            in_stock: None,
            status: StatusFilter::default(),
            sort: CatalogSort::default(),
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl CatalogQuery {
    /// The text query, unless blank.
    pub fn text(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    /// Appends `FROM … WHERE …` for this query to `sql`.
    fn push_from_where<'a>(&'a self, sql: &mut QueryBuilder<'a, Postgres>) {
        sql.push(" FROM catalog_products p");
        let text = self.text();
        if let Some(text) = text {
            sql.push(concat!(", websearch_to_tsquery(", ts_config!(), ", "))
                .push_bind(text)
                .push(") AS query");
        }
        let mut clause = Clauses::default();
        if let Some(status) = self.status.status() {
            clause.next(sql).push("p.status = ").push_bind(status);
        }
        if text.is_some() {
            clause.next(sql).push("p.search @@ query");
        }
        if let Some(store) = &self.store {
            clause
                .next(sql)
                .push("p.store = ")
                .push_bind(store.as_str());
        }
        if let Some(category) = &self.category {
            // A category's slug (any case) names it and every category below it; any value
            // also matches, as before, products whose text is the same but for case.
            let key = category.to_lowercase();
            let sql = clause.next(sql).push("(lower(p.category) = ");
            sql.push_bind(key.clone());
            if slug::is_valid(&key) {
                sql.push(" OR p.category_slug IN (SELECT category_descendants(")
                    .push_bind(key)
                    .push("))");
            }
            sql.push(")");
        }
        if let Some(tag) = &self.tag {
            clause
                .next(sql)
                .push("(p.tag_slugs @> ARRAY[")
                .push_bind(tag.as_str())
                .push("]::text[] OR p.tag_keys @> ARRAY[")
                .push_bind(tag.to_lowercase())
                .push("]::text[])");
        }
        if let Some(in_stock) = self.in_stock {
            clause.next(sql).push("p.in_stock = ").push_bind(in_stock);
        }
        if self.min_price.is_some() || self.max_price.is_some() {
            clause
                .next(sql)
                .push("EXISTS (SELECT 1 FROM catalog_variants v WHERE v.product_id = p.id");
            if let Some(min) = self.min_price {
                sql.push(" AND v.price_minor >= ").push_bind(min);
            }
            if let Some(max) = self.max_price {
                sql.push(" AND v.price_minor <= ").push_bind(max);
            }
            sql.push(")");
        }
    }
}

/// Joins conditions: ` WHERE ` before the first, ` AND ` before the others.
#[derive(Default)]
struct Clauses {
    started: bool,
}

impl Clauses {
    fn next<'s, 'a>(
        &mut self,
        sql: &'s mut QueryBuilder<'a, Postgres>,
    ) -> &'s mut QueryBuilder<'a, Postgres> {
        sql.push(if self.started { " AND " } else { " WHERE " });
        self.started = true;
        sql
    }
}

/// One page of the products matching `query`, with their variants, and the facets of all
/// matches (whose stock counts add up to the total).
pub async fn search(pool: &PgPool, query: &CatalogQuery) -> Result<CatalogResults, sqlx::Error> {
    let request = PageRequest::new(query.page, query.per_page);
    let facets = facets(pool, query).await?;

    let mut select = QueryBuilder::new(concat!("SELECT ", product_columns!()));
    query.push_from_where(&mut select);
    select
        .push(query.sort.order_by(query.text().is_some()))
        .push(" LIMIT ")
        .push_bind(request.limit())
        .push(" OFFSET ")
        .push_bind(request.offset());
    let rows: Vec<ProductRow> = select.build_query_as().fetch_all(pool).await?;

    let items = with_variants(pool, rows).await?;
    Ok(CatalogResults {
        page: request.into_page(items, facets.in_stock.total()),
        facets,
    })
}

/// One count of the facets query: `facet` is `category`, `tag`, `price` (`value` is the
/// range's index) or `stock` (`value` is `true` or `false`).
#[derive(sqlx::FromRow)]
struct FacetRow {
    facet: String,
    value: Option<String>,
    name: Option<String>,
    count: i64,
}

/// The facets of every product matching `query`, in one statement over the matches.
async fn facets(pool: &PgPool, query: &CatalogQuery) -> Result<CatalogFacets, sqlx::Error> {
    let mut sql = QueryBuilder::new(
        "WITH m AS MATERIALIZED (SELECT p.id, p.category, p.tags, p.tag_keys, p.in_stock",
    );
    query.push_from_where(&mut sql);
    sql.push(
        ") SELECT 'category' AS facet, lower(category) AS value, \
           min(category COLLATE \"C\") AS name, count(*) AS count FROM m GROUP BY 2 \
         UNION ALL SELECT 'tag', t.key, min(t.tag COLLATE \"C\"), count(DISTINCT m.id) \
           FROM m CROSS JOIN LATERAL unnest(m.tags, m.tag_keys) AS t(tag, key) GROUP BY 2 \
         UNION ALL SELECT 'price', (width_bucket(v.price_minor, ",
    )
    .push_bind(&PRICE_BOUNDS[..])
    .push(
        "::bigint[]) - 1)::text, NULL, count(DISTINCT v.product_id) \
           FROM m JOIN catalog_variants v ON v.product_id = m.id GROUP BY 2 \
         UNION ALL SELECT 'stock', m.in_stock::text, NULL, count(*) FROM m GROUP BY 2",
    );
    let rows: Vec<FacetRow> = sql.build_query_as().fetch_all(pool).await?;
    let mut counter = FacetCounter::default();
    for row in rows {
        let value = row.value.unwrap_or_default();
        let name = row.name.unwrap_or_default();
        match row.facet.as_str() {
            "category" => counter.keyword(KeywordFacet::Category, &value, &name, row.count),
            "tag" => counter.keyword(KeywordFacet::Tag, &value, &name, row.count),
            // Below the first bound (a negative price) is index -1: no range.
            "price" => {
                if let Ok(range) = value.parse::<usize>() {
                    counter.price_range(range, row.count);
                }
            }
            _ => counter.stock(value == "true", row.count),
        }
    }
    Ok(counter.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_statuses_parse_their_wire_names() {
        for (name, sort) in [
            ("relevance", CatalogSort::Relevance),
            ("price_asc", CatalogSort::PriceAsc),
            ("price_desc", CatalogSort::PriceDesc),
            ("name", CatalogSort::Name),
            ("newest", CatalogSort::Newest),
        ] {
            assert_eq!(CatalogSort::parse(name), Some(sort));
        }
        assert_eq!(CatalogSort::parse("id; DROP TABLE x"), None);
        assert_eq!(StatusFilter::parse("any"), Some(StatusFilter::Any));
        assert_eq!(StatusFilter::parse("deleted"), None);
    }

    #[test]
    fn relevance_without_text_is_newest() {
        assert_eq!(
            CatalogSort::Relevance.order_by(false),
            CatalogSort::Newest.order_by(false)
        );
    }
}
