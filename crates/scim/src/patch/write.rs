//! `add` and `replace` (RFC 7644 §3.5.2.1, §3.5.2.3). They differ only on
//! a multi-valued attribute named without filter (add appends, replace
//! replaces the set) and on elements a filter selects (add merges into
//! them, replace replaces them). A single-valued complex value is merged
//! sub-attribute by sub-attribute by both.

use scim_v2::filter::ValFilter;
use serde_json::{Map, Value};

use super::doc::{holder_mut, with_array, with_object};
use super::elements::{append, check_immutable, is_primary, matching, merge_fields, seed, settle_primary};
use super::{OpKind, Path, value};
use crate::ScimError;
use crate::resource::keys::in_schema;
use crate::schema::{AttrDef, AttrHome, ResolvedAttr, ResourceTypeDef, SchemaDef};

pub(super) fn write(
    root: &mut Map<String, Value>,
    path: &Path,
    raw: Value,
    kind: OpKind,
    rt: &'static ResourceTypeDef,
) -> Result<(), ScimError> {
    match path {
        Path::Attr(target) => write_attr(root, target, raw, kind),
        Path::Filtered { target, filter } => write_filtered(root, target, filter, raw, kind, &path.to_string()),
        Path::Extension(schema) => write_extension(root, schema, raw, kind, rt),
    }
}

pub(super) fn write_attr(root: &mut Map<String, Value>, target: &ResolvedAttr, raw: Value, kind: OpKind) -> Result<(), ScimError> {
    let name = target.canonical_name();
    let attr = target.attr;
    let Some(holder) = holder_mut(root, target.home, true) else { return Ok(()) };
    match target.sub {
        None if raw.is_null() => {
            holder.shift_remove(attr.name);
            Ok(())
        }
        None if attr.multi_valued => {
            let new = value::many(attr, raw, &name)?;
            with_array(holder, attr.name, |items| {
                let fresh = match kind {
                    OpKind::Add => append(attr, items, new, &name)?,
                    _ => {
                        *items = new;
                        primaries(items)
                    }
                };
                settle_primary(attr, items, &fresh, &name)
            })
        }
        None if attr.is_complex() => match value::single(attr, raw, &name)? {
            Value::Object(fields) => with_object(holder, attr.name, |obj| merge_fields(attr, obj, fields, &name)),
            _ => {
                holder.shift_remove(attr.name);
                Ok(())
            }
        },
        None => {
            let new = value::single(attr, raw, &name)?;
            check_immutable(attr, holder.get(attr.name), &new, &name)?;
            holder.insert(attr.name.to_string(), new);
            Ok(())
        }
        // `emails.value` without a filter: every element, or a first one.
        Some(sub) if attr.multi_valued => {
            let new = value::single(sub, raw, &name)?;
            with_array(holder, attr.name, |items| {
                if items.is_empty() {
                    if !new.is_null() {
                        items.push(Value::Object(Map::from_iter([(sub.name.to_string(), new)])));
                    }
                    return Ok(());
                }
                for item in items.iter_mut() {
                    set_sub(sub, item, new.clone(), &name)?;
                }
                let fresh = if sub.name == "primary" { primaries(items) } else { Vec::new() };
                settle_primary(attr, items, &fresh, &name)
            })
        }
        Some(sub) => {
            let new = value::single(sub, raw, &name)?;
            with_object(holder, attr.name, |obj| {
                check_immutable(sub, obj.get(sub.name), &new, &name)?;
                obj.insert(sub.name.to_string(), new);
                Ok(())
            })
        }
    }
}

fn primaries(items: &[Value]) -> Vec<usize> {
    (0..items.len()).filter(|&i| is_primary(&items[i])).collect()
}

fn set_sub(sub: &AttrDef, item: &mut Value, new: Value, name: &str) -> Result<(), ScimError> {
    if let Some(fields) = item.as_object_mut() {
        check_immutable(sub, fields.get(sub.name), &new, name)?;
        fields.insert(sub.name.to_string(), new);
    }
    Ok(())
}

