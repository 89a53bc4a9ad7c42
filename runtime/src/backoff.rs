//! The wait between retries of a failing operation: doubling from a first wait up to a
//! ceiling, with optional jitter so that tasks failing together do not retry together.

use std::time::Duration;

/// Exponential backoff: `first` after the first failure, twice that after the second, … at
/// most `max`; with [`Backoff::jittered`], each wait is stretched by a random share of itself
/// (up to twice as long).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    jitter: bool,
}

impl Backoff {
    /// `first`, doubling up to `max`, without jitter.
    pub const fn new(first: Duration, max: Duration) -> Self {
        Self {
            first,
            max,
            jitter: false,
        }
    }

    /// The same waits, each stretched by a random share of itself.
    pub const fn jittered(self) -> Self {
        Self {
            jitter: true,
            ..self
        }
    }

    /// The wait after the `failures`-th failure in a row (0 counts as the first).
    pub fn after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        let base = self.first.saturating_mul(1 << doublings).min(self.max);
        if !self.jitter || base.is_zero() {
            return base;
        }
        // The low bits of a random UUID are jitter enough; no generator to seed or share.
        let share = f64::from(uuid::Uuid::new_v4().as_u128() as u16) / f64::from(u16::MAX);
        base + base.mul_f64(share * 0.999)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_wait_doubles_from_the_first_up_to_the_ceiling() {
        let backoff = Backoff::new(200 * MS, 3_200 * MS);
        let waits: Vec<_> = (1..=7).map(|n| backoff.after(n)).collect();
        assert_eq!(
            waits,
            [200, 400, 800, 1_600, 3_200, 3_200, 3_200].map(|ms| ms * MS)
        );
        assert_eq!(
            backoff.after(0),
            200 * MS,
            "no failure yet counts as the first"
        );
        assert_eq!(backoff.after(u32::MAX), 3_200 * MS);
    }

    #[test]
    fn a_jittered_wait_lies_between_the_wait_and_twice_it() {
        let backoff = Backoff::new(2 * MS, 64 * MS).jittered();
        for _ in 0..200 {
            let first = backoff.after(1);
            assert!(first >= 2 * MS && first < 4 * MS, "{first:?}");
            let late = backoff.after(30);
            assert!(late >= 64 * MS && late < 128 * MS, "{late:?}");
        }
    }

    #[test]
    fn jitter_spreads_the_waits() {
        let backoff = Backoff::new(64 * MS, 64 * MS).jittered();
        let waits: std::collections::BTreeSet<_> = (0..50).map(|_| backoff.after(1)).collect();
        assert!(waits.len() > 10, "{} distinct waits of 50", waits.len());
    }
}
