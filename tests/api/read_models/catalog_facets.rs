//! Search facets and the in-memory search index, on a catalogue of varied data: facet counts
//! equal the counts of the rows the search pages through; the index answers what Postgres
//! answers (matches, totals, facets, order); an index kept up to date row by row equals a
//! fresh load.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use commerce_aggregates::product::{ProductDetails, ProductEvent, ReservationLine};
use commerce_projections::read_models::catalog::facets::PRICE_BOUNDS;
use commerce_projections::read_models::catalog::{
    self, CatalogFacets, CatalogIndex, CatalogProjection, CatalogQuery, CatalogResults,
    CatalogSort, StatusFilter,
};
use uuid::Uuid;

use super::catalog::{create, details, variant};
use super::catalog_search::from_index;
use super::Harness;
use crate::fixtures::usd;

const WORDS: [&str; 6] = ["copper", "linen", "walnut", "marble", "the", "Crème"];
const CATEGORIES: [&str; 5] = ["Kitchen", "kitchen", "Garden", "Bath", "Été"];
const TAGS: [&str; 6] = ["eco", "Eco", "sale", "gift", "anti-slip", "Noël"];
const PRICES: [i64; 8] = [0, 999, 1_000, 2_499, 7_500, 49_999, 100_000, 250_000];

/// Product `n`'s details: names mixing case, accents, hyphens and stop words.
fn product_details(n: usize) -> ProductDetails {
    let word = |k: usize| WORDS[(n * 7 + k * 3) % WORDS.len()];
    let name = match n % 4 {
        0 => format!("{} {} bowl {n}", word(0), word(1)),
        1 => format!("{}-{} Lamp {n}", word(1), word(2)),
        2 => format!("the {} of {} {n}", word(2), word(0)),
        _ => format!("{} rug {n}", word(3)),
    };
    let tags = [TAGS[n % TAGS.len()], TAGS[(n / 2) % TAGS.len()]];
    details(
        &name,
        &format!("Made of {} and {}", word(4), word(5)),
        CATEGORIES[n % CATEGORIES.len()],
        &tags,
    )
}

/// 48 products: one to three variants over every price range, one in five sold out, a
/// draft in six and an archived one in eleven.
async fn varied() -> (Harness, Vec<Uuid>) {
    let mut h = Harness::new(vec![Arc::new(CatalogProjection)]).await;
    let mut ids = Vec::new();
    for n in 0..48 {
        let stock = if n % 5 == 0 { 0 } else { 3 };
        let variants = (0..1 + n % 3)
            .map(|v| {
                variant(
                    &format!("V{n}-{v}"),
                    PRICES[(n + v * 3) % PRICES.len()],
                    stock,
                )
            })
            .collect();
        let id = create(&mut h, product_details(n), variants).await;
        if n % 6 != 0 {
            h.apply(id, ProductEvent::ProductPublished {}).await;
        }
        if n % 11 == 0 {
            h.apply(id, ProductEvent::ProductArchived {}).await;
        }
        ids.push(id);
    }
    (h, ids)
}

/// Text queries in web-search syntax, filters and sorts: the searches compared.
fn queries() -> Vec<CatalogQuery> {
    let texts = [
        None,
        Some("copper"),
        Some("lamps"),
        Some("\"walnut lamp\""),
        Some("copper -linen"),
        Some("marble or walnut"),
        Some("the"),
        Some("-copper"),
        Some("\"linen-walnut\""),
        Some("crème"),
    ];
    let mut out = Vec::new();
    for (i, text) in texts.into_iter().enumerate() {
        let base = CatalogQuery {
            q: text.map(str::to_owned),
            per_page: 100,
            ..CatalogQuery::default()
        };
        out.push(base.clone());
        out.push(CatalogQuery {
            status: StatusFilter::Any,
            in_stock: Some(i % 2 == 0),
            ..base.clone()
        });
        out.push(CatalogQuery {
            category: Some("KITCHEN".into()),
            min_price: Some(1_000),
            ..base.clone()
        });
        out.push(CatalogQuery {
            tag: Some("eco".into()),
            max_price: Some(49_999),
            status: StatusFilter::Any,
            ..base
        });
    }
    out
}

async fn postgres(h: &Harness, query: &CatalogQuery) -> CatalogResults {
    catalog::search(h.pool(), query).await.expect("search runs")
}

