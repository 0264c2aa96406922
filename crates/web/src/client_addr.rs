//! The client's address: the TCP peer, or — when the peer is a trusted
//! proxy — the nearest address in `X-Forwarded-For` that is not itself a
//! trusted proxy. Entries further left are written by the client and are
//! never believed.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Put in the request's extensions by the request middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

pub fn resolve(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut nearest = canonical(peer.ip());
    if !is_trusted(&nearest) {
        return nearest;
    }
    let hops: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect();
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if is_trusted(&ip) => nearest = ip,
            Some(ip) => return ip,
            // A trusted proxy passed on something unreadable: stop at it.
            None => return nearest,
        }
    }
    nearest
}

/// `1.2.3.4`, `1.2.3.4:567`, `::1`, `[::1]:567`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::parse_networks;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn peer(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 40000)
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let ip = resolve(peer("203.0.113.9"), &headers(&["198.51.100.1"]), &parse_networks("10.0.0.0/8").unwrap());
        assert_eq!(ip.to_string(), "203.0.113.9");
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted = parse_networks("10.0.0.0/8").unwrap();
        // The client forged the leftmost entry; the proxy appended the real one.
        let h = headers(&["6.6.6.6, 198.51.100.7", "10.0.0.3"]);
        assert_eq!(resolve(peer("10.0.0.2"), &h, &trusted).to_string(), "198.51.100.7");
        assert_eq!(resolve(peer("10.0.0.2"), &headers(&[]), &trusted).to_string(), "10.0.0.2");
        assert_eq!(resolve(peer("10.0.0.2"), &headers(&["10.0.0.9"]), &trusted).to_string(), "10.0.0.9");
        assert_eq!(resolve(peer("10.0.0.2"), &headers(&["1.1.1.1, garbage"]), &trusted).to_string(), "10.0.0.2");
        assert_eq!(resolve(peer("10.0.0.2"), &headers(&["[2001:db8::1]:443"]), &trusted).to_string(), "2001:db8::1");
    }

    #[test]
    fn mapped_ipv4_is_plain_ipv4() {
        assert_eq!(resolve(peer("::ffff:192.0.2.1"), &HeaderMap::new(), &[]).to_string(), "192.0.2.1");
    }
}