/// `attr[filter]` and `attr[filter].sub`. When nothing matches, a filter of
/// `eq` conditions describes the element to create (Entra adds the first
/// work email as `emails[type eq "work"].value`); any other filter has no
/// target.
fn write_filtered(
    root: &mut Map<String, Value>,
    target: &ResolvedAttr,
    filter: &ValFilter,
    raw: Value,
    kind: OpKind,
    name: &str,
) -> Result<(), ScimError> {
    let attr = target.attr;
    let no_target = || ScimError::no_target(format!("{name}: no value matches the filter, and it does not describe one to create"));
    let Some(holder) = holder_mut(root, target.home, true) else { return Ok(()) };
    with_array(holder, attr.name, |items| {
        let matched = matching(items, filter, attr);
        let fresh = match target.sub {
            Some(sub) => {
                let new = value::single(sub, raw, name)?;
                if matched.is_empty() {
                    if new.is_null() {
                        return Ok(());
                    }
                    let mut element = seed(filter, attr).ok_or_else(no_target)?;
                    element.insert(sub.name.to_string(), new);
                    append(attr, items, vec![Value::Object(element)], name)?
                } else {
                    for &i in &matched {
                        set_sub(sub, &mut items[i], new.clone(), name)?;
                    }
                    let primaries_set = sub.name == "primary" && new == Value::Bool(true);
                    if primaries_set { matched } else { Vec::new() }
                }
            }
            None => {
                let new = value::single(attr, raw, name)?;
                if new.is_null() {
                    for &i in matched.iter().rev() {
                        items.remove(i);
                    }
                    return Ok(());
                }
                if matched.is_empty() {
                    let element = overlay(Some(seed(filter, attr).ok_or_else(no_target)?), new);
                    append(attr, items, vec![element], name)?
                } else {
                    let client_primary = is_primary(&new);
                    for &i in &matched {
                        match (kind, items[i].as_object_mut(), &new) {
                            (OpKind::Add, Some(obj), Value::Object(fields)) => {
                                merge_fields(attr, obj, fields.clone(), name)?;
                            }
                            _ => {
                                let element = overlay(seed(filter, attr), new.clone());
                                check_element_immutables(attr, &items[i], &element, name)?;
                                items[i] = element;
                            }
                        }
                    }
                    if client_primary { matched } else { Vec::new() }
                }
            }
        };
        settle_primary(attr, items, &fresh, name)
    })
}

/// `new` over `base`: its sub-attributes win; a non-object `new` (an
/// element of a multi-valued simple attribute) stands alone.
fn overlay(base: Option<Map<String, Value>>, new: Value) -> Value {
    match new {
        Value::Object(fields) => {
            let mut out = base.unwrap_or_default();
            out.extend(fields);
            Value::Object(out)
        }
        other => other,
    }
}

fn check_element_immutables(attr: &AttrDef, old: &Value, new: &Value, name: &str) -> Result<(), ScimError> {
    for sub in attr.sub_attributes {
        if let Some(value) = new.get(sub.name) {
            check_immutable(sub, old.get(sub.name), value, &format!("{name}.{}", sub.name))?;
        }
    }
    Ok(())
}

/// A bare extension URN: its value holds that extension's attributes.
fn write_extension(
    root: &mut Map<String, Value>,
    schema: &'static SchemaDef,
    raw: Value,
    kind: OpKind,
    rt: &'static ResourceTypeDef,
) -> Result<(), ScimError> {
    match raw {
        Value::Null => {
            root.shift_remove(schema.id);
            Ok(())
        }
        Value::Object(fields) => {
            for (key, value) in fields {
                if let Some(target) = in_schema(rt, AttrHome::Extension(schema.id), schema, &key)
                    && super::parse::client_writable(&target)
                {
                    write_attr(root, &target, value, kind)?;
                }
            }
            Ok(())
        }
        other => Err(ScimError::invalid_value(format!(
            "{}: expected an object of attributes, got {}",
            schema.id,
            if other.is_array() { "an array" } else { "a single value" }
        ))),
    }
}
