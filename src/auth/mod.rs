//! Accounts and authentication: access tokens now; accounts, passwords and refresh tokens
//! as they land.

pub mod jwt;
