//! Stored rows to SCIM JSON representations.

use lanyard_scim::schema::{SEAT_SCHEMA, USER_SCHEMA};
use lanyard_scim::time::format_micros;
use lanyard_store::{GroupRow, MemberRow, SeatState, UserDoc, UserGroupRef, UserRow};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The ETag of a version: weak, since representations vary with projection.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// A resource's `meta`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta {
    resource_type: &'static str,
    created: String,
    last_modified: String,
    location: String,
    version: String,
}

impl Meta {
    fn new(resource_type: &'static str, created: i64, modified: i64, location: String, version: i64) -> Self {
        Meta { resource_type, created: format_micros(created), last_modified: format_micros(modified), location, version: etag(version) }
    }

    pub fn of_user(user: &UserFacts, base_url: &str) -> Self {
        Meta::new("User", user.created_at, user.modified_at, format!("{base_url}/Users/{}", user.id), user.version)
    }
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

/// What a user's representation shows besides its stored document.
pub(crate) struct UserFacts<'a> {
    pub id: &'a str,
    pub version: i64,
    pub created_at: i64,
    pub modified_at: i64,
    pub seat: &'a SeatState,
}

impl<'a> From<&'a UserRow> for UserFacts<'a> {
    fn from(row: &'a UserRow) -> Self {
        UserFacts { id: &row.id, version: row.version, created_at: row.created_at, modified_at: row.modified_at, seat: &row.seat }
    }
}

impl<'a> From<&'a UserDoc> for UserFacts<'a> {
    fn from(user: &'a UserDoc) -> Self {
        UserFacts { id: &user.id, version: user.version, created_at: user.created_at, modified_at: user.modified_at, seat: &user.seat }
    }
}

pub fn user_json(row: &UserRow, groups: &[&UserGroupRef], base_url: &str) -> Value {
    render_user(&row.into(), row.doc.clone(), groups, base_url)
}

/// [`user_json`] of a row the caller no longer needs: its document is
/// moved into the representation instead of copied.
pub fn user_json_owned(mut row: UserRow, groups: &[&UserGroupRef], base_url: &str) -> Value {
    let doc = std::mem::take(&mut row.doc);
    render_user(&(&row).into(), doc, groups, base_url)
}

/// The user whose stored document is `doc`.
pub(crate) fn render_user(user: &UserFacts, doc: Value, groups: &[&UserGroupRef], base_url: &str) -> Value {
    let mut extra = Vec::new();
    if !groups.is_empty() {
        let list: Vec<Value> = groups.iter().map(|g| json!(GroupRef::of(g, base_url))).collect();
        extra.push(("groups".to_string(), Value::Array(list)));
    }
    extra.push((SEAT_SCHEMA.to_string(), json!({ "seat": Seat::of(user.seat) })));
    let meta = json!(Meta::of_user(user, base_url));
    assemble(user.id, doc, (&[USER_SCHEMA], &[SEAT_SCHEMA]), extra, meta)
}

/// A user's group as its `groups` show it.
#[derive(Serialize)]
pub(crate) struct GroupRef<'a> {
    value: &'a str,
    #[serde(rename = "$ref")]
    reference: String,
    display: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl<'a> GroupRef<'a> {
    pub fn of(group: &'a UserGroupRef, base_url: &str) -> Self {
        GroupRef {
            value: &group.group_id,
            reference: format!("{base_url}/Groups/{}", group.group_id),
            display: &group.display,
            kind: "direct",
        }
    }
}

/// The seat extension's `seat`.
#[derive(Serialize)]
pub(crate) struct Seat {
    status: &'static str,
    #[serde(rename = "assignedAt", skip_serializing_if = "Option::is_none")]
    assigned_at: Option<String>,
    #[serde(rename = "pendingSince", skip_serializing_if = "Option::is_none")]
    pending_since: Option<String>,
}

impl Seat {
    pub fn of(seat: &SeatState) -> Self {
        Seat {
            status: seat.status.as_str(),
            assigned_at: seat.assigned_at.map(format_micros),
            pending_since: seat.pending_since.map(format_micros),
        }
    }
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
    let meta = json!(Meta::new("Group", row.created_at, row.modified_at, location, row.version));
    assemble(&row.id, row.doc.clone(), (&[], &[]), extra, meta)
}
