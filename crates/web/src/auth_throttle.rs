//! Failed-authentication throttling per client address. After
//! `max_failures` failed authentications within `window` (counted from the
//! first), every request from that address that needs a token is answered
//! 429 with `Retry-After` until the window ends — before the token is
//! looked at, so the answer never tells a valid token from an invalid one.
//!
//! IPv6 addresses count per /64 (one host usually holds the whole /64).
//! State is per process; each instance behind a load balancer counts what
//! it sees.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::settings::AuthFailureLimit;

/// Addresses tracked at most; beyond it (after dropping expired windows)
/// new addresses are not tracked, so memory stays bounded.
const MAX_TRACKED: usize = 100_000;

struct Window {
    started: Instant,
    failures: u32,
}

pub struct AuthFailureThrottle {
    limit: AuthFailureLimit,
    windows: Mutex<HashMap<IpAddr, Window>>,
}

fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl AuthFailureThrottle {
    pub fn new(limit: AuthFailureLimit) -> Self {
        Self { limit, windows: Mutex::new(HashMap::new()) }
    }

    /// `Err(wait)` while `ip` is throttled.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_at(ip, Instant::now())
    }

    /// Counts one failed authentication from `ip`.
    pub fn record_failure(&self, ip: IpAddr) {
        self.record_at(ip, Instant::now());
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let Ok(windows) = self.windows.lock() else { return Ok(()) };
        match windows.get(&key(ip)) {
            Some(w) if w.failures >= self.limit.max_failures => {
                let ends = w.started + self.limit.window;
                if now < ends { Err(ends - now) } else { Ok(()) }
            }
            _ => Ok(()),
        }
    }

    fn record_at(&self, ip: IpAddr, now: Instant) {
        let Ok(mut windows) = self.windows.lock() else { return };
        let window = self.limit.window;
        let k = key(ip);
        if !windows.contains_key(&k) && windows.len() >= MAX_TRACKED {
            windows.retain(|_, w| now.saturating_duration_since(w.started) < window);
            if windows.len() >= MAX_TRACKED {
                return;
            }
        }
        let w = windows.entry(k).or_insert(Window { started: now, failures: 0 });
        if now.saturating_duration_since(w.started) >= window {
            *w = Window { started: now, failures: 0 };
        }
        w.failures = w.failures.saturating_add(1);
        if w.failures == self.limit.max_failures {
            tracing::warn!(client = %ip, failures = w.failures, window_secs = window.as_secs(), "too many failed authentications: client address throttled");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> AuthFailureThrottle {
        AuthFailureThrottle::new(AuthFailureLimit { max_failures: 3, window: Duration::from_secs(60) })
    }

    #[test]
    fn an_address_is_throttled_after_the_limit_until_the_window_ends() {
        let t = throttle();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..2 {
            t.record_at(ip, t0);
        }
        assert!(t.check_at(ip, t0).is_ok());
        t.record_at(ip, t0 + Duration::from_secs(10));
        let wait = t.check_at(ip, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(t.check_at("192.0.2.8".parse().unwrap(), t0).is_ok(), "other addresses are not affected");
        assert!(t.check_at(ip, t0 + Duration::from_secs(60)).is_ok(), "the window ended");
        t.record_at(ip, t0 + Duration::from_secs(61));
        assert!(t.check_at(ip, t0 + Duration::from_secs(61)).is_ok(), "a new window counts from one");
    }

    #[test]
    fn ipv6_counts_per_64() {
        let t = throttle();
        let t0 = Instant::now();
        for i in 1..=3 {
            t.record_at(format!("2001:db8:1:2::{i}").parse().unwrap(), t0);
        }
        assert!(t.check_at("2001:db8:1:2:ffff::9".parse().unwrap(), t0).is_err());
        assert!(t.check_at("2001:db8:1:3::1".parse().unwrap(), t0).is_ok());
    }
}
