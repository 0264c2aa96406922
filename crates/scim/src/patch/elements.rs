//! Values of multi-valued attributes and of complex ones: when two values
//! are the same, which elements a value filter selects, the element a
//! filter describes, merging, immutability and the single `primary`.

use scim_v2::filter::{AttrExp, CompValue, CompareOp, ValFilter};
use serde_json::{Map, Value};

use crate::ScimError;
use crate::filter::element_matches;
use crate::schema::{AttrDef, Mutability};

/// Equal as SCIM compares values: strings ignore case unless caseExact.
pub(super) fn same_scalar(def: &AttrDef, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !def.case_exact => x.to_lowercase() == y.to_lowercase(),
        _ => a == b,
    }
}

/// Two elements of `def` are the same value when their `value`s are equal
/// and their `type`s do not differ; elements without a `value` (addresses)
/// must be equal throughout.
pub(super) fn same_element(def: &AttrDef, a: &Value, b: &Value) -> bool {
    if !def.is_complex() {
        return same_scalar(def, a, b);
    }
    let (Some(x), Some(y)) = (a.as_object(), b.as_object()) else { return a == b };
    match (def.sub("value"), x.get("value"), y.get("value")) {
        (Some(value_def), Some(xv), Some(yv)) => {
            let types_agree = match (x.get("type"), y.get("type")) {
                (Some(Value::String(s)), Some(Value::String(t))) => s.eq_ignore_ascii_case(t),
                (Some(s), Some(t)) => s == t,
                _ => true,
            };
            same_scalar(value_def, xv, yv) && types_agree
        }
        _ => a == b,
    }
}

/// Indices of the elements `filter` selects.
pub(super) fn matching(items: &[Value], filter: &ValFilter, def: &AttrDef) -> Vec<usize> {
    items.iter().enumerate().filter(|(_, e)| element_matches(filter, e, def)).map(|(i, _)| i).collect()
}

/// The element a filter made only of `eq` comparisons joined by `and`
/// describes (`type eq "work"` → `{"type": "work"}`), to create when no
/// element matches; `None` for any other filter.
pub(super) fn seed(filter: &ValFilter, def: &AttrDef) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    collect_eq(filter, def, &mut out)?;
    Some(out)
}

fn collect_eq(filter: &ValFilter, def: &AttrDef, out: &mut Map<String, Value>) -> Option<()> {
    match filter {
        ValFilter::Attr(AttrExp::Comparison(path, CompareOp::Eq, value)) => {
            let sub = def.sub(&path.name)?;
            let value = match value {
                CompValue::Str(s) => Value::String(s.clone()),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::True => Value::Bool(true),
                CompValue::False => Value::Bool(false),
                CompValue::Null => return None,
            };
            out.insert(sub.name.to_string(), value);
            Some(())
        }
        ValFilter::And(items) => items.iter().try_for_each(|f| collect_eq(f, def, out)),
        _ => None,
    }
}

pub(super) fn is_primary(value: &Value) -> bool {
    value.get("primary") == Some(&Value::Bool(true))
}

/// After a write set `primary: true` on the elements at `fresh`: more than
/// one is 400 `invalidValue`; exactly one takes `primary` from all others
/// (RFC 7643 §2.4: at most one primary value).
pub(super) fn settle_primary(def: &AttrDef, items: &mut [Value], fresh: &[usize], name: &str) -> Result<(), ScimError> {
    if def.sub("primary").is_none() {
        return Ok(());
    }
    let mut fresh = fresh.to_vec();
    fresh.sort_unstable();
    fresh.dedup();
    match fresh.as_slice() {
        [] => Ok(()),
        [keep] => {
            for (i, item) in items.iter_mut().enumerate() {
                if i != *keep
                    && is_primary(item)
                    && let Some(fields) = item.as_object_mut()
                {
                    fields.shift_remove("primary");
                }
            }
            Ok(())
        }
        _ => Err(ScimError::invalid_value(format!("{name}: at most one value may have \"primary\": true"))),
    }
}

/// 400 `mutability` when an immutable attribute that has a value would get
/// a different one.
pub(super) fn check_immutable(def: &AttrDef, old: Option<&Value>, new: &Value, name: &str) -> Result<(), ScimError> {
    match old {
        Some(old) if def.mutability == Mutability::Immutable && !old.is_null() && !same_scalar(def, old, new) => {
            Err(ScimError::mutability(format!("{name} is immutable: its value cannot be changed once set")))
        }
        _ => Ok(()),
    }
}

