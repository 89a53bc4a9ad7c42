//! Input validation and normalisation for product commands, and the limits they enforce.

use std::collections::BTreeMap;

use super::error::ProductError;
use super::types::{NewVariant, ProductDetails};
use crate::money::Currency;

/// Longest product name, in characters.
pub const MAX_NAME_LEN: usize = 200;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 5000;
/// Longest category, in characters.
pub const MAX_CATEGORY_LEN: usize = 100;
/// Longest tag, in characters.
pub const MAX_TAG_LEN: usize = 50;
/// Most tags on one product.
pub const MAX_TAGS: usize = 20;
/// Most images on one product.
pub const MAX_IMAGES: usize = 20;
/// Longest alt text of an uploaded image, in characters.
pub const MAX_ALT_LEN: usize = 500;
/// Longest image URL, in characters.
pub const MAX_IMAGE_URL_LEN: usize = 2048;
/// Most variants on one product.
pub const MAX_VARIANTS: usize = 100;
/// Most options on one variant.
pub const MAX_OPTIONS: usize = 10;
/// Longest option name, in characters.
pub const MAX_OPTION_NAME_LEN: usize = 50;
/// Longest option value, in characters.
pub const MAX_OPTION_VALUE_LEN: usize = 100;
use crate::reason::checked_reason;
pub use crate::reason::MAX_REASON_LEN;
/// Low-stock threshold used when `CreateProduct` gives none.
pub const DEFAULT_LOW_STOCK_THRESHOLD: u32 = 5;

/// Trims `value` and checks its length; `required` refuses an empty result.
pub(super) fn text(
    value: &str,
    field: &'static str,
    max: usize,
    required: bool,
) -> Result<String, ProductError> {
    let trimmed = value.trim();
    if required && trimmed.is_empty() {
        return Err(ProductError::FieldRequired { field });
    }
    if trimmed.chars().count() > max {
        return Err(ProductError::FieldTooLong { field, max });
    }
    Ok(trimmed.to_string())
}

/// Validates a product name.
pub(super) fn name(value: &str) -> Result<String, ProductError> {
    text(value, "name", MAX_NAME_LEN, true)
}

/// Validates a description (may be empty).
pub(super) fn description(value: &str) -> Result<String, ProductError> {
    text(value, "description", MAX_DESCRIPTION_LEN, false)
}

/// Validates a category.
pub(super) fn category(value: &str) -> Result<String, ProductError> {
    text(value, "category", MAX_CATEGORY_LEN, true)
}

/// Trims tags, drops duplicates (first occurrence kept) and checks lengths and count.
pub(super) fn tags(tags: &[String]) -> Result<Vec<String>, ProductError> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let trimmed = tag.trim();
        if trimmed.is_empty() || trimmed.chars().count() > MAX_TAG_LEN {
            return Err(ProductError::InvalidTag { tag: tag.clone() });
        }
        if !out.iter().any(|t| t == trimmed) {
            out.push(trimmed.to_string());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(ProductError::TooManyTags { max: MAX_TAGS });
    }
    Ok(out)
}

/// Trims image URLs and checks that each is an `http(s)://` URL without spaces.
pub(super) fn images(images: &[String]) -> Result<Vec<String>, ProductError> {
    if images.len() > MAX_IMAGES {
        return Err(ProductError::TooManyImages { max: MAX_IMAGES });
    }
    images
        .iter()
        .map(|url| {
            let trimmed = url.trim();
            let rest = trimmed
                .strip_prefix("https://")
                .or_else(|| trimmed.strip_prefix("http://"));
            let valid = match rest {
                Some(rest) => {
                    !rest.is_empty()
                        && !rest.chars().any(char::is_whitespace)
                        && trimmed.chars().count() <= MAX_IMAGE_URL_LEN
                }
                None => false,
            };
            if valid {
                Ok(trimmed.to_string())
            } else {
                Err(ProductError::InvalidImageUrl { url: url.clone() })
            }
        })
        .collect()
}

/// Trims an image's alt text and checks its length; blank is none.
pub(super) fn alt(value: Option<&str>) -> Result<Option<String>, ProductError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let alt = text(value, "alt", MAX_ALT_LEN, false)?;
    Ok((!alt.is_empty()).then_some(alt))
}

/// Validates all descriptive fields at once.
pub(super) fn details(
    name_value: &str,
    description_value: &str,
    category_value: &str,
    tag_values: &[String],
    image_values: &[String],
) -> Result<ProductDetails, ProductError> {
    Ok(ProductDetails {
        name: name(name_value)?,
        description: description(description_value)?,
        category: category(category_value)?,
        tags: tags(tag_values)?,
        images: images(image_values)?,
    })
}

/// [`crate::line::normalize_sku`], refused as a product error.
pub fn sku(value: &str) -> Result<String, ProductError> {
    crate::line::normalize_sku(value).ok_or_else(|| ProductError::InvalidSku {
        sku: value.to_string(),
    })
}

/// Trims option names and values and checks them; two names equal after trimming collide.
fn options(
    sku: &str,
    options: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, ProductError> {
    if options.len() > MAX_OPTIONS {
        return Err(ProductError::TooManyOptions {
            sku: sku.to_string(),
            max: MAX_OPTIONS,
        });
    }
    let mut out = BTreeMap::new();
    for (name, value) in options {
        let (n, v) = (name.trim(), value.trim());
        let valid = !n.is_empty()
            && n.chars().count() <= MAX_OPTION_NAME_LEN
            && !v.is_empty()
            && v.chars().count() <= MAX_OPTION_VALUE_LEN;
        if !valid || out.insert(n.to_string(), v.to_string()).is_some() {
            return Err(ProductError::InvalidOption {
                sku: sku.to_string(),
                name: name.clone(),
            });
        }
    }
    Ok(out)
}

/// Validates a variant definition: SKU format, options, a positive price in `currency`.
pub(super) fn variant(
    variant: &NewVariant,
    currency: Currency,
) -> Result<NewVariant, ProductError> {
    let sku = sku(&variant.sku)?;
    let options = options(&sku, &variant.options)?;
    price(&sku, variant.price, currency)?;
    Ok(NewVariant {
        sku,
        options,
        price: variant.price,
        stock: variant.stock,
    })
}

/// Checks that a price is positive and in `currency`.
pub(super) fn price(
    sku: &str,
    price: crate::money::Money,
    currency: Currency,
) -> Result<(), ProductError> {
    if price.currency != currency {
        return Err(ProductError::CurrencyMismatch {
            expected: currency,
            found: price.currency,
        });
    }
    if price.minor <= 0 {
        return Err(ProductError::InvalidPrice {
            sku: sku.to_string(),
            price,
        });
    }
    Ok(())
}

/// Trims a reason and checks it is present and short enough.
pub(super) fn reason(value: &str) -> Result<String, ProductError> {
    checked_reason(value, ProductError::ReasonRequired, |max| {
        ProductError::ReasonTooLong { max }
    })
}
