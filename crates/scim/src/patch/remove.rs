//! `remove` (RFC 7644 §3.5.2.2). Removing what is not there changes
//! nothing and is no error. A `value` on a multi-valued attribute names the
//! values to remove (Entra's and JumpCloud's `{"op":"remove","path":"members",
//! "value":[{"value":"id"}]}`): only those go, never the whole attribute.

use scim_v2::filter::ValFilter;
use serde_json::{Map, Value};

use super::doc::holder_mut;
use super::elements::{same_element, same_scalar};
use super::{Path, value};
use crate::ScimError;
use crate::filter::element_matches;
use crate::schema::{AttrDef, ResolvedAttr};

pub(super) fn remove(root: &mut Map<String, Value>, path: &Path, listed: Option<&Value>) -> Result<(), ScimError> {
    match path {
        Path::Extension(schema) => {
            root.shift_remove(schema.id);
            Ok(())
        }
        Path::Attr(target) => remove_attr(root, target, listed),
        Path::Filtered { target, filter } => {
            remove_filtered(root, target, filter);
            Ok(())
        }
    }
}

fn remove_attr(root: &mut Map<String, Value>, target: &ResolvedAttr, listed: Option<&Value>) -> Result<(), ScimError> {
    let attr = target.attr;
    let Some(holder) = holder_mut(root, target.home, false) else { return Ok(()) };
    match (target.sub, listed) {
        (None, Some(listed)) if attr.multi_valued => {
            let wanted = value::many(attr, listed.clone(), &target.canonical_name())?;
            if let Some(Value::Array(items)) = holder.get_mut(attr.name) {
                items.retain(|item| !wanted.iter().any(|w| is_listed(attr, item, w)));
            }
        }
        (None, _) => {
            holder.shift_remove(attr.name);
        }
        (Some(sub), _) => match holder.get_mut(attr.name) {
            Some(Value::Array(items)) => {
                for fields in items.iter_mut().filter_map(Value::as_object_mut) {
                    fields.shift_remove(sub.name);
                }
            }
            Some(Value::Object(fields)) => {
                fields.shift_remove(sub.name);
            }
            _ => {}
        },
    }
    Ok(())
}

/// A listed value names an element by its `value` when it has one, else by
/// being the same element.
fn is_listed(attr: &AttrDef, item: &Value, listed: &Value) -> bool {
    match (attr.sub("value"), listed.get("value"), item.get("value")) {
        (Some(value_def), Some(wanted), Some(have)) => same_scalar(value_def, have, wanted),
        (Some(_), Some(_), None) => false,
        _ => same_element(attr, item, listed),
    }
}

fn remove_filtered(root: &mut Map<String, Value>, target: &ResolvedAttr, filter: &ValFilter) {
    let attr = target.attr;
    let Some(holder) = holder_mut(root, target.home, false) else { return };
    let Some(Value::Array(items)) = holder.get_mut(attr.name) else { return };
    match target.sub {
        None => items.retain(|item| !element_matches(filter, item, attr)),
        Some(sub) => {
            for item in items.iter_mut().filter(|item| element_matches(filter, item, attr)) {
                if let Some(fields) = item.as_object_mut() {
                    fields.shift_remove(sub.name);
                }
            }
        }
    }
}
