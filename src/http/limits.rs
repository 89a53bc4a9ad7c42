//! Per-client rate limiting: a token bucket per peer address, `RATE_LIMIT_PER_SECOND`
//! requests per second with an equal burst; `0` turns it off (load tests). Over the limit is
//! 429 with `Retry-After`. And body limits ([`bounded`]): a `Content-Length` over the limit
//! is 413 at once, before any of the body is read; a body without one is cut off while it is
//! read. The limit is `MAX_BODY_BYTES`, except on the image upload routes
//! (`MEDIA_MAX_BYTES` and the form around the file).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::header::{CONNECTION, CONTENT_LENGTH};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use super::error::ApiError;
use super::extract::payload_too_large;

/// Buckets kept before idle (full) ones are dropped.
const MAX_TRACKED_CLIENTS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// The shared limiter.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `per_second` requests per second per client; `None` when 0 (off).
    pub fn new(per_second: u32) -> Option<Arc<Self>> {
        (per_second > 0).then(|| {
            Arc::new(Self {
                per_second: f64::from(per_second),
                buckets: Mutex::new(HashMap::new()),
            })
        })
    }

    /// Takes a token for `client`; `Err(seconds to wait)` when none is left.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u32> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > MAX_TRACKED_CLIENTS {
            let per_second = self.per_second;
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.refilled).as_secs_f64() * per_second < per_second
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.per_second,
            refilled: now,
        });
        let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.per_second);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0);
            Err(wait as u32)
        }
    }
}

/// Middleware applying the limiter to the peer address.
pub async fn rate_limit(
    State(limiter): State<Arc<RateLimiter>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match limiter.check(peer.ip(), Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(seconds) => {
            ApiError::too_many_requests("too many requests from this client; slow down", seconds)
                .into_response()
        }
    }
}

/// `router` with request bodies bounded by `max` bytes: refused before parsing (413), at once
/// when announced larger.
pub fn bounded<S: Clone + Send + Sync + 'static>(router: Router<S>, max: usize) -> Router<S> {
    router
        .layer(DefaultBodyLimit::max(max))
        .layer(middleware::from_fn_with_state(
            max,
            refuse_announced_oversize,
        ))
}

/// Middleware refusing a request whose `Content-Length` announces more than `max` bytes: 413
/// without waiting for (or reading) the body, and the connection closes so the rest is never
/// read. Bodies without a length are cut off while being read (`DefaultBodyLimit`).
pub async fn refuse_announced_oversize(
    State(max): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let announced = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match announced {
        Some(length) if length > u64::try_from(max).unwrap_or(u64::MAX) => {
            let mut response = payload_too_large().into_response();
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            response
        }
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_refuses_until_refilled() {
        let limiter = RateLimiter::new(3).expect("enabled");
        let client: IpAddr = [127, 0, 0, 1].into();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(client, start), Ok(()));
        }
        assert_eq!(limiter.check(client, start), Err(1));
        assert_eq!(
            limiter.check(client, start + Duration::from_millis(400)),
            Ok(())
        );
    }

    #[test]
    fn clients_have_separate_buckets_and_zero_is_off() {
        let limiter = RateLimiter::new(1).expect("enabled");
        let now = Instant::now();
        assert!(limiter.check([10, 0, 0, 1].into(), now).is_ok());
        assert!(limiter.check([10, 0, 0, 2].into(), now).is_ok());
        assert!(limiter.check([10, 0, 0, 1].into(), now).is_err());
        assert!(RateLimiter::new(0).is_none());
    }
}
