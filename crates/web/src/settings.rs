//! The HTTP layer's settings: timeouts, throttles, trusted proxies and the
//! metrics token. `lanyard serve` fills them from its flags; the defaults
//! here are the flags' defaults.

use std::time::Duration;

use ipnet::IpNet;

#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// A request (body read and handling) that takes longer is answered 503
    /// with `Retry-After`, and its work is abandoned (an unfinished write
    /// rolls back).
    pub request_timeout: Duration,
    /// A connection that has not sent a complete request head within this
    /// time is closed (slow-loris clients; idle keep-alive connections).
    pub header_read_timeout: Duration,
    /// A request body not received in full within this time is answered 408.
    pub body_read_timeout: Duration,
    /// Requests per token; `None` lets every token send as fast as it likes.
    pub rate_limit: Option<RateLimit>,
    /// Failed authentications per client address; `None` turns it off.
    pub auth_failures: Option<AuthFailureLimit>,
    /// Peers whose `X-Forwarded-For` is believed (a TLS-terminating proxy,
    /// a load balancer). Others are the client themselves.
    pub trusted_proxies: Vec<IpNet>,
    /// Serve `/metrics` on the main listener to `Authorization: Bearer
    /// <this>`. Without it the main listener has no `/metrics`.
    pub metrics_token: Option<String>,
}

/// A token bucket: `per_second` requests on average, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

/// After `max_failures` failed authentications from one address within
/// `window`, that address is answered 429 until the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthFailureLimit {
    pub max_failures: u32,
    pub window: Duration,
}

pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(20);
pub const DEFAULT_AUTH_FAILURES: AuthFailureLimit = AuthFailureLimit { max_failures: 20, window: Duration::from_secs(60) };

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            rate_limit: None,
            auth_failures: Some(DEFAULT_AUTH_FAILURES),
            trusted_proxies: Vec::new(),
            metrics_token: None,
        }
    }
}

/// `10.0.0.0/8, 192.168.1.7, ::1` → networks (a bare address is a /32 or /128).
pub fn parse_networks(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{s:?} is neither an IP address nor a network such as 10.0.0.0/8"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_and_bare_addresses_parse() {
        let nets = parse_networks(" 10.0.0.0/8, 127.0.0.1 ,::1,,").unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[0].contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap()));
        assert_eq!(nets[1].prefix_len(), 32);
        assert_eq!(nets[2].prefix_len(), 128);
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("proxy.internal").is_err());
        assert!(parse_networks("").unwrap().is_empty());
    }
}
