//! Reaching attributes inside a resource document (core attributes at the
//! root, extension attributes under their URN) and tidying it afterwards.

use serde_json::{Map, Value};

use crate::schema::AttrHome;

/// The object that holds `home`'s attributes. An extension's object is
/// created when `create` is set (and replaces a non-object under its key).
pub(super) fn holder_mut(root: &mut Map<String, Value>, home: AttrHome, create: bool) -> Option<&mut Map<String, Value>> {
    match home {
        AttrHome::Core => Some(root),
        AttrHome::Extension(urn) => {
            if create && !root.get(urn).is_some_and(Value::is_object) {
                root.insert(urn.to_string(), Value::Object(Map::new()));
            }
            root.get_mut(urn).and_then(Value::as_object_mut)
        }
    }
}

/// Run `f` on the array under `key`, created if absent; a lone value
/// already there becomes its only element.
pub(super) fn with_array<R>(holder: &mut Map<String, Value>, key: &str, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
    let mut items = match holder.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => Vec::new(),
        Some(lone) => vec![lone],
    };
    let out = f(&mut items);
    holder.insert(key.to_string(), Value::Array(items));
    out
}

/// Run `f` on the object under `key`, created if absent or not an object.
pub(super) fn with_object<R>(holder: &mut Map<String, Value>, key: &str, f: impl FnOnce(&mut Map<String, Value>) -> R) -> R {
    let mut fields = match holder.get_mut(key).map(Value::take) {
        Some(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    let out = f(&mut fields);
    holder.insert(key.to_string(), Value::Object(fields));
    out
}

/// Remove `null`, `[]` and `{}` everywhere (RFC 7643 §2.5: an attribute
/// without a value is absent), including elements left empty.
pub(super) fn prune(root: &mut Map<String, Value>) {
    for value in root.values_mut() {
        prune_value(value);
    }
    root.retain(|_, v| !is_empty(v));
}

fn prune_value(value: &mut Value) {
    match value {
        Value::Object(fields) => prune(fields),
        Value::Array(items) => {
            items.iter_mut().for_each(prune_value);
            items.retain(|v| !is_empty(v));
        }
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prune_removes_what_has_no_value() {
        let mut doc = json!({
            "a": null, "b": [], "c": {}, "d": [{}, {"x": null}, {"value": "v"}], "e": {"f": {"g": []}}, "h": "", "i": false
        });
        prune(doc.as_object_mut().unwrap());
        assert_eq!(doc, json!({"d": [{"value": "v"}], "h": "", "i": false}));
    }

    #[test]
    fn slots_are_created_with_the_right_shape() {
        let mut root = json!({"one": {"value": "x"}, "urn:x": 5}).as_object().unwrap().clone();
        with_array(&mut root, "one", |items| items.push(json!({"value": "y"})));
        assert_eq!(root["one"], json!([{"value": "x"}, {"value": "y"}]));
        with_object(&mut root, "two", |fields| fields.insert("a".into(), json!(1)));
        assert_eq!(root["two"], json!({"a": 1}));
        assert!(holder_mut(&mut root, AttrHome::Extension("urn:y"), false).is_none());
        holder_mut(&mut root, AttrHome::Extension("urn:x"), true).unwrap().insert("k".into(), json!(1));
        assert_eq!(root["urn:x"], json!({"k": 1}));
    }
}
