//! What Users and Groups share: write results, preconditions, sorting.

use lanyard_scim::ScimError;
use lanyard_scim::schema::{ResolvedAttr, ResourceTypeDef};
use serde_json::Value;

/// A resource as the client sees it, with its ETag and location.
#[derive(Debug, Clone)]
pub struct Written {
    pub resource: Value,
    pub etag: String,
    pub location: String,
}

/// [`Written`] with the resource already written as JSON.
#[derive(Debug, Clone)]
pub struct WrittenJson {
    pub body: Vec<u8>,
    pub etag: String,
    pub location: String,
}

fn opaque(tag: &str) -> &str {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.trim_matches('"')
}

/// Does an `If-Match` / `If-None-Match` header value name this version?
/// Weak comparison (RFC 9110 §8.8.3.2): `W/"3"` and `"3"` both match 3.
pub fn etag_matches(header: &str, version: i64) -> bool {
    let current = version.to_string();
    header.split(',').any(|t| t.trim() == "*" || opaque(t) == current)
}

/// 412 unless the client's `If-Match` names the stored version.
pub fn check_if_match(if_match: Option<&str>, version: i64) -> Result<(), ScimError> {
    match if_match {
        Some(h) if !etag_matches(h, version) => {
            Err(ScimError::precondition_failed("The resource has changed: its version no longer matches If-Match"))
        }
        _ => Ok(()),
    }
}

/// The attribute named by `sortBy` (RFC 7644 §3.4.2.3).
pub fn sort_attr(name: &str, rt: &'static ResourceTypeDef) -> Result<ResolvedAttr, ScimError> {
    let unknown = || ScimError::invalid_value(format!("sortBy: unknown attribute {name:?}"));
    // The filter grammar's attribute path is the sortBy grammar; reuse its parser.
    let parsed = format!("{} pr", name.trim()).parse::<scim_v2::filter::Filter>().map_err(|_| unknown())?;
    match parsed {
        scim_v2::filter::Filter::Attr(scim_v2::filter::AttrExp::Present(p)) => {
            rt.resolve_path(p.uri.as_deref(), &p.name, p.sub_attr.as_deref()).ok_or_else(unknown)
        }
        _ => Err(unknown()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_compare_weakly_and_accept_star_and_lists() {
        assert!(etag_matches("W/\"3\"", 3));
        assert!(etag_matches("\"3\"", 3));
        assert!(etag_matches("*", 7));
        assert!(etag_matches("W/\"1\", W/\"3\"", 3));
        assert!(!etag_matches("W/\"2\"", 3));
        assert!(check_if_match(Some("W/\"2\""), 3).is_err());
        assert!(check_if_match(None, 3).is_ok());
    }
}
