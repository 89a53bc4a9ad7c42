//! Facets of a catalog search: counts per category, tag, price range and stock state over every
//! product the query and its filters match (all pages), so a storefront draws its filter panel
//! from the same request.
//!
//! Both search paths (Postgres, [`super::index`]) fill the same [`FacetCounter`] rules:
//! - a category or tag facet's `value` is its filter key (lower-cased), `name` the smallest
//!   spelling among the matches (byte order); the `FACET_LIMIT` largest counts are kept, ties by
//!   value; a product counts once per tag however often it carries it;
//! - price ranges follow the `min_price`/`max_price` filter ("some variant costs between"): a
//!   product counts in every range one of its variants' prices falls in, so a range's count is
//!   exactly the total of the same search with `min_price=min&max_price=max`. Ranges are fixed
//!   (see [`PRICE_BOUNDS`]) so the panel is the same from one query to the next; empty ones
//!   are left out. Like the filter, they compare minor units whatever the currency;
//! - `in_stock` counts the matches with and without available units.

use std::collections::HashMap;

use serde::Serialize;

/// Lower bounds of the price ranges, in minor units, ascending: 0–9.99, 10–24.99, 25–49.99,
/// 50–99.99, 100–249.99, 250–499.99, 500–999.99, 1,000 and up (a 1-2.5-5 series, the steps
/// shops use for price filters).
pub const PRICE_BOUNDS: [i64; 8] = [0, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000];

/// Most values listed per category or tag facet.
pub const FACET_LIMIT: usize = 50;

/// The facets of a search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogFacets {
    /// Matches per category, largest first.
    pub categories: Vec<FacetValue>,
    /// Matches per tag, largest first.
    pub tags: Vec<FacetValue>,
    /// Matches per price range (some variant's price in the range), cheapest range first;
    /// ranges without matches are left out.
    pub price_ranges: Vec<PriceRange>,
    /// Matches with and without units available.
    pub in_stock: StockCounts,
}

/// One value of a category or tag facet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetValue {
    /// The value to filter by (`category=` or `tag=`), lower-cased.
    #[cfg_attr(feature = "openapi", schema(example = "kitchen"))]
    pub value: String,
    /// A spelling to display (the first in byte order among the matches).
    #[cfg_attr(feature = "openapi", schema(example = "Kitchen"))]
    pub name: String,
    /// Matching products with this value.
    pub count: i64,
}

/// One price range: products with a variant priced from `min` to `max` inclusive (minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceRange {
    /// Lowest price in the range (`min_price=`).
    #[cfg_attr(feature = "openapi", schema(example = 1000))]
    pub min: i64,
    /// Highest price in the range (`max_price=`); none for the last, open range.
    #[cfg_attr(feature = "openapi", schema(example = 2499))]
    pub max: Option<i64>,
    /// Matching products with a variant in the range.
    pub count: i64,
}

/// Matches by stock state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockCounts {
    /// Matches with units available (`in_stock=true`).
    #[serde(rename = "true")]
    pub in_stock: i64,
    /// Matches without (`in_stock=false`).
    #[serde(rename = "false")]
    pub out_of_stock: i64,
}

impl StockCounts {
    /// Every match.
    pub fn total(&self) -> i64 {
        self.in_stock + self.out_of_stock
    }
}

/// The price range (index into [`PRICE_BOUNDS`]) of a price; none below zero.
pub(crate) fn price_range_of(price: i64) -> Option<usize> {
    PRICE_BOUNDS.iter().rposition(|bound| *bound <= price)
}

/// Counts accumulated product by product (or row by row from SQL), then ranked.
#[derive(Debug, Default)]
pub(crate) struct FacetCounter {
    categories: HashMap<String, Keyword>,
    tags: HashMap<String, Keyword>,
    price_ranges: [i64; PRICE_BOUNDS.len()],
    in_stock: StockCounts,
}

#[derive(Debug)]
struct Keyword {
    name: String,
    count: i64,
}

/// Which keyword facet a count belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeywordFacet {
    Category,
    Tag,
}

impl FacetCounter {
    /// Adds `count` products with keyword `value` spelled `name`.
    pub(crate) fn keyword(&mut self, facet: KeywordFacet, value: &str, name: &str, count: i64) {
        let map = match facet {
            KeywordFacet::Category => &mut self.categories,
            KeywordFacet::Tag => &mut self.tags,
        };
        match map.get_mut(value) {
            Some(keyword) => {
                keyword.count += count;
                if name < keyword.name.as_str() {
                    name.clone_into(&mut keyword.name);
                }
            }
            None => {
                map.insert(
                    value.to_owned(),
                    Keyword {
                        name: name.to_owned(),
                        count,
                    },
                );
            }
        }
    }

    /// Adds `count` products to price range `range` (an index into [`PRICE_BOUNDS`]).
    pub(crate) fn price_range(&mut self, range: usize, count: i64) {
        if let Some(slot) = self.price_ranges.get_mut(range) {
            *slot += count;
        }
    }

    /// Adds `count` products with (or without) units available.
    pub(crate) fn stock(&mut self, in_stock: bool, count: i64) {
        if in_stock {
            self.in_stock.in_stock += count;
        } else {
            self.in_stock.out_of_stock += count;
        }
    }

    /// The facets: keywords ranked and cut to [`FACET_LIMIT`], empty price ranges left out.
    pub(crate) fn finish(self) -> CatalogFacets {
        let ranked = |map: HashMap<String, Keyword>| {
            let mut values: Vec<FacetValue> = map
                .into_iter()
                .map(|(value, keyword)| FacetValue {
                    value,
                    name: keyword.name,
                    count: keyword.count,
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            values.truncate(FACET_LIMIT);
            values
        };
        let price_ranges = self
            .price_ranges
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(range, count)| PriceRange {
                min: PRICE_BOUNDS[range],
                max: PRICE_BOUNDS.get(range + 1).map(|next| next - 1),
                count: *count,
            })
            .collect();
        CatalogFacets {
            categories: ranked(self.categories),
            tags: ranked(self.tags),
            price_ranges,
            in_stock: self.in_stock,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_fall_in_the_range_of_the_largest_bound_not_above_them() {
        assert_eq!(price_range_of(-1), None);
        assert_eq!(price_range_of(0), Some(0));
        assert_eq!(price_range_of(999), Some(0));
        assert_eq!(price_range_of(1_000), Some(1));
        assert_eq!(price_range_of(5_000_000), Some(PRICE_BOUNDS.len() - 1));
    }

    #[test]
    fn keywords_rank_by_count_then_value_and_keep_the_first_spelling() {
        let mut counter = FacetCounter::default();
        counter.keyword(KeywordFacet::Tag, "tea", "tea", 1);
        counter.keyword(KeywordFacet::Tag, "tea", "Tea", 1);
        counter.keyword(KeywordFacet::Tag, "cup", "cup", 2);
        counter.price_range(1, 3);
        counter.stock(true, 2);
        let facets = counter.finish();
        let tags: Vec<_> = facets
            .tags
            .iter()
            .map(|t| (t.name.as_str(), t.count))
            .collect();
        assert_eq!(tags, [("cup", 2), ("Tea", 2)]);
        assert_eq!(
            facets.price_ranges,
            [PriceRange {
                min: 1_000,
                max: Some(2_499),
                count: 3
            }]
        );
        assert_eq!(facets.in_stock.total(), 2);
    }
}
