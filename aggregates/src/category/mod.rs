//! The category aggregate: a node of the catalogue's category tree, identified by its slug.
//! The tree never has a cycle, and only an empty category is deleted.

mod aggregate;
mod command;
mod decide;
mod error;
mod event;

pub use aggregate::Category;
pub use command::{CategoryCommand, Lineage};
pub use decide::MAX_NAME_LEN;
pub use error::CategoryError;
pub use event::CategoryEvent;

#[cfg(test)]
mod tests;
