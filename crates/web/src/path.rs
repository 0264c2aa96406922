//! Request path clean-up before routing. Admins paste base URLs with and
//! without a trailing slash, and some clients join `{base}/` and `/Users`
//! into `//Users`; both must reach the same route.

use axum::extract::Request;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;

/// Collapses runs of `/` and drops a trailing `/` (except for the root).
pub fn normalize(mut req: Request) -> Request {
    let path = req.uri().path();
    if !path.contains("//") && (path.len() == 1 || !path.ends_with('/')) {
        return req;
    }
    let mut clean = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        clean.push('/');
        clean.push_str(segment);
    }
    if clean.is_empty() {
        clean.push('/');
    }
    if let Some(query) = req.uri().query() {
        clean.push('?');
        clean.push_str(query);
    }
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = PathAndQuery::try_from(clean) {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(uri: &str) -> String {
        let req = Request::builder().uri(uri).body(axum::body::Body::empty()).unwrap();
        normalize(req).uri().to_string()
    }

    #[test]
    fn collapses_slashes_and_keeps_the_query() {
        assert_eq!(path_of("/scim/v2/acme//Users?filter=a%20b"), "/scim/v2/acme/Users?filter=a%20b");
        assert_eq!(path_of("/scim/v2/acme/Users/"), "/scim/v2/acme/Users");
        assert_eq!(path_of("//scim///v2/acme/"), "/scim/v2/acme");
        assert_eq!(path_of("/"), "/");
        assert_eq!(path_of("/healthz"), "/healthz");
    }
}
