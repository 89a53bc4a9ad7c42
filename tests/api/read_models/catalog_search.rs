//! Catalog search: full-text queries, every filter, every sort, pagination, and hostile input.

use std::sync::Arc;

use commerce_aggregates::product::ProductEvent;
use commerce_projections::read_models::catalog::{
    self, CatalogIndex, CatalogProjection, CatalogQuery, CatalogResults, CatalogSort, ProductView,
    StatusFilter,
};
use commerce_projections::read_models::Page;

use super::catalog::{create, details, variant};
use super::Harness;

/// Six products, created in this order (so "newest" is the reverse):
///
/// | name           | category | tags               | prices (stock)      | status   |
/// |----------------|----------|--------------------|---------------------|----------|
/// | Espresso cup   | Kitchen  | coffee, porcelain  | 1250 (5)            | active   |
/// | Travel flask   | Outdoor  | camping            | 2000 (0), 3500 (0)  | active   |
/// | Coffee grinder | Kitchen  | coffee, Electric   | 500 (3), 9000 (1)   | active   |
/// | Tea pot        | Kitchen  | tea                | 4000 (2)            | active   |
/// | Draft kettle   | Kitchen  | tea                | 3000 (10)           | draft    |
/// | Old mug        | Kitchen  | coffee             | 800 (4)             | archived |
async fn catalog() -> Harness {
    let mut h = Harness::new(vec![Arc::new(CatalogProjection)]).await;
    let products = [
        (
            details(
                "Espresso cup",
                "Porcelain cup for espresso",
                "Kitchen",
                &["coffee", "porcelain"],
            ),
            vec![variant("CUP", 1250, 5)],
            Some(ProductEvent::ProductPublished {}),
        ),
        (
            details(
                "Travel flask",
                "Keeps coffee hot for hours",
                "Outdoor",
                &["camping"],
            ),
            vec![variant("FLASK-S", 2000, 0), variant("FLASK-L", 3500, 0)],
            Some(ProductEvent::ProductPublished {}),
        ),
        (
            details(
                "Coffee grinder",
                "Burr grinder with 40 settings",
                "Kitchen",
                &["coffee", "Electric"],
            ),
            vec![variant("GRIND-HAND", 500, 3), variant("GRIND-PRO", 9000, 1)],
            Some(ProductEvent::ProductPublished {}),
        ),
        (
            details("Tea pot", "Cast iron", "Kitchen", &["tea"]),
            vec![variant("POT", 4000, 2)],
            Some(ProductEvent::ProductPublished {}),
        ),
        (
            details("Draft kettle", "Not yet on sale", "Kitchen", &["tea"]),
            vec![variant("KETTLE", 3000, 10)],
            None,
        ),
        (
            details("Old mug", "Discontinued", "Kitchen", &["coffee"]),
            vec![variant("OLD", 800, 4)],
            Some(ProductEvent::ProductArchived {}),
        ),
    ];
    for (details, variants, then) in products {
        let id = create(&mut h, details, variants).await;
        if let Some(event) = then {
            h.apply(id, event).await;
        }
    }
    h
}

/// The page Postgres answers, after checking the search index answers the same.
async fn run(h: &Harness, query: CatalogQuery) -> Page<ProductView> {
    let results = catalog::search(h.pool(), &query)
        .await
        .expect("search runs");
    let index = CatalogIndex::load(h.pool()).await.expect("index loads");
    assert_eq!(from_index(h, &index, &query).await, results, "{query:?}");
    results.page
}

/// What `index` answers to `query`.
pub async fn from_index(h: &Harness, index: &CatalogIndex, query: &CatalogQuery) -> CatalogResults {
    let text = match query.text() {
        Some(q) => Some(
            catalog::parse_text_query(h.pool(), q)
                .await
                .expect("parses")
                .expect("evaluated in memory"),
        ),
        None => None,
    };
    let subtree = match &query.category {
        Some(category) => catalog::category_subtree(h.pool(), category)
            .await
            .expect("subtree"),
        None => Vec::new(),
    };
    index.search(query, text.as_ref(), &subtree)
}

