//! Fault injection against the real processes: the engine killed with SIGKILL, nats-server
//! stopped, Postgres restarted, a NATS cluster node killed — each under steady load, each
//! checked for nothing lost, nothing doubled and read models equal to a fresh replay.

mod cluster;
mod crash;
pub mod engine;
pub mod load;
mod nats_outage;
mod postgres_outage;
