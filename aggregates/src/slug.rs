//! Slugs: the identities of categories and tags, and the key a free-text category or tag of
//! a product is matched by.
//!
//! The read side computes the same keys in SQL (`taxonomy_slug` in the migration
//! `20261207000019_categories_and_tags.sql`), so the rule is kept ASCII-only: whatever the
//! database's locale, both sides agree to the byte.

/// Longest slug an admin may give a category or derive for a tag.
pub const MAX_SLUG_LEN: usize = 64;

/// The key of a free text: ASCII letters lower-cased and digits kept, every run of other
/// characters one `-`, none at either end (`"Men's Shoes"` → `men-s-shoes`). A text without
/// any ASCII letter or digit is keyed by its UTF-8 bytes in hex after `x-`, so it still has
/// a key of its own.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !slug.is_empty() {
                slug.push('-');
            }
            gap = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    if slug.is_empty() {
        slug.push_str("x-");
        for byte in text.bytes() {
            slug.push_str(&format!("{byte:02x}"));
        }
    }
    slug
}

/// True when `slug` is a slug an admin may name a category or tag by: 1..=[`MAX_SLUG_LEN`]
/// characters, its own [`slugify`], and not a hex key of a text without letters.
pub fn is_valid(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG_LEN
        && !slug.starts_with("x-")
        && slugify(slug) == slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_and_case_collapse_into_one_key() {
        assert_eq!(slugify("Men's Shoes"), "men-s-shoes");
        assert_eq!(slugify("  T-Shirts  "), "t-shirts");
        assert_eq!(slugify("t shirts"), "t-shirts");
        assert_eq!(slugify("Café au lait"), "caf-au-lait");
    }

    #[test]
    fn a_text_without_ascii_letters_is_keyed_by_its_bytes() {
        assert_eq!(slugify("€"), "x-e282ac");
        assert!(!is_valid("x-e282ac"));
    }

    #[test]
    fn only_normal_forms_are_valid_slugs() {
        assert!(is_valid("shoes"));
        assert!(is_valid("running-shoes-2"));
        assert!(!is_valid("Shoes"));
        assert!(!is_valid("-shoes"));
        assert!(!is_valid("a--b"));
        assert!(!is_valid(""));
        assert!(!is_valid(&"a".repeat(MAX_SLUG_LEN + 1)));
    }
}
