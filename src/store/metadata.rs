//! Metadata carried by every stored event: who acted, and which request and chain of
//! events it belongs to.

use std::collections::HashMap;

use commerce_aggregates::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Metadata keys, as stored in `events.metadata` (the schema checks they are all there).
pub mod keys {
    /// Who issued the command: a user id, or `system:<component>`.
    pub const ACTOR_ID: &str = "actor_id";
    /// The actor's role: `customer`, `prime`, `admin`, `auditor` or `system`.
    pub const ACTOR_ROLE: &str = "actor_role";
    /// Shared by every event that one user action caused, across aggregates.
    pub const CORRELATION_ID: &str = "correlation_id";
    /// The request or event that directly caused this one.
    pub const CAUSATION_ID: &str = "causation_id";
    /// The HTTP request (or job run) that carried the command.
    pub const REQUEST_ID: &str = "request_id";
    /// Every key above.
    pub const ALL: [&str; 5] = [
        ACTOR_ID,
        ACTOR_ROLE,
        CORRELATION_ID,
        CAUSATION_ID,
        REQUEST_ID,
    ];
}

/// Who issued a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// A user id, or `system:<component>` for the engine's own processes.
    pub id: String,
    /// The role the actor acted in (`system` for the engine itself).
    pub role: String,
}

impl Actor {
    /// A signed-in user.
    pub fn user(id: Uuid, role: Role) -> Self {
        Self {
            id: id.to_string(),
            role: role.as_str().to_string(),
        }
    }

    /// One of the engine's own components (the expiry sweep, a CLI command).
    pub fn system(component: &str) -> Self {
        Self {
            id: format!("system:{component}"),
            role: "system".to_string(),
        }
    }
}

/// The metadata attached to every event a command appends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandMetadata {
    /// Who issued the command.
    pub actor: Actor,
    /// Groups every event caused by one user action.
    pub correlation_id: Uuid,
    /// The request or event that caused this command.
    pub causation_id: Uuid,
    /// The HTTP request id (or a generated one for jobs).
    pub request_id: String,
}

impl CommandMetadata {
    /// Metadata for a command that starts a new chain (an HTTP request): correlation and
    /// causation ids are both fresh and equal.
    pub fn new(actor: Actor, request_id: impl Into<String>) -> Self {
        let id = Uuid::new_v4();
        Self {
            actor,
            correlation_id: id,
            causation_id: id,
            request_id: request_id.into(),
        }
    }

    /// Metadata for a command issued in reaction to the event `event_id` (event handlers):
    /// the correlation id is kept and the causation id points at that event.
    pub fn caused_by(&self, actor: Actor, event_id: Uuid) -> Self {
        Self {
            actor,
            correlation_id: self.correlation_id,
            causation_id: event_id,
            request_id: self.request_id.clone(),
        }
    }

    /// The string map cqrs-es stores with each event.
    pub fn to_map(&self) -> HashMap<String, String> {
        HashMap::from([
            (keys::ACTOR_ID.into(), self.actor.id.clone()),
            (keys::ACTOR_ROLE.into(), self.actor.role.clone()),
            (keys::CORRELATION_ID.into(), self.correlation_id.to_string()),
            (keys::CAUSATION_ID.into(), self.causation_id.to_string()),
            (keys::REQUEST_ID.into(), self.request_id.clone()),
        ])
    }

    /// Reads the metadata back from a stored map; `None` when a key is missing or malformed.
    pub fn from_map(map: &HashMap<String, String>) -> Option<Self> {
        Some(Self {
            actor: Actor {
                id: map.get(keys::ACTOR_ID)?.clone(),
                role: map.get(keys::ACTOR_ROLE)?.clone(),
            },
            correlation_id: map.get(keys::CORRELATION_ID)?.parse().ok()?,
            causation_id: map.get(keys::CAUSATION_ID)?.parse().ok()?,
            request_id: map.get(keys::REQUEST_ID)?.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_stored_map() {
        let meta = CommandMetadata::new(Actor::user(Uuid::new_v4(), Role::Admin), "req-1");
        let map = meta.to_map();
        for key in keys::ALL {
            assert!(map.contains_key(key), "missing {key}");
        }
        assert_eq!(CommandMetadata::from_map(&map), Some(meta));
    }

    #[test]
    fn caused_by_keeps_the_correlation_and_points_at_the_event() {
        let first = CommandMetadata::new(Actor::user(Uuid::new_v4(), Role::Customer), "req-2");
        let event_id = Uuid::new_v4();
        let next = first.caused_by(Actor::system("checkout"), event_id);
        assert_eq!(next.correlation_id, first.correlation_id);
        assert_eq!(next.causation_id, event_id);
        assert_eq!(next.actor.role, "system");
    }
}