fn names(page: &Page<ProductView>) -> Vec<&str> {
    page.items.iter().map(|p| p.name.as_str()).collect()
}

fn text(q: &str) -> CatalogQuery {
    CatalogQuery {
        q: Some(q.into()),
        ..CatalogQuery::default()
    }
}

#[tokio::test]
async fn full_text_finds_stemmed_words_ranked_and_misses_absent_ones() {
    let h = catalog().await;
    assert_eq!(names(&run(&h, text("cups")).await), ["Espresso cup"]);
    // Name (weight A) before tags (B) before description (C).
    let coffee = run(&h, text("coffee")).await;
    assert_eq!(
        names(&coffee),
        ["Coffee grinder", "Espresso cup", "Travel flask"]
    );
    assert_eq!(coffee.total, 3);
    assert_eq!(
        names(&run(&h, text("\"burr grinder\"")).await),
        ["Coffee grinder"]
    );
    assert_eq!(
        names(&run(&h, text("coffee -grinder")).await),
        ["Espresso cup", "Travel flask"]
    );
    let miss = run(&h, text("submarine")).await;
    assert!(miss.items.is_empty());
    assert_eq!(miss.total, 0);
    // A blank query is no query.
    assert_eq!(run(&h, text("   ")).await.total, 4);
}

#[tokio::test]
async fn filters_by_category_tag_price_stock_and_status() {
    let h = catalog().await;
    let query = |f: fn(&mut CatalogQuery)| {
        let mut q = CatalogQuery {
            sort: CatalogSort::Name,
            ..CatalogQuery::default()
        };
        f(&mut q);
        q
    };
    let by = |q| run(&h, q);

    let kitchen = by(query(|q| q.category = Some("kitchen".into()))).await;
    assert_eq!(
        names(&kitchen),
        ["Coffee grinder", "Espresso cup", "Tea pot"]
    );
    assert_eq!(
        names(&by(query(|q| q.tag = Some("electric".into()))).await),
        ["Coffee grinder"]
    );
    assert_eq!(
        names(&by(query(|q| q.tag = Some("COFFEE".into()))).await),
        ["Coffee grinder", "Espresso cup"]
    );
    // Some single variant must lie within both bounds.
    let between = by(query(|q| {
        q.min_price = Some(1000);
        q.max_price = Some(1500);
    }))
    .await;
    assert_eq!(names(&between), ["Espresso cup"]);
    assert_eq!(
        names(&by(query(|q| q.min_price = Some(8000))).await),
        ["Coffee grinder"]
    );
    assert_eq!(
        names(&by(query(|q| q.max_price = Some(600))).await),
        ["Coffee grinder"]
    );
    let exact = by(query(|q| {
        q.min_price = Some(2000);
        q.max_price = Some(2000);
    }))
    .await;
    assert_eq!(names(&exact), ["Travel flask"]);
    assert_eq!(
        names(&by(query(|q| q.in_stock = Some(true))).await),
        ["Coffee grinder", "Espresso cup", "Tea pot"]
    );
    assert_eq!(
        names(&by(query(|q| q.in_stock = Some(false))).await),
        ["Travel flask"]
    );
    assert_eq!(by(query(|_| {})).await.total, 4, "active only by default");
    assert_eq!(
        names(&by(query(|q| q.status = StatusFilter::Draft)).await),
        ["Draft kettle"]
    );
    assert_eq!(
        names(&by(query(|q| q.status = StatusFilter::Archived)).await),
        ["Old mug"]
    );
    assert_eq!(by(query(|q| q.status = StatusFilter::Any)).await.total, 6);
    // Filters combine with each other and with text.
    let combined = by(query(|q| {
        q.q = Some("coffee".into());
        q.category = Some("Kitchen".into());
        q.status = StatusFilter::Any;
        q.max_price = Some(1000);
    }))
    .await;
    assert_eq!(names(&combined), ["Coffee grinder", "Old mug"]);
}

