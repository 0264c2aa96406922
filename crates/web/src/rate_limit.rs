//! Per-token rate limit: a token bucket per SCIM token id, refilled at
//! `per_second` up to `burst`. A request finding the bucket empty is
//! answered 429 with `Retry-After` and does nothing.
//!
//! Buckets live in this process: with several instances behind a load
//! balancer each enforces the limit on its share of the traffic.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::settings::RateLimit;

/// Buckets idle this long are full again and are dropped when the map grows.
const IDLE: Duration = Duration::from_secs(600);
const PRUNE_ABOVE: usize = 10_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct TokenRateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl TokenRateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self { limit, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from `token_id`'s bucket, or says how long until
    /// one is available.
    pub fn check(&self, token_id: &str) -> Result<(), Duration> {
        self.check_at(token_id, Instant::now())
    }

    fn check_at(&self, token_id: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(()); // poisoned: fail open rather than refuse everyone
        };
        let burst = f64::from(self.limit.burst.max(1));
        let rate = self.limit.per_second;
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| now.saturating_duration_since(b.at) < IDLE);
        }
        let bucket = buckets.entry(token_id.to_string()).or_insert(Bucket { tokens: burst, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_requests_wait_for_the_refill() {
        let limiter = TokenRateLimiter::new(RateLimit { per_second: 2.0, burst: 3 });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("tok", t0).is_ok());
        }
        let wait = limiter.check_at("tok", t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-9, "{wait:?}");
        assert!(limiter.check_at("other", t0).is_ok(), "buckets are per token");
        assert!(limiter.check_at("tok", t0 + Duration::from_millis(500)).is_ok());
        assert!(limiter.check_at("tok", t0 + Duration::from_millis(500)).is_err());
        // Long idle: full again, never more than the burst.
        let later = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(limiter.check_at("tok", later).is_ok());
        }
        assert!(limiter.check_at("tok", later).is_err());
    }
}
