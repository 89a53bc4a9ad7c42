//! Integration tests: the engine against real PostgreSQL (one database per test) and
//! nats-server, as started by `scripts/test`.
//!
//! Tests reach the API through the typed client of [`client`] (one method per route) and set
//! up their data with the shared [`fixtures`]; each test states one behaviour in its name.

mod accounts;
mod aggregate_cache;
mod aggregates;
mod analytics;
mod audit;
mod backoffice;
mod checkout;
mod client;
mod commands;
mod contact;
mod event_store;
mod events;
mod faults;
mod fixtures;
mod guests;
mod health;
mod helpers;
mod mailer;
mod media;
mod nats_server;
mod payments;
mod pipeline;
mod postgres_server;
mod products;
mod queries;
mod read_models;
mod security;
mod shoppers;
mod taxonomy;
mod transactions;
