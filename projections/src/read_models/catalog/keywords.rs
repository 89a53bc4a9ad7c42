//! Keyword fields of the search index (category, tags; a store or category slugs would be
//! more): every distinct (key, spelling) pair of a field is numbered once, so filtering a
//! product and counting its facet are array lookups, not string hashing, per match.

use std::collections::HashMap;

use super::facets::{FacetCounter, KeywordFacet};

/// The numbered (key, spelling) pairs of one field. It only grows: a pair no product holds
/// any more counts nothing and is never reported.
#[derive(Debug, Default)]
pub(super) struct Vocabulary {
    numbers: HashMap<(Box<str>, Box<str>), u32>,
    pairs: Vec<(Box<str>, Box<str>)>,
}

/// One product's values of a field.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct KeywordValues {
    /// Every (key, spelling) the product holds.
    all: Vec<u32>,
    /// One pair per distinct key: what the facet counts (a product counts once per key).
    counted: Vec<u32>,
}

impl Vocabulary {
    /// Numbers `pairs` of (key, spelling) of one product.
    pub(super) fn values<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> KeywordValues {
        let mut values = KeywordValues::default();
        let mut keys: Vec<&str> = Vec::new();
        for (key, spelling) in pairs {
            let number = self.number(key, spelling);
            values.all.push(number);
            if !keys.contains(&key) {
                keys.push(key);
                values.counted.push(number);
            }
        }
        values
    }

    fn number(&mut self, key: &str, spelling: &str) -> u32 {
        let pair = (Box::from(key), Box::from(spelling));
        if let Some(number) = self.numbers.get(&pair) {
            return *number;
        }
        let number = u32::try_from(self.pairs.len()).unwrap_or(u32::MAX);
        self.pairs.push(pair.clone());
        self.numbers.insert(pair, number);
        number
    }

    /// A filter admitting products holding one of `keys`.
    pub(super) fn filter(&self, keys: &[String]) -> KeywordFilter {
        KeywordFilter {
            admitted: self
                .pairs
                .iter()
                .map(|(key, _)| keys.iter().any(|wanted| **wanted == **key))
                .collect(),
        }
    }

    /// Counters for one search.
    pub(super) fn counts(&self) -> KeywordCounts {
        KeywordCounts {
            counts: vec![0; self.pairs.len()],
            present: vec![false; self.pairs.len()],
        }
    }

    /// Adds the counts of one search to `counter`, by key, each named by its smallest
    /// spelling among the matches.
    pub(super) fn report(
        &self,
        counts: &KeywordCounts,
        facet: KeywordFacet,
        out: &mut FacetCounter,
    ) {
        for (number, (key, spelling)) in self.pairs.iter().enumerate() {
            if counts.present[number] {
                out.keyword(facet, key, spelling, counts.counts[number]);
            }
        }
    }
}

/// Admits a product by its values of one field (by pair number).
pub(super) struct KeywordFilter {
    admitted: Vec<bool>,
}

impl KeywordValues {
    /// The one value of a field every product holds exactly once (its category).
    pub(super) fn single(&self) -> u32 {
        self.counted.first().copied().unwrap_or(u32::MAX)
    }
}

impl KeywordFilter {
    pub(super) fn admits(&self, values: &KeywordValues) -> bool {
        values.all.iter().any(|number| {
            self.admitted
                .get(*number as usize)
                .copied()
                .unwrap_or(false)
        })
    }
}

/// A field's facet counts during one search.
pub(super) struct KeywordCounts {
    counts: Vec<i64>,
    present: Vec<bool>,
}

impl KeywordCounts {
    /// Counts one matching product holding `number` only.
    pub(super) fn add_one(&mut self, number: u32) {
        if let Some(count) = self.counts.get_mut(number as usize) {
            *count += 1;
        }
        if let Some(present) = self.present.get_mut(number as usize) {
            *present = true;
        }
    }

    /// Counts one matching product.
    pub(super) fn add(&mut self, values: &KeywordValues) {
        // The vocabulary only grows, and these counters were sized under the same read of
        // the index as the values: every number has its slot.
        for number in &values.counted {
            if let Some(count) = self.counts.get_mut(*number as usize) {
                *count += 1;
            }
        }
        for number in &values.all {
            if let Some(present) = self.present.get_mut(*number as usize) {
                *present = true;
            }
        }
    }
}
