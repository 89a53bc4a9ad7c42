//! The generated catalogue of the `search-catalog` scenario: N published products whose text
//! holds each of [`SEARCH_WORDS`] with probability one half, so every one-word query matches
//! about half of them; varied categories, tags, prices (one to three variants) and stock (one
//! product in ten sold out). Created through the API by every connection at once; products of
//! an earlier run on the same database are counted and only the missing ones are added.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::Context;
use reqwest::Method;
use serde_json::json;

use crate::api::Api;
use crate::stats::Stats;

/// The words of the query mix (none of them is an English stop word or a fixture word).
pub const SEARCH_WORDS: [&str; 8] = [
    "copper", "linen", "walnut", "marble", "cotton", "bamboo", "ceramic", "leather",
];
/// The tag every generated product carries (how earlier runs' products are counted).
const MARKER_TAG: &str = "bench-catalog";
const NOUNS: [&str; 6] = ["lamp", "chair", "bowl", "rug", "vase", "shelf"];
const CATEGORIES: [&str; 12] = [
    "Living", "Kitchen", "Garden", "Office", "Bath", "Bedroom", "Outdoor", "Kids", "Decor",
    "Lighting", "Storage", "Textiles",
];
const TAGS: [&str; 20] = [
    "handmade", "eco", "sale", "new", "gift", "classic", "modern", "rustic", "minimal", "vintage",
    "premium", "compact", "large", "bright", "soft", "durable", "light", "dark", "set", "single",
];

/// A well-mixed 64-bit hash of `n` (splitmix64), so product `n`'s words are independent.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Product `n` of the catalogue (the same on every run).
fn product(n: usize) -> serde_json::Value {
    let h = mix(n as u64);
    let words: Vec<&str> = SEARCH_WORDS
        .iter()
        .enumerate()
        .filter(|(bit, _)| (h >> bit) & 1 == 1)
        .map(|(_, word)| *word)
        .collect();
    let (title, rest) = words.split_at(words.len().min(2));
    let noun = NOUNS[(h >> 8) as usize % NOUNS.len()];
    let stock = if n % 10 == 0 { 0 } else { 1 + (h >> 12) % 50 };
    let variants: Vec<serde_json::Value> = (0..1 + (h >> 20) % 3)
        .map(|v| {
            let price = 200 + (mix(h ^ v) % 150_000);
            json!({"sku": format!("CAT-{n}-{v}"), "options": {"size": v.to_string()},
                   "price": {"amount": price, "currency": "USD"}, "stock": stock})
        })
        .collect();
    json!({
        "name": format!("{} {noun} {n}", title.join(" ")),
        "description": format!("A {noun} in {}.", rest.join(", ")),
        "category": CATEGORIES[(h >> 24) as usize % CATEGORIES.len()],
        "tags": [MARKER_TAG, TAGS[(h >> 28) as usize % TAGS.len()],
                 TAGS[(h >> 36) as usize % TAGS.len()]],
        "images": [],
        "variants": variants,
    })
}

/// Makes sure the catalogue holds `size` generated products, creating the missing ones as
/// `admin` over `connections` concurrent requests.
pub async fn ensure(admin: &Api, connections: usize, size: usize) -> anyhow::Result<()> {
    let path = format!("products?tag={MARKER_TAG}&status=any&per_page=1");
    let mut stats = Stats::default();
    let existing = admin
        .expect(&mut stats, "setup", Method::GET, &path, None)
        .await
        .context("counting the catalogue")?
        .u64("total")? as usize;
    if existing >= size {
        return Ok(());
    }
    eprintln!("creating {} catalogue products", size - existing);
    let next = Arc::new(AtomicUsize::new(existing));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections.max(1) {
        let (api, next) = (admin.clone(), next.clone());
        tasks.spawn(async move {
            let mut stats = Stats::default();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= size {
                    return anyhow::Ok(());
                }
                let id = api
                    .expect(
                        &mut stats,
                        "setup",
                        Method::POST,
                        "products",
                        Some(&product(n)),
                    )
                    .await
                    .context("creating a catalogue product")?
                    .str("id")?;
                let publish = format!("products/{id}/publish");
                api.expect(&mut stats, "setup", Method::POST, &publish, None)
                    .await?;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(())
}
