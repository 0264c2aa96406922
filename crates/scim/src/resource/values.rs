//! One attribute value checked against its definition and put in canonical
//! form (RFC 7643 §2.3), with the leniency real clients need: `"True"`
//! strings for booleans, `[x]` for a single value, a number where a string
//! is expected, OneLogin's lone object for a multi-valued attribute.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::ScimError;
use crate::schema::{AttrDef, AttrType, Mutability};
use crate::time::parse_datetime_micros;

/// `Ok(None)` means absent: `null`, `[]`, `{}` and values made only of them.
/// `path` names the attribute in error messages.
pub(super) fn attribute(attr: &'static AttrDef, value: &Value, path: &str) -> Result<Option<Value>, ScimError> {
    if attr.multi_valued { multi_valued(attr, value, path) } else { single_value(attr, unwrap_singleton(value, path)?, path) }
}

fn unwrap_singleton<'v>(value: &'v Value, path: &str) -> Result<&'v Value, ScimError> {
    static NULL: Value = Value::Null;
    match value {
        Value::Array(items) => match items.as_slice() {
            [] => Ok(&NULL),
            [one] => Ok(one),
            _ => Err(ScimError::invalid_value(format!("{path} is single-valued but {} values were given", items.len()))),
        },
        other => Ok(other),
    }
}

fn multi_valued(attr: &'static AttrDef, value: &Value, path: &str) -> Result<Option<Value>, ScimError> {
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items.as_slice(),
        lone => std::slice::from_ref(lone),
    };
    let mut out = Vec::with_capacity(items.len());
    // Canonical elements serialise identically, so the text is a cheap key:
    // a group PUT may carry 100 000 members.
    let mut seen = HashSet::with_capacity(items.len());
    for item in items {
        if let Some(v) = single_value(attr, item, path)?
            && seen.insert(v.to_string())
        {
            out.push(v);
        }
    }
    let primaries = out.iter().filter(|v| v.get("primary") == Some(&Value::Bool(true))).count();
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!("{path}: at most one value may have \"primary\": true")));
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

fn single_value(attr: &'static AttrDef, value: &Value, path: &str) -> Result<Option<Value>, ScimError> {
    match (attr.ty, value) {
        (_, Value::Null) => Ok(None),
        (AttrType::Complex, Value::Object(obj)) => complex(attr, obj, path),
        // `"manager": "id"` (Entra) or `"emails": "a@b"`: the lone value of a
        // complex attribute with a `value` sub-attribute.
        (AttrType::Complex, Value::String(_) | Value::Number(_) | Value::Bool(_)) if attr.sub("value").is_some() => {
            let mut obj = Map::new();
            obj.insert("value".into(), value.clone());
            complex(attr, &obj, path)
        }
        (AttrType::Complex, other) => Err(wrong_type(path, "an object", other)),
        (_, Value::Array(_) | Value::Object(_)) => Err(wrong_type(path, expected(attr.ty), value)),
        (ty, scalar) => scalar_value(ty, scalar, path).map(Some),
    }
}

