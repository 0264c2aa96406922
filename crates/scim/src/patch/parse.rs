//! A PATCH body (RFC 7644 §3.5.2) validated into [`PatchOp`]s.

use serde_json::{Map, Value};

use super::{MAX_OPERATIONS, OpKind, PATCH_OP_SCHEMA, PatchOp, Path};
use crate::ScimError;
use crate::resource::keys::{Key, classify, in_schema};
use crate::schema::{Mutability, ResolvedAttr, ResourceTypeDef};

/// Validate a PATCH body for `rt`. Errors are 400 with `invalidSyntax`
/// (shape), `invalidPath` (a path), `noTarget` (remove without path) or
/// `tooMany` (more than [`MAX_OPERATIONS`]).
pub fn parse_patch_request(body: &Value, rt: &'static ResourceTypeDef) -> Result<Vec<PatchOp>, ScimError> {
    let Value::Object(fields) = body else {
        return Err(ScimError::invalid_syntax("a PATCH body must be a JSON object"));
    };
    check_schemas(fields)?;
    let ops = match field(fields, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        Some(Value::Array(_)) => return Err(ScimError::invalid_syntax("\"Operations\" is empty")),
        Some(_) => return Err(ScimError::invalid_syntax("\"Operations\" must be an array")),
        None => return Err(ScimError::invalid_syntax("a PATCH body needs \"Operations\"")),
    };
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::too_many(format!("{} operations in one request; at most {MAX_OPERATIONS} are accepted", ops.len())));
    }
    ops.iter().enumerate().map(|(i, op)| parse_op(op, rt).map_err(|e| at_operation(i, e))).collect()
}

/// Prefix an error's detail with the operation it is about.
pub(super) fn at_operation(index: usize, e: ScimError) -> ScimError {
    ScimError { detail: format!("Operations[{index}]: {}", e.detail), ..e }
}

/// A field by name, case-insensitively (an exact match first).
fn field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields.get(name).or_else(|| fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// RFC 7644 requires the PatchOp URN; its absence is forgiven, another
/// schema is not.
fn check_schemas(fields: &Map<String, Value>) -> Result<(), ScimError> {
    let names_patch_op = |v: &Value| v.as_str().is_some_and(|s| s.trim().eq_ignore_ascii_case(PATCH_OP_SCHEMA));
    match field(fields, "schemas") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items)) if items.iter().any(names_patch_op) => Ok(()),
        Some(single) if names_patch_op(single) => Ok(()),
        Some(_) => Err(ScimError::invalid_syntax(format!("a PATCH body's \"schemas\" must be [\"{PATCH_OP_SCHEMA}\"]"))),
    }
}

fn parse_op(raw: &Value, rt: &'static ResourceTypeDef) -> Result<PatchOp, ScimError> {
    let Value::Object(fields) = raw else {
        return Err(ScimError::invalid_syntax("an operation must be a JSON object"));
    };
    let op = match field(fields, "op") {
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "add" => OpKind::Add,
            "remove" => OpKind::Remove,
            "replace" => OpKind::Replace,
            _ => return Err(ScimError::invalid_syntax(format!("unknown op {s:?}: expected add, remove or replace"))),
        },
        _ => return Err(ScimError::invalid_syntax("\"op\" must be one of add, remove, replace")),
    };
    let path = match field(fields, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(Path::parse(s, rt)?),
        Some(_) => return Err(ScimError::invalid_path("\"path\" must be a string")),
    };
    let value = match (op, &path, field(fields, "value")) {
        (OpKind::Remove, None, _) => {
            return Err(ScimError::no_target("remove needs a path naming what to remove"));
        }
        (OpKind::Remove, Some(_), v) => v.filter(|v| !v.is_null()).cloned(),
        // `add members[value eq "id"]` (reportedly OneLogin): the filter
        // describes the whole element.
        (OpKind::Add, Some(Path::Filtered { target, .. }), None | Some(Value::Null)) if target.sub.is_none() => {
            Some(Value::Object(Map::new()))
        }
        (OpKind::Add, _, None | Some(Value::Null)) | (OpKind::Replace, None, None | Some(Value::Null)) => {
            return Err(ScimError::invalid_syntax(format!("{} needs a value", op.as_str())));
        }
        (OpKind::Replace, Some(_), None) => return Err(ScimError::invalid_syntax("replace needs a value")),
        (_, None, Some(Value::Object(attrs))) => Some(Value::Object(canonical_attributes(attrs, rt))),
        (_, None, Some(_)) => {
            return Err(ScimError::invalid_syntax("without a path, \"value\" must be an object of attributes"));
        }
        (_, Some(_), v) => v.cloned(),
    };
    Ok(PatchOp { op, path, value })
}

/// The attributes of a path-less value, in order, each resolved: keys may be
/// plain (`displayName`), dotted (`name.givenName`), URN-qualified, or an
/// extension URN whose value holds that extension's attributes. Unknown
/// keys are ignored, and so are read-only ones (Okta sends `id` along).
pub(super) fn pathless_entries(attrs: &Map<String, Value>, rt: &'static ResourceTypeDef) -> Vec<(ResolvedAttr, Value)> {
    let mut out = Vec::with_capacity(attrs.len());
    for (key, value) in attrs {
        match classify(rt, key) {
            Key::Attr(target) => out.push((target, value.clone())),
            Key::Container(home, schema) => {
                if let Value::Object(inner) = value {
                    out.extend(inner.iter().filter_map(|(k, v)| in_schema(rt, home, schema, k).map(|target| (target, v.clone()))));
                }
            }
            Key::Schemas | Key::Unknown => {}
        }
    }
    out.retain(|(target, _)| client_writable(target));
    out
}

pub(super) fn client_writable(target: &ResolvedAttr) -> bool {
    target.attr.mutability != Mutability::ReadOnly && target.sub.is_none_or(|s| s.mutability != Mutability::ReadOnly)
}

/// A path-less value with canonical keys, flat (`urn:…:User:manager`
/// rather than nested under the URN), so that later steps see each
/// attribute under one name.
fn canonical_attributes(attrs: &Map<String, Value>, rt: &'static ResourceTypeDef) -> Map<String, Value> {
    pathless_entries(attrs, rt).into_iter().map(|(target, value)| (target.canonical_name(), value)).collect()
}
