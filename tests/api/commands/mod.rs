//! The command API through HTTP: every route's happy path with the versions it returns, bad
//! input answered with problem documents that write nothing, ownership and roles,
//! `If-Match` and `Idempotency-Key`.

mod carts;
mod checkout;
mod coupons;
mod idempotency;
mod orders;
mod products;
mod refunds;
mod returns;
mod stores;
