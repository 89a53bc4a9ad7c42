//! Commands accepted by the store aggregate.

use super::aggregate::StoreStatus;
use crate::money::Currency;

/// What can be asked of a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreCommand {
    /// Opens a store under a slug not used yet.
    CreateStore {
        /// The identity, see [`super::is_slug`].
        slug: String,
        /// Display name.
        name: String,
        /// The currency of every cart opened in the store; fixed for the store's life.
        currency: Currency,
        /// Where customers write to; named on invoices and emails.
        contact_email: String,
    },
    /// Changes the given fields; absent ones keep their value. A change to the current value
    /// records nothing.
    UpdateStore {
        /// New name.
        name: Option<String>,
        /// New contact email.
        contact_email: Option<String>,
        /// Close the store to new carts and products, or open it again.
        status: Option<StoreStatus>,
    },
}