#[tokio::test]
async fn sorts_by_price_name_and_age() {
    let h = catalog().await;
    let sorted = |sort| {
        run(
            &h,
            CatalogQuery {
                sort,
                ..CatalogQuery::default()
            },
        )
    };
    assert_eq!(
        names(&sorted(CatalogSort::PriceAsc).await),
        ["Coffee grinder", "Espresso cup", "Travel flask", "Tea pot"]
    );
    assert_eq!(
        names(&sorted(CatalogSort::PriceDesc).await),
        ["Coffee grinder", "Tea pot", "Travel flask", "Espresso cup"]
    );
    assert_eq!(
        names(&sorted(CatalogSort::Name).await),
        ["Coffee grinder", "Espresso cup", "Tea pot", "Travel flask"]
    );
    let newest = ["Tea pot", "Coffee grinder", "Travel flask", "Espresso cup"];
    assert_eq!(names(&sorted(CatalogSort::Newest).await), newest);
    assert_eq!(
        names(&sorted(CatalogSort::Relevance).await),
        newest,
        "relevance without a query is newest first"
    );
    // Sorting applies to text results too.
    let by_price = run(
        &h,
        CatalogQuery {
            q: Some("coffee".into()),
            sort: CatalogSort::PriceAsc,
            ..CatalogQuery::default()
        },
    )
    .await;
    assert_eq!(
        names(&by_price),
        ["Coffee grinder", "Espresso cup", "Travel flask"]
    );
}

#[tokio::test]
async fn pages_through_results_with_a_stable_total() {
    let h = catalog().await;
    let page = |page, per_page| {
        run(
            &h,
            CatalogQuery {
                sort: CatalogSort::Name,
                page,
                per_page,
                ..CatalogQuery::default()
            },
        )
    };
    let first = page(1, 3).await;
    assert_eq!(names(&first), ["Coffee grinder", "Espresso cup", "Tea pot"]);
    assert_eq!((first.total, first.page, first.per_page), (4, 1, 3));
    let second = page(2, 3).await;
    assert_eq!(names(&second), ["Travel flask"]);
    assert_eq!((second.total, second.page), (4, 2));
    let beyond = page(3, 3).await;
    assert!(beyond.items.is_empty());
    assert_eq!(beyond.total, 4);
    // Out-of-range requests are clamped.
    let clamped = page(0, 0).await;
    assert_eq!((clamped.page, clamped.per_page), (1, 1));
    assert_eq!(names(&clamped), ["Coffee grinder"]);
    assert_eq!(page(1, 1000).await.per_page, 100);
    // Items come with their variants.
    let grinder = &first.items[0];
    let skus: Vec<_> = grinder.variants.iter().map(|v| v.sku.as_str()).collect();
    assert_eq!(skus, ["GRIND-HAND", "GRIND-PRO"]);
}

#[tokio::test]
async fn sql_metacharacters_in_user_input_are_plain_values() {
    let h = catalog().await;
    for hostile in [
        "'; DROP TABLE catalog_products; --",
        "%",
        "_",
        "\\",
        "' OR '1'='1",
    ] {
        for query in [
            text(hostile),
            CatalogQuery {
                category: Some(hostile.into()),
                status: StatusFilter::Any,
                ..CatalogQuery::default()
            },
            CatalogQuery {
                tag: Some(hostile.into()),
                status: StatusFilter::Any,
                ..CatalogQuery::default()
            },
        ] {
            let page = run(&h, query).await;
            assert!(
                page.items.is_empty(),
                "{hostile:?} matched {:?}",
                names(&page)
            );
            assert_eq!(page.total, 0);
        }
    }
    let everything = CatalogQuery {
        status: StatusFilter::Any,
        ..CatalogQuery::default()
    };
    assert_eq!(run(&h, everything).await.total, 6, "the table is intact");
}
