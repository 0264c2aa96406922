//! A PATCH `value` checked against the attribute it is written to and put
//! in canonical form, with the leniency real clients need: `"True"` and
//! `"False"` strings for booleans (Entra), `[x]` for a single value, a lone
//! object for a multi-valued attribute, a bare id for a complex attribute
//! with a `value` (Entra's `manager`). Anything else of the wrong type is
//! 400 `invalidValue`.

use serde_json::{Map, Value};

use crate::ScimError;
use crate::schema::{AttrDef, AttrType, Mutability};

/// A value of a single-valued attribute or sub-attribute, or one element of
/// a multi-valued one. `null` (and `[]`) stay `null`: the caller clears.
/// In a complex value, sub-attributes that are `null` are kept as `null`,
/// so that merging them clears them; unknown and read-only sub-attributes
/// are dropped.
pub(super) fn single(def: &AttrDef, raw: Value, name: &str) -> Result<Value, ScimError> {
    match (def.ty, unwrap_singleton(raw, name)?) {
        (_, Value::Null) => Ok(Value::Null),
        (AttrType::Complex, Value::Object(obj)) => Ok(Value::Object(complex(def, obj, name)?)),
        (AttrType::Complex, scalar @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) if def.sub("value").is_some() => {
            let mut obj = Map::new();
            obj.insert("value".into(), scalar);
            Ok(Value::Object(complex(def, obj, name)?))
        }
        (AttrType::Complex, other) => Err(wrong_type(name, "an object", &other)),
        (ty, other @ (Value::Array(_) | Value::Object(_))) => Err(wrong_type(name, expected(ty), &other)),
        (ty, scalar) => scalar_value(ty, scalar, name),
    }
}

/// The values of a multi-valued attribute: an array, or a lone value taken
/// as a one-element array. `null` elements, and objects with nothing but
/// `null` in them, are dropped.
pub(super) fn many(def: &AttrDef, raw: Value, name: &str) -> Result<Vec<Value>, ScimError> {
    let items = match raw {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        lone => vec![lone],
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match single(def, item, name)? {
            Value::Null => {}
            Value::Object(obj) if obj.values().all(Value::is_null) => {}
            v => out.push(v),
        }
    }
    Ok(out)
}

fn unwrap_singleton(raw: Value, name: &str) -> Result<Value, ScimError> {
    match raw {
        Value::Array(mut items) => match items.len() {
            0 => Ok(Value::Null),
            1 => Ok(items.swap_remove(0)),
            n => Err(ScimError::invalid_value(format!("{name} takes a single value but {n} were given"))),
        },
        other => Ok(other),
    }
}

fn complex(def: &AttrDef, obj: Map<String, Value>, name: &str) -> Result<Map<String, Value>, ScimError> {
    let mut out = Map::new();
    for (key, raw) in obj {
        let Some(sub) = def.sub(&key) else { continue };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let value = single(sub, raw, &format!("{name}.{}", sub.name))?;
        out.insert(sub.name.to_string(), value);
    }
    Ok(out)
}

use crate::resource::{expected, wrong_type};

/// The same type rules and coercions as a POST or PUT body.
fn scalar_value(ty: AttrType, value: Value, name: &str) -> Result<Value, ScimError> {
    crate::resource::scalar_value(ty, &value, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ENTERPRISE_USER, USER};
    use serde_json::json;

    fn user_attr(name: &str) -> &'static AttrDef {
        USER.attr(name).unwrap()
    }

    #[test]
    fn booleans_from_strings_and_singletons() {
        let active = user_attr("active");
        for (raw, want) in [(json!("True"), true), (json!("false"), false), (json!([false]), false), (json!(true), true)] {
            assert_eq!(single(active, raw.clone(), "active").unwrap(), json!(want), "{raw}");
        }
        for bad in [json!("yes"), json!(0), json!({}), json!([true, true])] {
            let e = single(active, bad.clone(), "active").unwrap_err();
            assert_eq!(e.scim_type, Some(crate::ScimType::InvalidValue), "{bad}");
        }
    }

    #[test]
    fn wrong_types_are_invalid_value() {
        let user_name = user_attr("userName");
        // A number for a string is text, as in a POST body (clients send employeeNumber so).
        assert_eq!(single(user_name, json!(42), "userName").unwrap(), json!("42"));
        for bad in [json!(true), json!({"a": 1}), json!(["a", "b"])] {
            let e = single(user_name, bad.clone(), "userName").unwrap_err();
            assert_eq!(e.scim_type, Some(crate::ScimType::InvalidValue), "{bad}");
            assert!(e.detail.starts_with("userName"), "{}", e.detail);
        }
        assert!(single(user_attr("name"), json!("Ann"), "name").is_err());
    }

    #[test]
    fn complex_values_are_canonical() {
        let name = user_attr("name");
        let got = single(name, json!({"GIVENNAME": "Ann", "bogus": 1, "familyName": null}), "name").unwrap();
        assert_eq!(got, json!({"givenName": "Ann", "familyName": null}));
        let manager = ENTERPRISE_USER.attr("manager").unwrap();
        assert_eq!(single(manager, json!("boss-1"), "manager").unwrap(), json!({"value": "boss-1"}));
        assert_eq!(single(manager, json!({"value": "b", "displayName": "read-only"}), "manager").unwrap(), json!({"value": "b"}));
    }

    #[test]
    fn many_wraps_a_lone_object_and_drops_nulls() {
        let emails = user_attr("emails");
        assert_eq!(
            many(emails, json!({"value": "a@x.io", "primary": "True"}), "emails").unwrap(),
            vec![json!({"value": "a@x.io", "primary": true})]
        );
        assert_eq!(
            many(emails, json!([null, {"value": "b"}, {"bogus": 1}, {"value": null}]), "emails").unwrap(),
            vec![json!({"value": "b"})]
        );
        assert!(many(emails, json!([true]), "emails").is_err());
    }
}
