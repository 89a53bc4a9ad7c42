//! Latency and outcome recording: each worker records into its own [`Stats`], the run merges
//! them and summarises every route as throughput, error count and latency percentiles.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

/// What one worker saw, per route (a route is a name like `GET products/{id}`).
#[derive(Debug, Default)]
pub struct Stats {
    routes: BTreeMap<String, RouteStats>,
    lag: Vec<u64>,
}

#[derive(Debug, Default)]
struct RouteStats {
    /// Latencies of the successful requests, in microseconds.
    latencies: Vec<u64>,
    /// Failed requests by status (`0` for transport errors).
    errors: BTreeMap<u16, u64>,
}

impl Stats {
    /// Records a successful request of `route` that took `elapsed`.
    pub fn ok(&mut self, route: &str, elapsed: Duration) {
        self.route(route).latencies.push(micros(elapsed));
    }

    /// Records a failed request of `route` (`status` 0: no response).
    pub fn error(&mut self, route: &str, status: u16) {
        *self.route(route).errors.entry(status).or_default() += 1;
    }

    /// Records one projection-lag sample (command acknowledged → visible in the read model).
    pub fn lag(&mut self, elapsed: Duration) {
        self.lag.push(micros(elapsed));
    }

    /// Adds what `other` saw.
    pub fn merge(&mut self, other: Stats) {
        for (name, theirs) in other.routes {
            let ours = self.route(&name);
            ours.latencies.extend(theirs.latencies);
            for (status, count) in theirs.errors {
                *ours.errors.entry(status).or_default() += count;
            }
        }
        self.lag.extend(other.lag);
    }

    /// The summary of a run that lasted `elapsed`.
    pub fn summary(mut self, elapsed: Duration) -> Summary {
        let seconds = elapsed.as_secs_f64().max(f64::EPSILON);
        let routes = self
            .routes
            .iter_mut()
            .map(|(name, route)| {
                route.latencies.sort_unstable();
                let errors: u64 = route.errors.values().sum();
                let summary = RouteSummary {
                    count: route.latencies.len() as u64,
                    errors,
                    errors_by_status: route
                        .errors
                        .iter()
                        .map(|(status, count)| (status.to_string(), *count))
                        .collect(),
                    per_second: route.latencies.len() as f64 / seconds,
                    latency_ms: Percentiles::of(&route.latencies),
                };
                (name.clone(), summary)
            })
            .collect();
        self.lag.sort_unstable();
        Summary {
            seconds,
            routes,
            lag_ms: (!self.lag.is_empty()).then(|| Percentiles::of(&self.lag)),
            lag_samples: self.lag.len() as u64,
        }
    }

    fn route(&mut self, name: &str) -> &mut RouteStats {
        self.routes.entry(name.to_owned()).or_default()
    }
}

fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
}

/// The figures of one run.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// How long the measured part lasted.
    pub seconds: f64,
    /// Per route.
    pub routes: BTreeMap<String, RouteSummary>,
    /// Projection lag percentiles, when the scenario sampled it.
    pub lag_ms: Option<Percentiles>,
    /// How many lag samples were taken.
    pub lag_samples: u64,
}

/// The figures of one route.
#[derive(Debug, Serialize)]
pub struct RouteSummary {
    /// Successful requests.
    pub count: u64,
    /// Failed requests.
    pub errors: u64,
    /// Failed requests by HTTP status (`0`: no response).
    pub errors_by_status: BTreeMap<String, u64>,
    /// Successful requests per second.
    pub per_second: f64,
    /// Latency of the successful requests.
    pub latency_ms: Percentiles,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

impl Percentiles {
    /// Percentiles of `sorted` microsecond samples (nearest rank); zeros when empty.
    fn of(sorted: &[u64]) -> Self {
        let at = |p: f64| -> f64 {
            if sorted.is_empty() {
                return 0.0;
            }
            let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
        };
        Self {
            p50: at(50.0),
            p95: at(95.0),
            p99: at(99.0),
            max: at(100.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        let p = Percentiles::of(&samples);
        assert_eq!((p.p50, p.p95, p.p99, p.max), (50.0, 95.0, 99.0, 100.0));
    }

    #[test]
    fn merged_stats_add_counts_and_errors() {
        let mut a = Stats::default();
        a.ok("GET x", Duration::from_millis(2));
        a.error("GET x", 503);
        let mut b = Stats::default();
        b.ok("GET x", Duration::from_millis(4));
        b.error("GET x", 503);
        b.lag(Duration::from_millis(7));
        a.merge(b);
        let summary = a.summary(Duration::from_secs(2));
        let route = &summary.routes["GET x"];
        assert_eq!((route.count, route.errors), (2, 2));
        assert_eq!(route.errors_by_status["503"], 2);
        assert!((route.per_second - 1.0).abs() < 1e-9);
        assert_eq!(summary.lag_samples, 1);
    }
}
