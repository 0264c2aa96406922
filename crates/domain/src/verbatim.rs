//! Users written into a response straight from their stored JSON text.
//!
//! Rendering a listed user the general way parses its stored document into
//! a tree, rebuilds it with `id`, the seat and `meta`, trims it by the
//! projection and serialises it again: most of a lookup's work. When the
//! default projection would leave every stored member as it is, which is
//! nearly always, the members' text is copied into the response instead.
//! The result is the same JSON (tests compare the two ways).

use std::borrow::Cow;
use std::fmt;

use lanyard_scim::projection::Projection;
use lanyard_scim::schema::{SEAT_SCHEMA, USER_SCHEMA};
use lanyard_scim::time::push_micros;
use lanyard_store::{UserDoc, UserGroupRef};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::render::GroupRef;

/// Keys Lanyard writes itself: a document holding one of them is rendered
/// the general way, which decides how they combine.
const OWN_KEYS: [&str; 4] = ["id", "meta", "groups", SEAT_SCHEMA];

/// Appends the user as `projection` shows it, copying its stored members.
/// `false`, with nothing appended, when that would not give what the
/// general rendering gives; the caller renders it that way then.
pub(crate) fn write_user(out: &mut Vec<u8>, user: &UserDoc, groups: &[&UserGroupRef], base_url: &str, projection: &Projection) -> bool {
    let Ok(Members(members)) = serde_json::from_str::<Members>(&user.doc) else { return false };
    let mut schemas = vec![Cow::Borrowed(USER_SCHEMA)];
    for (key, value) in &members {
        if key == "schemas" {
            match serde_json::from_str::<Vec<Cow<str>>>(value.get()) {
                Ok(stored) => schemas = stored,
                Err(_) => return false,
            }
        } else if OWN_KEYS.contains(&key.as_ref()) || !projection.keeps_verbatim(key, value.get()) {
            return false;
        }
    }
    if !schemas.iter().any(|s| s == SEAT_SCHEMA) {
        schemas.push(Cow::Borrowed(SEAT_SCHEMA));
    }
    schemas.retain(|urn| projection.keeps_schema(urn, |id| id == SEAT_SCHEMA || members.iter().any(|(k, _)| k == id)));
    let start = out.len();
    if write(out, user, &schemas, &members, groups, base_url).is_err() {
        out.truncate(start);
        return false;
    }
    true
}

fn write(
    out: &mut Vec<u8>,
    user: &UserDoc,
    schemas: &[Cow<str>],
    members: &[(Cow<str>, &RawValue)],
    groups: &[&UserGroupRef],
    base_url: &str,
) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"schemas\":");
    serde_json::to_writer(&mut *out, schemas)?;
    out.extend_from_slice(b",\"id\":");
    serde_json::to_writer(&mut *out, &user.id)?;
    for (key, value) in members.iter().filter(|(k, _)| k != "schemas") {
        out.push(b',');
        serde_json::to_writer(&mut *out, key)?;
        out.push(b':');
        out.extend_from_slice(value.get().as_bytes());
    }
    if !groups.is_empty() {
        out.extend_from_slice(b",\"groups\":");
        let refs: Vec<GroupRef> = groups.iter().map(|g| GroupRef::of(g, base_url)).collect();
        serde_json::to_writer(&mut *out, &refs)?;
    }
    out.push(b',');
    push_str(out, &[SEAT_SCHEMA]);
    out.extend_from_slice(b":{\"seat\":{\"status\":");
    push_str(out, &[user.seat.status.as_str()]);
    for (key, at) in [("assignedAt", user.seat.assigned_at), ("pendingSince", user.seat.pending_since)] {
        if let Some(at) = at {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            push_instant(out, at);
        }
    }
    out.extend_from_slice(b"}},\"meta\":{\"resourceType\":\"User\",\"created\":");
    push_instant(out, user.created_at);
    out.extend_from_slice(b",\"lastModified\":");
    push_instant(out, user.modified_at);
    out.extend_from_slice(b",\"location\":");
    push_str(out, &[base_url, "/Users/", &user.id]);
    out.extend_from_slice(b",\"version\":\"W/\\\"");
    out.extend_from_slice(itoa::Buffer::new().format(user.version).as_bytes());
    out.extend_from_slice(b"\\\"\"}}");
    Ok(())
}

