//! Group `members` live in a side table (a group may have 100 000), so the
//! domain applies operations on them itself. This takes them out of a
//! request, in order, in every shape clients send:
//!
//! | request                                               | member op         |
//! |-------------------------------------------------------|-------------------|
//! | add `members` `[{"value":id}]`                        | `Add`             |
//! | add `members[value eq "id"]` (OneLogin, reportedly)   | `Add`             |
//! | remove `members[value eq "id"]` (Okta, Entra w/ flag) | `Remove`          |
//! | remove `members` `[{"value":id}]` (Entra, JumpCloud)  | `Remove`          |
//! | remove `members[<other filter>]`                      | `RemoveMatching`  |
//! | remove `members` without value                        | `RemoveAll`       |
//! | replace `members` `[...]` / `[]` (Okta)               | `ReplaceAll`      |
//! | path-less add/replace with a `members` key            | `Add`/`ReplaceAll`|

use std::collections::HashSet;

use scim_v2::filter::{AttrExp, CompValue, CompareOp, ValFilter};
use serde_json::{Map, Value};

use super::{OpKind, PatchOp, Path};
use crate::ScimError;
use crate::schema::{AttrHome, ResolvedAttr};

const MEMBERS: &str = "members";

#[derive(Debug, Clone, PartialEq)]
pub enum MemberOp {
    Add(Vec<String>),
    /// Remove these member ids (absent ones are ignored).
    Remove(Vec<String>),
    /// Remove the members whose `{"value", "type"}` element the filter
    /// matches ([`crate::filter::element_matches`] with the `members` attribute).
    RemoveMatching(ValFilter),
    RemoveAll,
    ReplaceAll(Vec<String>),
}

/// Split `ops` into those on other attributes and those on `members`,
/// each list in request order.
pub fn split_member_ops(ops: Vec<PatchOp>) -> Result<(Vec<PatchOp>, Vec<MemberOp>), ScimError> {
    let mut rest = Vec::with_capacity(ops.len());
    let mut member_ops = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        split_one(op, &mut rest, &mut member_ops).map_err(|e| super::parse::at_operation(i, e))?;
    }
    Ok((rest, member_ops))
}

fn is_members(target: &ResolvedAttr) -> bool {
    target.home == AttrHome::Core && target.attr.name == MEMBERS
}

fn split_one(op: PatchOp, rest: &mut Vec<PatchOp>, member_ops: &mut Vec<MemberOp>) -> Result<(), ScimError> {
    match &op.path {
        Some(Path::Attr(target)) if is_members(target) => {
            if let Some(sub) = target.sub {
                return Err(ScimError::invalid_path(format!(
                    "members.{} cannot be patched: name members by members[value eq \"id\"]",
                    sub.name
                )));
            }
            member_ops.push(match (op.op, op.value) {
                (OpKind::Add, value) => MemberOp::Add(member_ids(value.unwrap_or(Value::Null))?),
                (OpKind::Replace, value) => MemberOp::ReplaceAll(member_ids(value.unwrap_or(Value::Null))?),
                (OpKind::Remove, None | Some(Value::Null)) => MemberOp::RemoveAll,
                (OpKind::Remove, Some(listed)) => MemberOp::Remove(member_ids(listed)?),
            });
        }
        Some(Path::Filtered { target, filter }) if is_members(target) => {
            member_ops.push(filtered(op.op, target, filter)?);
        }
        None if matches!(op.op, OpKind::Add | OpKind::Replace) => {
            let PatchOp { op: kind, path, value } = op;
            let mut attrs = match value {
                Some(Value::Object(attrs)) => attrs,
                other => {
                    rest.push(PatchOp { op: kind, path, value: other });
                    return Ok(());
                }
            };
            if let Some(members) = take_members(&mut attrs) {
                let ids = member_ids(members)?;
                member_ops.push(if kind == OpKind::Add { MemberOp::Add(ids) } else { MemberOp::ReplaceAll(ids) });
            }
            if !attrs.is_empty() {
                rest.push(PatchOp { op: kind, path, value: Some(Value::Object(attrs)) });
            }
        }
        _ => rest.push(op),
    }
    Ok(())
}

fn filtered(kind: OpKind, target: &ResolvedAttr, filter: &ValFilter) -> Result<MemberOp, ScimError> {
    match (kind, target.sub) {
        (OpKind::Remove, None) => Ok(match ids_in_filter(filter) {
            Some(ids) => MemberOp::Remove(ids),
            None => MemberOp::RemoveMatching(filter.clone()),
        }),
        // Taking away a member's `value` leaves no member.
        (OpKind::Remove, Some(sub)) if sub.name == "value" => Ok(match ids_in_filter(filter) {
            Some(ids) => MemberOp::Remove(ids),
            None => MemberOp::RemoveMatching(filter.clone()),
        }),
        (OpKind::Add, None) => ids_in_filter(filter)
            .map(MemberOp::Add)
            .ok_or_else(|| ScimError::invalid_path("members can be added through a filter only as members[value eq \"id\"]")),
        _ => Err(ScimError::mutability("a member's value, type and $ref cannot be changed: remove the member and add another")),
    }
}

/// `value eq "a"`, or `value eq "a" or value eq "b" …`: the ids named.
fn ids_in_filter(filter: &ValFilter) -> Option<Vec<String>> {
    match filter {
        ValFilter::Attr(AttrExp::Comparison(path, CompareOp::Eq, CompValue::Str(id)))
            if path.name == "value" && path.uri.is_none() && path.sub_attr.is_none() =>
        {
            Some(vec![id.clone()])
        }
        ValFilter::Or(items) => items.iter().map(ids_in_filter).collect::<Option<Vec<_>>>().map(|v| v.concat()),
        _ => None,
    }
}

fn take_members(attrs: &mut Map<String, Value>) -> Option<Value> {
    if let Some(v) = attrs.shift_remove(MEMBERS) {
        return Some(v);
    }
    let key = attrs.keys().find(|k| k.eq_ignore_ascii_case(MEMBERS))?.clone();
    attrs.shift_remove(&key)
}

/// Member ids from `[{"value": id, "display"?, "$ref"?, "type"?}, ...]`, a
/// lone such object, or bare id strings; duplicates dropped, order kept.
fn member_ids(value: Value) -> Result<Vec<String>, ScimError> {
    let items = match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        lone => vec![lone],
    };
    let mut seen = HashSet::with_capacity(items.len());
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        let id = match item {
            Value::String(id) => id,
            Value::Object(mut fields) => {
                let key = fields.keys().find(|k| k.eq_ignore_ascii_case("value")).cloned();
                match key.and_then(|k| fields.shift_remove(&k)) {
                    Some(Value::String(id)) => id,
                    Some(_) => return Err(ScimError::invalid_value("members: a member's \"value\" must be a string id")),
                    None => return Err(ScimError::invalid_value("members: each member needs a \"value\" (its id)")),
                }
            }
            Value::Null => continue,
            _ => return Err(ScimError::invalid_value("members: each member must be an object {\"value\": id}")),
        };
        if seen.insert(id.clone()) {
            ids.push(id);
        }
    }
    Ok(ids)
}
