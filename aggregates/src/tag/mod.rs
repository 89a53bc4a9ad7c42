//! The tag aggregate: a named label products are linked to, identified by the slug of the
//! name it was created with. Renaming keeps the slug, so every product shows the new name.

mod aggregate;
mod command;
mod error;
mod event;

pub use aggregate::Tag;
pub use command::TagCommand;
pub use error::TagError;
pub use event::TagEvent;

#[cfg(test)]
mod tests;
