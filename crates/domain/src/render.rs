//! Stored rows to SCIM JSON representations.

use lanyard_scim::schema::{SEAT_SCHEMA, USER_SCHEMA};
use lanyard_scim::time::format_micros;
use lanyard_store::{GroupRow, MemberRow, UserGroupRef, UserRow};
use serde_json::{Map, Value, json};

/// The ETag of a version: weak, since representations vary with projection.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

fn meta(resource_type: &str, created: i64, modified: i64, location: String, version: i64) -> Value {
    json!({
        "resourceType": resource_type,
        "created": format_micros(created),
        "lastModified": format_micros(modified),
        "location": location,
        "version": etag(version),
    })
}

/// `schemas` (`default_schemas` when the document has none), `id`, then
/// the stored attributes, then `extra`, then `meta`.
fn assemble(id: &str, doc: Value, (default_schemas, extra_schemas): (&[&str], &[&str]), extra: Vec<(String, Value)>, meta: Value) -> Value {
    let mut out = Map::with_capacity(doc.as_object().map_or(0, Map::len) + extra.len() + 3);
    let mut schemas: Vec<Value> = match doc.get("schemas") {
        None => default_schemas.iter().map(|s| json!(s)).collect(),
        Some(stored) => stored.as_array().cloned().unwrap_or_default(),
    };
    for s in extra_schemas {
        if !schemas.iter().any(|v| v == s) {
            schemas.push(json!(s));
        }
    }
    out.insert("schemas".into(), Value::Array(schemas));
    out.insert("id".into(), json!(id));
    if let Value::Object(obj) = doc {
        out.extend(obj.into_iter().filter(|(k, _)| k.as_str() != "schemas"));
    }
    for (k, v) in extra {
        out.insert(k, v);
    }
    out.insert("meta".into(), meta);
    Value::Object(out)
}

pub fn user_json(row: &UserRow, groups: &[&UserGroupRef], base_url: &str) -> Value {
    render_user(row, row.doc.clone(), groups, base_url)
}

/// [`user_json`] of a row the caller no longer needs: its document is
/// moved into the representation instead of copied.
pub fn user_json_owned(mut row: UserRow, groups: &[&UserGroupRef], base_url: &str) -> Value {
    let doc = std::mem::take(&mut row.doc);
    render_user(&row, doc, groups, base_url)
}

/// The user of `row` whose stored document is `doc` (`row.doc` is not read).
fn render_user(row: &UserRow, doc: Value, groups: &[&UserGroupRef], base_url: &str) -> Value {
    let mut extra = Vec::new();
    if !groups.is_empty() {
        let list: Vec<Value> = groups
            .iter()
            .map(|g| json!({"value": g.group_id, "$ref": format!("{base_url}/Groups/{}", g.group_id), "display": g.display, "type": "direct"}))
            .collect();
        extra.push(("groups".to_string(), Value::Array(list)));
    }
    let mut seat = Map::new();
    seat.insert("status".into(), json!(row.seat.status.as_str()));
    if let Some(at) = row.seat.assigned_at {
        seat.insert("assignedAt".into(), json!(format_micros(at)));
    }
    if let Some(at) = row.seat.pending_since {
        seat.insert("pendingSince".into(), json!(format_micros(at)));
    }
    extra.push((SEAT_SCHEMA.to_string(), json!({ "seat": seat })));
    let location = format!("{base_url}/Users/{}", row.id);
    let meta = meta("User", row.created_at, row.modified_at, location, row.version);
    assemble(&row.id, doc, (&[USER_SCHEMA], &[SEAT_SCHEMA]), extra, meta)
}

/// `members` is `None` when the caller did not load them (projection
/// excludes them); otherwise the members of this group.
pub fn group_json(row: &GroupRow, members: Option<&[&MemberRow]>, base_url: &str) -> Value {
    let mut extra = Vec::new();
    if let Some(members) = members.filter(|m| !m.is_empty()) {
        let list: Vec<Value> = members
            .iter()
            .map(|m| {
                let endpoint = match m.kind {
                    lanyard_store::MemberType::User => "Users",
                    lanyard_store::MemberType::Group => "Groups",
                };
                let mut o = Map::new();
                o.insert("value".into(), json!(m.member_id));
                o.insert("$ref".into(), json!(format!("{base_url}/{endpoint}/{}", m.member_id)));
                if let Some(d) = &m.display {
                    o.insert("display".into(), json!(d));
                }
                o.insert("type".into(), json!(m.kind.as_str()));
                Value::Object(o)
            })
            .collect();
        extra.push(("members".to_string(), Value::Array(list)));
    }
    let location = format!("{base_url}/Groups/{}", row.id);
    let meta = meta("Group", row.created_at, row.modified_at, location, row.version);
    assemble(&row.id, row.doc.clone(), (&[], &[]), extra, meta)
}
