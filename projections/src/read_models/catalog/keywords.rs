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

/// One product's values of a field: the number of every (key, spelling) pair it holds, one
/// pair per distinct key marked [`COUNTED`] (what the facet counts: a product counts once per
/// key). A search reads them for every match, so the usual few are held inline: a pointer to
/// follow per product was most of a search's time.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum KeywordValues {
    /// Up to [`INLINE_VALUES`] numbers: how many, then the numbers.
    Inline(u8, [u32; INLINE_VALUES]),
    /// More.
    Boxed(Box<[u32]>),
}

/// Values of a field a product holds without an allocation.
const INLINE_VALUES: usize = 5;

impl Default for KeywordValues {
    fn default() -> Self {
        Self::Inline(0, [0; INLINE_VALUES])
    }
}

/// The mark of a counted pair in [`KeywordValues`]; pair numbers stay below it.
const COUNTED: u32 = 1 << 31;

impl Vocabulary {
    /// Numbers `pairs` of (key, spelling) of one product.
    pub(super) fn values<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> KeywordValues {
        let mut numbers = Vec::new();
        let mut keys: Vec<&str> = Vec::new();
        for (key, spelling) in pairs {
            let number = self.number(key, spelling);
            if keys.contains(&key) {
                numbers.push(number);
            } else {
                keys.push(key);
                numbers.push(number | COUNTED);
            }
        }
        match u8::try_from(numbers.len()) {
            Ok(len) if numbers.len() <= INLINE_VALUES => {
                let mut inline = [0; INLINE_VALUES];
                inline[..numbers.len()].copy_from_slice(&numbers);
                KeywordValues::Inline(len, inline)
            }
            _ => KeywordValues::Boxed(numbers.into_boxed_slice()),
        }
    }

    fn number(&mut self, key: &str, spelling: &str) -> u32 {
        let pair = (Box::from(key), Box::from(spelling));
        if let Some(number) = self.numbers.get(&pair) {
            return *number;
        }
        let number = u32::try_from(self.pairs.len())
            .unwrap_or(u32::MAX)
            .min(COUNTED - 1);
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
    fn numbers(&self) -> &[u32] {
        match self {
            Self::Inline(len, numbers) => &numbers[..usize::from(*len)],
            Self::Boxed(numbers) => numbers,
        }
    }

    /// The one value of a field every product holds exactly once (its category).
    pub(super) fn single(&self) -> u32 {
        self.numbers().first().map_or(u32::MAX, |n| n & !COUNTED)
    }
}

impl KeywordFilter {
    pub(super) fn admits(&self, values: &KeywordValues) -> bool {
        values.numbers().iter().any(|number| {
            self.admitted
                .get((number & !COUNTED) as usize)
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
        for number in values.numbers() {
            let at = (number & !COUNTED) as usize;
            if number & COUNTED != 0 {
                if let Some(count) = self.counts.get_mut(at) {
                    *count += 1;
                }
            }
            if let Some(present) = self.present.get_mut(at) {
                *present = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_values_filter_and_count_like_a_few() {
        let mut vocabulary = Vocabulary::default();
        let few = vocabulary.values([("eco", "Eco"), ("sale", "Sale"), ("eco", "ECO")]);
        let names = ["a", "b", "c", "d", "e", "f", "sale", "a"];
        let many = vocabulary.values(names.iter().map(|name| (*name, *name)));
        assert!(matches!(few, KeywordValues::Inline(3, _)));
        assert!(matches!(many, KeywordValues::Boxed(_)));

        let sale = vocabulary.filter(&["sale".to_string()]);
        assert!(sale.admits(&few) && sale.admits(&many));
        assert!(!vocabulary.filter(&["f".to_string()]).admits(&few));

        let mut counts = vocabulary.counts();
        counts.add(&few);
        counts.add(&many);
        let number = |key: &str, spelling: &str| vocabulary.numbers[&(key.into(), spelling.into())];
        // Each key counts once per product; every spelling a match holds is present.
        assert_eq!(counts.counts[number("eco", "Eco") as usize], 1);
        assert_eq!(counts.counts[number("eco", "ECO") as usize], 0);
        assert!(counts.present[number("eco", "ECO") as usize]);
        assert_eq!(counts.counts[number("sale", "Sale") as usize], 1);
        assert_eq!(counts.counts[number("sale", "sale") as usize], 1);
        assert_eq!(counts.counts[number("a", "a") as usize], 1);
    }
}
