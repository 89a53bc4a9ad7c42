//! The store aggregate: a sales channel (a storefront) identified by its slug, with the
//! currency every cart opened in it prices in and the address its customers write to.
//! Products and carts belong to one store; everything that existed before stores lives in
//! [`DEFAULT_STORE`].

mod aggregate;
mod command;
mod error;
mod event;

pub use aggregate::{Store, StoreDetails, StoreStatus};
pub use command::StoreCommand;
pub use error::StoreError;
pub use event::StoreEvent;

/// The store of every product, cart and order recorded before stores existed, and of those
/// created without naming one.
pub const DEFAULT_STORE: &str = "default";
/// Longest slug.
pub const MAX_SLUG_LEN: usize = 64;
/// Longest display name.
pub const MAX_NAME_LEN: usize = 200;

/// True for a slug: 1..=[`MAX_SLUG_LEN`] lower-case ASCII letters and digits in groups joined
/// by single hyphens (`eu-shop`, `outlet2`). Slugs go into URLs and NATS subjects as they are.
pub fn is_slug(slug: &str) -> bool {
    slug.len() <= MAX_SLUG_LEN
        && slug.split('-').all(|group| {
            !group.is_empty()
                && group
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests;
