//! Request ids: the client's `X-Request-Id` when it is a sensible one,
//! a fresh UUID otherwise. Logged with every request line and returned in
//! the response's `X-Request-Id`.

use axum::http::HeaderMap;

pub const HEADER: &str = "x-request-id";
const MAX_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn from_headers(headers: &HeaderMap) -> RequestId {
        headers
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|id| acceptable(id))
            .map_or_else(|| RequestId(uuid::Uuid::new_v4().to_string()), |id| RequestId(id.to_string()))
    }
}

/// Short, and only characters that cannot break a log line or a header.
fn acceptable(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_for(value: Option<&str>) -> String {
        let mut h = HeaderMap::new();
        if let Some(v) = value {
            h.insert(HEADER, v.parse().unwrap());
        }
        RequestId::from_headers(&h).0
    }

    #[test]
    fn a_sensible_client_id_is_kept_and_anything_else_replaced() {
        assert_eq!(id_for(Some("okta-7f3a:91")), "okta-7f3a:91");
        for bad in [None, Some(""), Some("has space"), Some("quote\"d"), Some(&*"x".repeat(129))] {
            let id = id_for(bad);
            assert_eq!(id.len(), 36, "{bad:?} → {id}");
            assert!(uuid::Uuid::parse_str(&id).is_ok());
        }
    }
}