/// A JSON string of `parts` joined, escaped as `serde_json` escapes.
fn push_str(out: &mut Vec<u8>, parts: &[&str]) {
    out.push(b'"');
    for part in parts {
        if part.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            let quoted = serde_json::to_string(part).unwrap_or_default();
            out.extend_from_slice(quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().as_bytes());
        } else {
            out.extend_from_slice(part.as_bytes());
        }
    }
    out.push(b'"');
}

fn push_instant(out: &mut Vec<u8>, micros: i64) {
    out.push(b'"');
    push_micros(out, micros);
    out.push(b'"');
}

/// A JSON object's members in order, keys decoded and values as text.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(Key(key)) = map.next_key()? {
                    members.push((key, map.next_value()?));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// A key, borrowed from the text unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use lanyard_scim::schema::{ENTERPRISE_USER_SCHEMA, USER_TYPE};
    use lanyard_store::{SeatState, SeatStatus};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::render::render_user;

    const BASE: &str = "https://sso.example.com/scim/v2/acme";

    fn user(doc: &Value) -> UserDoc {
        UserDoc {
            id: "2819c223-7f76-453a-919d-413861904646".into(),
            doc: doc.to_string(),
            version: 3,
            created_at: 1_700_000_000_000_000,
            modified_at: 1_700_000_123_456_789,
            seat: SeatState { status: SeatStatus::Assigned, assigned_at: Some(1_700_000_000_000_001), pending_since: None },
        }
    }

    fn group_refs() -> Vec<UserGroupRef> {
        ["Engineering", "Dev \"Ops\""]
            .iter()
            .enumerate()
            .map(|(n, name)| UserGroupRef { user_id: "u".into(), group_id: format!("g{n}"), display: (*name).into() })
            .collect()
    }

    /// The general way: parse, render, project, serialise.
    fn general(user: &UserDoc, groups: &[&UserGroupRef]) -> Vec<u8> {
        let doc: Value = serde_json::from_str(&user.doc).unwrap();
        let mut resource = render_user(&user.into(), doc, groups, BASE);
        Projection::default_for(&USER_TYPE).apply(&mut resource);
        serde_json::to_vec(&resource).unwrap()
    }

    fn verbatim(user: &UserDoc, groups: &[&UserGroupRef]) -> Option<Vec<u8>> {
        let mut out = b"[".to_vec();
        let written = write_user(&mut out, user, groups, BASE, &Projection::default_for(&USER_TYPE));
        assert_eq!(written, out.len() > 1, "appends exactly when it says it did");
        written.then(|| out.split_off(1))
    }

    #[test]
    fn identity_provider_users_are_copied_and_come_out_as_the_general_rendering() {
        let owned = group_refs();
        let groups: Vec<&UserGroupRef> = owned.iter().collect();
        let docs = [
            json!({"schemas": [USER_SCHEMA], "userName": "ann@example.com", "active": true}),
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "userName": "bob@example.com",
                "externalId": "00u1abcd",
                "name": {"givenName": "Bob", "familyName": "Ng", "formatted": "Bob Ng"},
                "emails": [{"value": "bob@example.com", "type": "work", "primary": true}],
                "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}],
                "active": false,
                ENTERPRISE_USER_SCHEMA: {"department": "R&D", "manager": {"value": "m1"}},
                "urn:example:custom": {"favourite": "\"quoted\" \u{e9}"},
                "with\"escape": 1.5,
            }),
            json!({"userName": "no-schemas", "title": null, "x": [1, "two", {"three": 3}]}),
        ];
        for doc in &docs {
            for groups in [&groups[..], &[]] {
                let user = user(doc);
                let copied = verbatim(&user, groups).unwrap_or_else(|| panic!("not copied: {doc}"));
                assert_eq!(String::from_utf8(copied).unwrap(), String::from_utf8(general(&user, groups)).unwrap());
            }
        }
    }

    #[test]
    fn what_the_projection_would_change_is_left_to_the_general_rendering() {
        let docs = [
            json!({"userName": "a", "password": "secret"}),
            json!({"userName": "a", "name": {}}),
            json!({"userName": "a", "emails": []}),
            json!({"userName": "a", "emails": [{}]}),
            json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "a", ENTERPRISE_USER_SCHEMA: {}}),
            json!({"schemas": "not a list", "userName": "a"}),
            json!({"schemas": [USER_SCHEMA, 7], "userName": "a"}),
            json!({"userName": "a", "id": "spoofed"}),
            json!({"userName": "a", "meta": {"version": "W/\"9\""}}),
            json!({"userName": "a", "groups": [{"value": "g"}]}),
            json!({"userName": "a", SEAT_SCHEMA: {"seat": {"status": "assigned"}}}),
            json!(["not", "an", "object"]),
        ];
        for doc in &docs {
            assert_eq!(verbatim(&user(doc), &[]), None, "copied: {doc}");
        }
    }

    fn attribute() -> impl Strategy<Value = (String, Value)> {
        let key = prop::sample::select(vec![
            "userName",
            "displayName",
            "name",
            "emails",
            "password",
            "active",
            "title",
            "addresses",
            "x509Certificates",
            "roles",
            "unknownThing",
            "id",
            "groups",
            ENTERPRISE_USER_SCHEMA,
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:example:ext",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| json!(n)),
            "[a-z\"\\\\{}\\[\\] ]{0,6}".prop_map(Value::String),
        ];
        let value = leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec(("[a-z]{1,8}|value|type|primary|department|manager", inner), 0..3)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        });
        (key.prop_map(str::to_string), value)
    }

    proptest! {
        #[test]
        fn a_copied_user_is_byte_for_byte_the_general_rendering(
            members in prop::collection::vec(attribute(), 0..6),
            schemas in prop::option::of(prop::collection::vec(
                prop::sample::select(vec![USER_SCHEMA, ENTERPRISE_USER_SCHEMA, SEAT_SCHEMA, "urn:example:ext"]), 0..4)),
            with_groups in any::<bool>(),
        ) {
            let mut doc = serde_json::Map::new();
            if let Some(schemas) = schemas {
                doc.insert("schemas".into(), json!(schemas));
            }
            doc.extend(members);
            let user = user(&Value::Object(doc));
            let owned = group_refs();
            let groups: Vec<&UserGroupRef> = if with_groups { owned.iter().collect() } else { Vec::new() };
            if let Some(copied) = verbatim(&user, &groups) {
                prop_assert_eq!(String::from_utf8(copied).unwrap(), String::from_utf8(general(&user, &groups)).unwrap());
            }
        }

        /// What Lanyard writes itself around the copied members: the id, the
        /// seat, timestamps of any year, versions, characters to escape.
        #[test]
        fn written_facts_are_byte_for_byte_the_general_rendering(
            id in "[a-zA-Z0-9 \"\\\u{1}\u{7f}é/-]{1,12}",
            version in any::<i64>(),
            created_at in any::<i64>(),
            modified_at in -100_000_000_000_000_000_i64..300_000_000_000_000_000,
            status in prop::sample::select(vec![SeatStatus::Assigned, SeatStatus::Pending, SeatStatus::None]),
            assigned_at in prop::option::of(any::<i64>()),
            pending_since in prop::option::of(0..2_000_000_000_000_000_i64),
        ) {
            let doc = json!({"schemas": [USER_SCHEMA], "userName": "ann@example.com", "active": true});
            let user = UserDoc {
                id,
                version,
                created_at,
                modified_at,
                seat: SeatState { status, assigned_at, pending_since },
                ..user(&doc)
            };
            let copied = verbatim(&user, &[]).unwrap();
            prop_assert_eq!(String::from_utf8(copied).unwrap(), String::from_utf8(general(&user, &[])).unwrap());
        }
    }
}
