//! In-memory evaluation of a filter on a resource's JSON (RFC 7644
//! §3.4.2.2), with the same meaning the SQL translation gives it:
//!
//! * a multi-valued attribute matches when any of its values does;
//! * `ne v` is `not (eq v)`, so an absent attribute matches `ne`;
//! * `eq null` means absent, `ne null` present; `pr` needs a value that is
//!   not null, `""`, `[]` or `{}`;
//! * strings compare case-insensitively unless the attribute is caseExact;
//!   dateTimes compare as instants, numbers as numbers.

use std::cmp::Ordering;

use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter, ValFilter};
use serde_json::Value;

use super::check::resolve_attr_path;
use crate::schema::{AttrDef, AttrHome, AttrType, ResolvedAttr, ResourceTypeDef};
use crate::time::parse_datetime_micros;

pub(super) fn matches(filter: &Filter, rt: &'static ResourceTypeDef, resource: &Value) -> bool {
    match filter {
        Filter::Attr(exp) => {
            let Some(resolved) = resolve_attr_path(rt, exp_path(exp)) else { return false };
            let values = leaf_values(resource, &resolved);
            test(exp, resolved.leaf(), &values)
        }
        Filter::ValuePath(vp) => {
            let Some(resolved) = resolve_attr_path(rt, &vp.attr) else { return false };
            elements(attr_value(resource, &resolved)).any(|element| element_matches(&vp.filter, element, resolved.attr))
        }
        Filter::Not(inner) => !matches(inner, rt, resource),
        Filter::And(items) => items.iter().all(|f| matches(f, rt, resource)),
        Filter::Or(items) => items.iter().any(|f| matches(f, rt, resource)),
    }
}

/// Does one element of `parent` (a value of a multi-valued attribute, or
/// the object of a single-valued complex one) satisfy a value filter? For
/// an attribute that is not complex the element itself is its `value`.
pub fn element_matches(filter: &ValFilter, element: &Value, parent: &AttrDef) -> bool {
    match filter {
        ValFilter::Attr(exp) => {
            let path = exp_path(exp);
            if path.uri.is_some() || path.sub_attr.is_some() {
                return false;
            }
            if parent.is_complex() {
                let Some(sub) = parent.sub(&path.name) else { return false };
                let values: Vec<&Value> = elements(element.get(sub.name)).collect();
                test(exp, sub, &values)
            } else if path.name.eq_ignore_ascii_case("value") {
                let values: Vec<&Value> = elements(Some(element)).collect();
                test(exp, parent, &values)
            } else {
                false
            }
        }
        ValFilter::Not(inner) => !element_matches(inner, element, parent),
        ValFilter::And(items) => items.iter().all(|f| element_matches(f, element, parent)),
        ValFilter::Or(items) => items.iter().any(|f| element_matches(f, element, parent)),
    }
}

fn exp_path(exp: &AttrExp) -> &AttrPath {
    match exp {
        AttrExp::Present(path) | AttrExp::Comparison(path, _, _) => path,
    }
}

/// The attribute's value in the resource: at the root, or in its
/// extension's object.
pub(crate) fn attr_value<'a>(resource: &'a Value, resolved: &ResolvedAttr) -> Option<&'a Value> {
    let holder = match resolved.home {
        AttrHome::Core => resource,
        AttrHome::Extension(urn) => resource.get(urn)?,
    };
    holder.get(resolved.attr.name)
}

/// The values of an array one by one, or a lone value; nothing for null.
fn elements(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    let items: &[Value] = match value {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(one) => std::slice::from_ref(one),
    };
    items.iter().filter(|v| !v.is_null())
}

/// The values a path names: the attribute's values, or the sub-attribute's
/// value in each of them.
fn leaf_values<'a>(resource: &'a Value, resolved: &ResolvedAttr) -> Vec<&'a Value> {
    let outer = elements(attr_value(resource, resolved));
    match resolved.sub {
        None => outer.collect(),
        Some(sub) => outer.flat_map(|element| elements(element.get(sub.name))).collect(),
    }
}

fn test(exp: &AttrExp, leaf: &AttrDef, values: &[&Value]) -> bool {
    match exp {
        AttrExp::Present(_) => values.iter().any(|v| is_present(v)),
        AttrExp::Comparison(_, CompareOp::Eq, CompValue::Null) => !values.iter().any(|v| is_present(v)),
        AttrExp::Comparison(_, CompareOp::Ne, CompValue::Null) => values.iter().any(|v| is_present(v)),
        AttrExp::Comparison(_, CompareOp::Ne, expected) => !values.iter().any(|v| compare(leaf, v, &CompareOp::Eq, expected)),
        AttrExp::Comparison(_, op, expected) => values.iter().any(|v| compare(leaf, v, op, expected)),
    }
}

fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(fields) => fields.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn compare(leaf: &AttrDef, actual: &Value, op: &CompareOp, expected: &CompValue) -> bool {
    match leaf.ty {
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            let (Some(actual), Some(expected)) = (actual.as_str(), comp_text(expected)) else { return false };
            compare_text(actual, &expected, op, leaf.case_exact)
        }
        AttrType::Boolean => {
            let (Some(actual), Some(expected)) = (as_bool(actual), comp_bool(expected)) else { return false };
            ordered(op, actual.cmp(&expected))
        }
        AttrType::Integer | AttrType::Decimal => {
            let (Some(actual), CompValue::Number(expected)) = (actual.as_number(), expected) else { return false };
            compare_numbers(actual, expected).is_some_and(|ord| ordered(op, ord))
        }
        AttrType::DateTime => {
            let actual = actual.as_str().and_then(parse_datetime_micros);
            let expected = match expected {
                CompValue::Str(s) => parse_datetime_micros(s),
                _ => None,
            };
            let (Some(actual), Some(expected)) = (actual, expected) else { return false };
            ordered(op, actual.cmp(&expected))
        }
        AttrType::Complex => false,
    }
}

/// The outcome of an ordering operator; `co`/`sw`/`ew` are not orderings.
fn ordered(op: &CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_text(actual: &str, expected: &str, op: &CompareOp, case_exact: bool) -> bool {
    let (actual, expected) =
        if case_exact { (actual.to_string(), expected.to_string()) } else { (actual.to_lowercase(), expected.to_lowercase()) };
    match op {
        CompareOp::Co => actual.contains(&expected),
        CompareOp::Sw => actual.starts_with(&expected),
        CompareOp::Ew => actual.ends_with(&expected),
        _ => ordered(op, actual.cmp(&expected)),
    }
}

fn compare_numbers(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn comp_text(value: &CompValue) -> Option<String> {
    match value {
        CompValue::Str(s) => Some(s.clone()),
        CompValue::Number(n) => Some(n.to_string()),
        CompValue::True => Some("true".into()),
        CompValue::False => Some("false".into()),
        CompValue::Null => None,
    }
}

fn comp_bool(value: &CompValue) -> Option<bool> {
    match value {
        CompValue::True => Some(true),
        CompValue::False => Some(false),
        CompValue::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        CompValue::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}
