//! PostgreSQL text cannot hold U+0000 (SQLite's can). Nothing stored holds
//! it, so a key with it finds nothing, and a write with it is refused
//! before it reaches the database — JSON columns would take the escaped
//! `\u0000` and then fail every later read of the document's values.

use lanyard_scim::ScimError;
use lanyard_store::{GroupRow, StoreError, StoreResult, UserRow};
use serde_json::Value;

pub(crate) fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

fn json_has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => has_nul(s),
        Value::Array(items) => items.iter().any(json_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| has_nul(k) || json_has_nul(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

pub(crate) fn nul_error() -> ScimError {
    ScimError::invalid_value("Text must not contain the character U+0000")
}

fn refuse(found: bool) -> StoreResult<()> {
    if found { Err(StoreError::Scim(nul_error())) } else { Ok(()) }
}

pub(crate) fn check_user(user: &UserRow) -> StoreResult<()> {
    let texts = [Some(&user.id), Some(&user.user_name), user.external_id.as_ref(), user.display_name.as_ref(), user.password_hash.as_ref()];
    refuse(texts.into_iter().flatten().any(|t| has_nul(t)) || json_has_nul(&user.doc))
}

pub(crate) fn check_group(group: &GroupRow) -> StoreResult<()> {
    let texts = [Some(&group.id), Some(&group.display_name), group.external_id.as_ref()];
    refuse(texts.into_iter().flatten().any(|t| has_nul(t)) || json_has_nul(&group.doc))
}

/// An audit event never makes a write fail: U+0000 in its text columns
/// becomes U+FFFD (its `detail` is JSON text, where `\u0000` is kept).
pub(crate) fn audit_text(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}

/// The ids that can exist: without U+0000.
pub(crate) fn storable(ids: &[String]) -> Vec<&str> {
    ids.iter().map(String::as_str).filter(|id| !has_nul(id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_nul_in_keys_and_nested_values() {
        assert!(json_has_nul(&json!({"a": [{"b": "x\u{0}"}]})));
        assert!(json_has_nul(&json!({"a\u{0}": 1})));
        assert!(!json_has_nul(&json!({"a": [1, true, null, "ok"]})));
        assert_eq!(storable(&["a".into(), "b\u{0}".into()]), ["a"]);
        assert_eq!(audit_text("a\u{0}b"), "a\u{FFFD}b");
    }
}