fn complex(attr: &'static AttrDef, obj: &Map<String, Value>, path: &str) -> Result<Option<Value>, ScimError> {
    let mut found: Vec<(&'static AttrDef, Value)> = Vec::new();
    for (key, raw) in obj {
        let Some(sub) = attr.sub(key) else { continue };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let value = attribute(sub, raw, &format!("{path}.{}", sub.name))?;
        found.retain(|(s, _)| s.name != sub.name);
        if let Some(v) = value {
            found.push((sub, v));
        }
    }
    let mut out = Map::new();
    for sub in attr.sub_attributes {
        if let Some((_, v)) = found.iter().find(|(s, _)| s.name == sub.name) {
            out.insert(sub.name.into(), v.clone());
        }
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// A scalar of type `ty`, with the coercions real clients need (`"True"`
/// for booleans, a number for a string); otherwise 400 `invalidValue`.
pub(crate) fn scalar_value(ty: AttrType, value: &Value, path: &str) -> Result<Value, ScimError> {
    let ok = match (ty, value) {
        // U+0000 is no text any directory holds, and PostgreSQL cannot store it.
        (AttrType::String | AttrType::Reference, Value::String(s)) if s.contains('\0') => {
            return Err(ScimError::invalid_value(format!("{path}: text must not contain U+0000")));
        }
        (AttrType::String | AttrType::Reference, Value::String(_)) => true,
        // employeeNumber arrives as a JSON number from some clients.
        (AttrType::String, Value::Number(n)) => return Ok(Value::String(n.to_string())),
        (AttrType::Boolean, Value::Bool(_)) => true,
        // Entra (without aadOptscim062020) and OneLogin templates: "True"/"False".
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("true") => return Ok(Value::Bool(true)),
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("false") => return Ok(Value::Bool(false)),
        (AttrType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (AttrType::Decimal, Value::Number(_)) => true,
        (AttrType::DateTime, Value::String(s)) => parse_datetime_micros(s).is_some(),
        (AttrType::Binary, Value::String(s)) => is_base64(s),
        _ => false,
    };
    if ok { Ok(value.clone()) } else { Err(wrong_type(path, expected(ty), value)) }
}

pub(crate) fn expected(ty: AttrType) -> &'static str {
    match ty {
        AttrType::String => "a string",
        AttrType::Boolean => "a boolean",
        AttrType::Decimal => "a number",
        AttrType::Integer => "an integer",
        AttrType::DateTime => "an RFC 3339 date-time string",
        AttrType::Binary => "a base64 string",
        AttrType::Reference => "a URI string",
        AttrType::Complex => "an object",
    }
}

pub(crate) fn wrong_type(path: &str, expected: &str, got: &Value) -> ScimError {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    ScimError::invalid_value(format!("{path}: expected {expected}, got {got}"))
}

/// Base64 per RFC 4648 §4 (RFC 7643 §2.3.6); padding may be left out.
fn is_base64(s: &str) -> bool {
    let data = s.trim_end_matches('=');
    let padding = s.len() - data.len();
    padding <= 2
        && data.len() % 4 != 1
        && (padding == 0 || s.len().is_multiple_of(4))
        && data.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AttrDef, USER};
    use serde_json::json;

    fn user_attr(name: &str) -> &'static AttrDef {
        USER.attr(name).unwrap()
    }

    #[test]
    fn booleans_from_strings_in_any_case_and_singletons() {
        let active = user_attr("active");
        for (input, want) in [(json!(true), true), (json!("True"), true), (json!("FALSE"), false), (json!([false]), false)] {
            assert_eq!(attribute(active, &input, "active").unwrap(), Some(json!(want)), "{input}");
        }
        for bad in [json!("yes"), json!(1), json!({}), json!([true, false])] {
            let e = attribute(active, &bad, "active").unwrap_err();
            assert_eq!(e.scim_type, Some(crate::ScimType::InvalidValue), "{bad}");
            assert!(e.detail.contains("active"), "{}", e.detail);
        }
    }

    #[test]
    fn numbers_become_text_for_string_attributes_but_objects_do_not() {
        let title = user_attr("title");
        assert_eq!(attribute(title, &json!(12345), "title").unwrap(), Some(json!("12345")));
        assert!(attribute(title, &json!({"a": 1}), "title").is_err());
        assert!(attribute(title, &json!(["a", "b"]), "title").is_err());
        assert!(attribute(title, &json!(true), "title").is_err());
    }

    #[test]
    fn a_lone_object_for_a_multi_valued_attribute_is_wrapped() {
        let emails = user_attr("emails");
        let got = attribute(emails, &json!({"value": "a@x.io", "primary": "true"}), "emails").unwrap();
        assert_eq!(got, Some(json!([{"value": "a@x.io", "primary": true}])));
    }

    #[test]
    fn multi_valued_drops_empty_and_duplicate_elements() {
        let emails = user_attr("emails");
        let input = json!([{"value": "a@x.io"}, null, {}, {"VALUE": "a@x.io", "bogus": 1}, {"type": null}, {"value": "b@x.io"}]);
        let got = attribute(emails, &input, "emails").unwrap();
        assert_eq!(got, Some(json!([{"value": "a@x.io"}, {"value": "b@x.io"}])));
        assert_eq!(attribute(emails, &json!([{}, null]), "emails").unwrap(), None);
    }

    #[test]
    fn two_primaries_are_refused() {
        let emails = user_attr("emails");
        let input = json!([{"value": "a@x.io", "primary": true}, {"value": "b@x.io", "primary": "True"}]);
        let e = attribute(emails, &input, "emails").unwrap_err();
        assert!(e.detail.contains("emails") && e.detail.contains("primary"));
    }

    #[test]
    fn sub_attributes_are_canonical_and_in_schema_order() {
        let name = user_attr("name");
        let got = attribute(name, &json!({"GIVENNAME": "Ann", "familyname": "Lee", "x": 1}), "name").unwrap().unwrap();
        assert_eq!(serde_json::to_string(&got).unwrap(), r#"{"familyName":"Lee","givenName":"Ann"}"#);
    }

    #[test]
    fn text_with_u0000_is_refused() {
        let err = scalar_value(AttrType::String, &json!("a\0b"), "title").unwrap_err();
        assert_eq!((err.status, err.detail.contains("title")), (400, true));
    }

    #[test]
    fn date_time_and_binary_are_checked() {
        let created = crate::schema::COMMON_ATTRIBUTES[2].sub("created").unwrap();
        assert!(attribute(created, &json!("2026-01-01T00:00:00Z"), "meta.created").is_ok());
        assert!(attribute(created, &json!("yesterday"), "meta.created").is_err());
        let cert = user_attr("x509Certificates");
        assert!(attribute(cert, &json!([{"value": "TUlJ"}]), "x509Certificates").is_ok());
        assert!(attribute(cert, &json!([{"value": "TUl"}]), "x509Certificates").is_ok());
        assert!(attribute(cert, &json!([{"value": "not base64!"}]), "x509Certificates").is_err());
        assert!(attribute(cert, &json!([{"value": "T"}]), "x509Certificates").is_err());
    }

    #[test]
    fn base64_shapes() {
        for ok in ["", "TQ==", "TWE=", "TWFu", "TWFuTQ", "a+/9"] {
            assert!(is_base64(ok), "{ok}");
        }
        for bad in ["T", "TQ=", "TQ===", "====", "TW-u", "TW u"] {
            assert!(!is_base64(bad), "{bad}");
        }
    }

    #[test]
    fn multi_valued_simple_attributes() {
        static TAGS: AttrDef = AttrDef::string("tags", "t").multi();
        assert_eq!(attribute(&TAGS, &json!("a"), "tags").unwrap(), Some(json!(["a"])));
        assert_eq!(attribute(&TAGS, &json!(["a", 7, null, "a"]), "tags").unwrap(), Some(json!(["a", "7"])));
        assert!(attribute(&TAGS, &json!([["a"]]), "tags").is_err());
    }

    #[test]
    fn a_list_of_bare_ids_for_members() {
        let members = crate::schema::GROUP.attr("members").unwrap();
        assert_eq!(attribute(members, &json!(["u1", "u2"]), "members").unwrap(), Some(json!([{"value": "u1"}, {"value": "u2"}])));
    }

    #[test]
    fn lone_scalar_for_complex_with_value() {
        let manager = crate::schema::ENTERPRISE_USER.attr("manager").unwrap();
        assert_eq!(attribute(manager, &json!("u-1"), "manager").unwrap(), Some(json!({"value": "u-1"})));
        let name = user_attr("name");
        assert!(attribute(name, &json!("Ann Lee"), "name").is_err());
    }
}