/// Merge the sub-attributes in `fields` into `target` (a complex value):
/// each one replaces or adds; `null` clears; the rest is left unchanged
/// (RFC 7644 §3.5.2.1, §3.5.2.3).
pub(super) fn merge_fields(
    def: &AttrDef,
    target: &mut Map<String, Value>,
    fields: Map<String, Value>,
    name: &str,
) -> Result<(), ScimError> {
    for (key, value) in fields {
        if let Some(sub) = def.sub(&key) {
            check_immutable(sub, target.get(sub.name), &value, &format!("{name}.{}", sub.name))?;
        }
        target.insert(key, value);
    }
    Ok(())
}

/// Add `new` elements to `items`, skipping (merging into) those already
/// there. Returns where the elements the client marked primary ended up.
pub(super) fn append(def: &AttrDef, items: &mut Vec<Value>, new: Vec<Value>, name: &str) -> Result<Vec<usize>, ScimError> {
    let mut fresh = Vec::new();
    for element in new {
        let primary = is_primary(&element);
        let at = match items.iter().position(|e| same_element(def, e, &element)) {
            Some(i) => {
                if let (Some(target), Value::Object(fields)) = (items[i].as_object_mut(), element) {
                    merge_fields(def, target, fields, name)?;
                }
                i
            }
            None => {
                items.push(element);
                items.len() - 1
            }
        };
        if primary {
            fresh.push(at);
        }
    }
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{GROUP, USER};
    use serde_json::json;

    fn emails() -> &'static AttrDef {
        USER.attr("emails").unwrap()
    }

    #[test]
    fn same_element_by_value_and_type() {
        let e = emails();
        assert!(same_element(e, &json!({"value": "A@x.io", "type": "work"}), &json!({"value": "a@x.io"})));
        assert!(!same_element(e, &json!({"value": "a@x.io", "type": "work"}), &json!({"value": "a@x.io", "type": "home"})));
        let members = GROUP.attr("members").unwrap();
        assert!(!same_element(members, &json!({"value": "ABC"}), &json!({"value": "abc"})), "caseExact");
        let addresses = USER.attr("addresses").unwrap();
        assert!(same_element(addresses, &json!({"locality": "x"}), &json!({"locality": "x"})));
        assert!(!same_element(addresses, &json!({"locality": "x"}), &json!({"locality": "y"})));
    }

    #[test]
    fn append_merges_duplicates_and_reports_primaries() {
        let mut items = vec![json!({"value": "a@x.io", "type": "work"})];
        let new = vec![json!({"value": "A@X.IO", "primary": true}), json!({"value": "b@x.io"})];
        let fresh = append(emails(), &mut items, new, "emails").unwrap();
        assert_eq!(fresh, vec![0]);
        assert_eq!(items, vec![json!({"value": "A@X.IO", "type": "work", "primary": true}), json!({"value": "b@x.io"})]);
    }

    #[test]
    fn one_fresh_primary_wins_two_are_refused() {
        let mut items = vec![json!({"value": "a", "primary": true}), json!({"value": "b", "primary": true})];
        settle_primary(emails(), &mut items, &[1], "emails").unwrap();
        assert_eq!(items, vec![json!({"value": "a"}), json!({"value": "b", "primary": true})]);
        let e = settle_primary(emails(), &mut items, &[0, 1], "emails").unwrap_err();
        assert_eq!(e.scim_type, Some(crate::ScimType::InvalidValue));
    }

    fn val_filter(inner: &str) -> ValFilter {
        match format!("emails[{inner}]").parse::<scim_v2::filter::PatchPath>().unwrap() {
            scim_v2::filter::PatchPath::Value(v) => v.filter,
            other => panic!("not a value path: {other}"),
        }
    }

    #[test]
    fn seeds_only_from_eq_conjunctions() {
        let f = val_filter(r#"type eq "work" and primary eq true"#);
        assert_eq!(seed(&f, emails()), json!({"type": "work", "primary": true}).as_object().cloned());
        assert_eq!(seed(&val_filter(r#"type eq "work" or type eq "home""#), emails()), None);
        assert_eq!(seed(&val_filter(r#"value co "x""#), emails()), None);
    }

    #[test]
    fn immutable_values_may_be_set_once() {
        let value = GROUP.attr("members").unwrap().sub("value").unwrap();
        assert!(check_immutable(value, None, &json!("x"), "members.value").is_ok());
        assert!(check_immutable(value, Some(&json!("x")), &json!("x"), "members.value").is_ok());
        let e = check_immutable(value, Some(&json!("x")), &json!("y"), "members.value").unwrap_err();
        assert_eq!(e.scim_type, Some(crate::ScimType::Mutability));
    }
}
