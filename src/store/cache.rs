//! Aggregates kept in memory between commands.
//!
//! Loading an aggregate reads and decodes its events (a cart of forty lines, forty of them)
//! for every command. After a command commits, its store keeps the aggregate's new state and
//! version here, and the next command on it starts from that instead of loading it.
//!
//! The state may be stale when another process (or another store in this one) committed to
//! the aggregate since. That never lets a wrong decision through:
//! - a command that appends events commits them at the sequence after the cached version; if
//!   someone else got there first, the sequence is taken, the commit is a conflict, and the
//!   command runs again on a fresh load;
//! - a command refused, or accepted without events, on the cached state, or a cached version
//!   that does not match `If-Match`, runs again on a fresh load before the caller is answered.
//!
//! An entry is taken out while its command runs, so two commands of this process on one
//! aggregate never share it; the second one loads from the store.
//!
//! A plain read (`AggregateStore::load`) copies the entry and applies the events stored after
//! its version, so what it returns is as current as a full load; it keeps the entry it read
//! (or loaded) for the next command or read.
//!
//! Each entry remembers when it was last known current: when the query that read or checked
//! it was sent, or when its command's append was. `AggregateStore::read_recent` reads an
//! entry known current within a given age without asking the store, for reads whose result is
//! checked again where it matters.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// An aggregate, its version, and when that version was last known to be the stored one.
pub(super) type Entry<A> = (A, usize, Instant);

/// Up to `capacity` aggregates with their versions.
pub(super) struct AggregateCache<A> {
    capacity: usize,
    entries: Mutex<HashMap<String, Entry<A>>>,
}

impl<A> AggregateCache<A> {
    /// A cache of `capacity` aggregates; `None` when `capacity` is 0 (no cache).
    pub(super) fn new(capacity: usize) -> Option<Self> {
        (capacity > 0).then(|| Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        })
    }

    /// Removes and returns the aggregate `id` with its version, when cached.
    pub(super) fn take(&self, id: &str) -> Option<Entry<A>> {
        self.lock().remove(id)
    }

    /// A copy of the aggregate `id` with its version, when cached (and not taken out).
    pub(super) fn get(&self, id: &str) -> Option<Entry<A>>
    where
        A: Clone,
    {
        self.lock().get(id).cloned()
    }

    /// What `read` makes of the aggregate `id` and its version, read in place (no copy), when
    /// it is cached and was known current within `max_age`; otherwise `read` is handed back.
    /// `read` runs under the cache's lock, so it must be quick.
    pub(super) fn read_fresh<R, F>(&self, id: &str, max_age: Duration, read: F) -> Result<R, F>
    where
        F: FnOnce(&A, usize) -> R,
    {
        match self.lock().get(id) {
            Some((aggregate, version, checked)) if checked.elapsed() <= max_age => {
                Ok(read(aggregate, *version))
            }
            _ => Err(read),
        }
    }

    /// Records that the kept aggregate `id`, when still at `version`, was known current at
    /// `checked` (a read found nothing newer).
    pub(super) fn touch(&self, id: &str, version: usize, checked: Instant) {
        if let Some((_, kept, kept_checked)) = self.lock().get_mut(id) {
            if *kept == version {
                *kept_checked = (*kept_checked).max(checked);
            }
        }
    }

    /// Keeps `aggregate` at `version`, known current at `checked`, unless a newer version of it
    /// is already kept; the same version only moves its time forward.
    pub(super) fn put(&self, id: &str, aggregate: A, version: usize, checked: Instant) {
        let mut entries = self.lock();
        if let Some((_, kept, kept_checked)) = entries.get_mut(id) {
            if *kept > version {
                return;
            }
            if *kept == version {
                *kept_checked = (*kept_checked).max(checked);
                return;
            }
        }
        if entries.len() >= self.capacity && !entries.contains_key(id) {
            // Full: drop an arbitrary entry (it is loaded from the store when next needed).
            if let Some(victim) = entries.keys().next().cloned() {
                entries.remove(&victim);
            }
        }
        entries.insert(id.to_owned(), (aggregate, version, checked));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry<A>>> {
        // Every update is one step: the map is consistent even after a panic.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_taken_out_kept_newest_first_and_bounded() {
        assert!(AggregateCache::<u8>::new(0).is_none());
        let cache = AggregateCache::new(2).expect("a cache");
        let then = Instant::now();
        cache.put("a", 'x', 3, then);
        cache.put("a", 'y', 2, then + Duration::from_secs(1));
        assert_eq!(
            cache.take("a"),
            Some(('x', 3, then)),
            "an older version never replaces"
        );
        assert_eq!(cache.take("a"), None, "taken out while in use");
        cache.put("a", 'x', 1, then);
        cache.put("b", 'x', 1, then);
        cache.put("c", 'x', 1, then);
        assert_eq!(cache.lock().len(), 2, "bounded");
        assert!(cache.take("c").is_some(), "the newest entry is kept");
    }

    #[test]
    fn a_check_of_the_same_version_moves_its_time_forward_only() {
        let cache = AggregateCache::new(2).expect("a cache");
        let then = Instant::now();
        let later = then + Duration::from_secs(1);
        cache.put("a", 'x', 3, then);
        cache.put("a", 'x', 3, later);
        assert_eq!(cache.get("a"), Some(('x', 3, later)));
        cache.put("a", 'x', 3, then);
        assert_eq!(cache.get("a"), Some(('x', 3, later)), "never backwards");
        let latest = later + Duration::from_secs(1);
        cache.touch("a", 2, latest);
        assert_eq!(cache.get("a"), Some(('x', 3, later)), "another version");
        cache.touch("a", 3, latest);
        assert_eq!(cache.get("a"), Some(('x', 3, latest)));
    }

    #[test]
    fn a_fresh_entry_is_read_in_place_and_a_stale_one_hands_the_read_back() {
        let cache = AggregateCache::new(2).expect("a cache");
        cache.put("a", 'x', 3, Instant::now());
        let read = |aggregate: &char, version: usize| (*aggregate, version);
        assert_eq!(
            cache.read_fresh("a", Duration::from_secs(60), read).ok(),
            Some(('x', 3))
        );
        assert!(cache
            .read_fresh("b", Duration::from_secs(60), read)
            .is_err());
        std::thread::sleep(Duration::from_millis(5));
        assert!(cache
            .read_fresh("a", Duration::from_millis(1), read)
            .is_err());
    }
}