/// The facets computed from rows (what a client paging through the results would count).
fn count_rows(rows: &[catalog::ProductView]) -> CatalogFacets {
    let mut categories: BTreeMap<String, (String, i64)> = BTreeMap::new();
    let mut tags: BTreeMap<String, (String, i64)> = BTreeMap::new();
    let mut facets = CatalogFacets::default();
    let mut ranges = [0i64; PRICE_BOUNDS.len()];
    for row in rows {
        let entry = categories
            .entry(row.category.to_lowercase())
            .or_insert((row.category.clone(), 0));
        entry.0 = entry.0.clone().min(row.category.clone());
        entry.1 += 1;
        let mut seen = BTreeSet::new();
        for tag in &row.tags {
            let entry = tags.entry(tag.to_lowercase()).or_insert((tag.clone(), 0));
            entry.0 = entry.0.clone().min(tag.clone());
            if seen.insert(tag.to_lowercase()) {
                entry.1 += 1;
            }
        }
        let mut hit = [false; PRICE_BOUNDS.len()];
        for variant in &row.variants {
            let range = PRICE_BOUNDS
                .iter()
                .rposition(|b| *b <= variant.price.amount);
            hit[range.expect("prices are not negative")] = true;
        }
        for (range, _) in hit.iter().enumerate().filter(|(_, h)| **h) {
            ranges[range] += 1;
        }
        if row.in_stock {
            facets.in_stock.in_stock += 1;
        } else {
            facets.in_stock.out_of_stock += 1;
        }
    }
    let ranked = |map: BTreeMap<String, (String, i64)>| {
        let mut values: Vec<_> = map
            .into_iter()
            .map(|(value, (name, count))| catalog::facets::FacetValue { value, name, count })
            .collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        values
    };
    facets.categories = ranked(categories);
    facets.tags = ranked(tags);
    facets.price_ranges = ranges
        .iter()
        .enumerate()
        .filter(|(_, count)| **count > 0)
        .map(|(range, count)| catalog::facets::PriceRange {
            min: PRICE_BOUNDS[range],
            max: PRICE_BOUNDS.get(range + 1).map(|next| next - 1),
            count: *count,
        })
        .collect();
    facets
}

#[tokio::test]
async fn facet_counts_equal_the_counts_of_the_rows_paged_through() {
    let (h, _) = varied().await;
    for query in queries() {
        let mut rows = Vec::new();
        for page in 1.. {
            let paged = CatalogQuery {
                page,
                per_page: 7,
                ..query.clone()
            };
            let results = postgres(&h, &paged).await;
            if results.page.items.is_empty() {
                break;
            }
            rows.extend(results.page.items);
        }
        let results = postgres(&h, &query).await;
        assert_eq!(results.page.total, rows.len() as i64, "{query:?}");
        assert_eq!(results.facets, count_rows(&rows), "{query:?}");
        // A range counts what filtering by it finds (a query with a price filter of its own
        // counts every variant of its matches, some outside that filter).
        if query.min_price.is_some() || query.max_price.is_some() {
            continue;
        }
        for range in &results.facets.price_ranges {
            let within = CatalogQuery {
                min_price: Some(range.min),
                max_price: range.max,
                ..query.clone()
            };
            let total = postgres(&h, &within).await.page.total;
            assert_eq!(total, range.count, "{query:?} {range:?}");
        }
    }
}

#[tokio::test]
async fn the_index_answers_what_postgres_answers() {
    let (h, _) = varied().await;
    let index = CatalogIndex::load(h.pool()).await.expect("loads");
    for query in queries() {
        for sort in [
            CatalogSort::Relevance,
            CatalogSort::PriceAsc,
            CatalogSort::PriceDesc,
            CatalogSort::Name,
            CatalogSort::Newest,
        ] {
            for (page, per_page) in [(1, 100), (2, 5)] {
                let query = CatalogQuery {
                    sort,
                    page,
                    per_page,
                    ..query.clone()
                };
                let expected = postgres(&h, &query).await;
                assert_eq!(from_index(&h, &index, &query).await, expected, "{query:?}");
            }
        }
    }
}

#[tokio::test]
async fn an_index_kept_row_by_row_equals_a_fresh_load() {
    let (mut h, ids) = varied().await;
    let mut index = CatalogIndex::load(h.pool()).await.expect("loads");
    h.apply(ids[1], ProductEvent::ProductArchived {}).await;
    h.apply(ids[6], ProductEvent::ProductPublished {}).await;
    h.apply(
        ids[2],
        ProductEvent::ProductDetailsUpdated {
            details: details("Walnut crate", "Oak", "Storage", &["new"]),
            low_stock_threshold: 1,
        },
    )
    .await;
    h.apply(
        ids[3],
        ProductEvent::VariantPriceChanged {
            sku: "V3-0".into(),
            old_price: usd(PRICES[3]),
            new_price: usd(123_456),
        },
    )
    .await;
    h.apply(
        ids[4],
        ProductEvent::StockReserved {
            order_id: Uuid::new_v4(),
            lines: vec![ReservationLine::new("V4-0", 3)],
        },
    )
    .await;
    let changed = [ids[1], ids[6], ids[2], ids[3], ids[4], Uuid::new_v4()];
    index.apply(
        CatalogIndex::fetch(h.pool(), &changed)
            .await
            .expect("fetches"),
    );

    let fresh = CatalogIndex::load(h.pool()).await.expect("loads");
    assert_eq!(index.len(), fresh.len());
    for query in queries() {
        assert_eq!(
            from_index(&h, &index, &query).await,
            from_index(&h, &fresh, &query).await,
            "{query:?}"
        );
        assert_eq!(
            from_index(&h, &index, &query).await,
            postgres(&h, &query).await,
            "{query:?}"
        );
    }
}
