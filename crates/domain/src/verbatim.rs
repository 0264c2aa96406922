//! Users written into a response straight from their stored JSON text.
//!
//! Rendering a listed user the general way parses its stored document into
//! a tree, rebuilds it with `id`, the seat and `meta`, trims it by the
//! projection and serialises it again: most of a lookup's work. When the
//! default projection would leave every stored member as it is, which is
//! nearly always, the members' text is copied into the response instead:
//! spliced without parsing when the store kept where `schemas` ends
//! ([`lanyard_scim::shown_as_stored`]), else member by member. The result
//! is the same JSON (tests compare the ways).

use std::borrow::Cow;

use lanyard_scim::projection::Projection;
use lanyard_scim::schema::SEAT_SCHEMA;
use lanyard_scim::shown_as_stored::{Shown, shown_as_stored};
use lanyard_scim::time::push_micros;
use lanyard_store::{UserDoc, UserGroupRef};
use serde_json::value::RawValue;

use crate::render::GroupRef;

/// Appends the user as `projection` shows it, copying its stored members.
/// `false`, with nothing appended, when that would not give what the
/// general rendering gives; the caller renders it that way then.
pub(crate) fn write_user(out: &mut Vec<u8>, user: &UserDoc, groups: &[&UserGroupRef], base_url: &str, projection: &Projection) -> bool {
    if projection.is_default()
        && let Some(end) = user.plain_schemas_end
        && splice(out, user, end, groups, base_url)
    {
        return true;
    }
    let Some(Shown { schemas, members }) = shown_as_stored(&user.doc, projection) else { return false };
    let start = out.len();
    if write(out, user, &schemas, &members, groups, base_url).is_err() {
        out.truncate(start);
        return false;
    }
    true
}

/// A document whose `schemas` closes at `end`, with everything after them
/// shown as stored: its text up to there, the seat URN, `id`, the rest of
/// its text, then what Lanyard writes. `false`, with nothing appended,
/// when `end` does not fit the document.
fn splice(out: &mut Vec<u8>, user: &UserDoc, end: usize, groups: &[&UserGroupRef], base_url: &str) -> bool {
    let doc = user.doc.as_bytes();
    let (Some(head), Some(after)) = (doc.get(..end), doc.get(end..)) else { return false };
    // `after` is `]}` or `],` + the other members + `}`.
    let members = match after {
        b"]}" => None,
        _ => match after.strip_prefix(b"],").and_then(|rest| rest.strip_suffix(b"}")) {
            Some(members) => Some(members),
            None => return false,
        },
    };
    let start = out.len();
    out.extend_from_slice(head);
    out.extend_from_slice(b",\"");
    out.extend_from_slice(SEAT_SCHEMA.as_bytes());
    out.extend_from_slice(b"\"],\"id\":");
    let written = serde_json::to_writer(&mut *out, &user.id).and_then(|()| {
        if let Some(members) = members {
            out.push(b',');
            out.extend_from_slice(members);
        }
        write_own_members(out, user, groups, base_url)
    });
    if written.is_err() {
        out.truncate(start);
    }
    written.is_ok()
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
    write_own_members(out, user, groups, base_url)
}

/// `groups`, the seat and `meta`, and the document's closing brace.
fn write_own_members(out: &mut Vec<u8>, user: &UserDoc, groups: &[&UserGroupRef], base_url: &str) -> serde_json::Result<()> {
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
        // Without an early exit, so the check runs over whole vectors.
        if part.bytes().fold(false, |escape, b| escape | (b < 0x20) | (b == b'"') | (b == b'\\')) {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use lanyard_scim::schema::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA, USER_TYPE};
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
            plain_schemas_end: None,
        }
    }

    /// The user as a store reads it back: with where `schemas` ends, when
    /// the store found the document can be spliced.
    fn stored(doc: &Value) -> UserDoc {
        let (text, end) = lanyard_store::stored_user_doc(doc);
        UserDoc { doc: text, plain_schemas_end: lanyard_store::plain_schemas_end(end), ..user(doc) }
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

    /// The splice alone, without the member by member copy to fall back on.
    fn spliced(user: &UserDoc, groups: &[&UserGroupRef]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        splice(&mut out, user, user.plain_schemas_end?, groups, BASE).then_some(out)
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
        for (n, doc) in docs.iter().enumerate() {
            assert_eq!(stored(doc).plain_schemas_end.is_some(), n < 2, "spliced only with schemas first: {doc}");
            // A wrong offset (a damaged row) is noticed: the members are copied one by one.
            let damaged = UserDoc { plain_schemas_end: Some(3), ..stored(doc) };
            for groups in [&groups[..], &[]] {
                assert_eq!(spliced(&damaged, groups), None);
                for user in [user(doc), stored(doc), damaged.clone()] {
                    let copied = verbatim(&user, groups).unwrap_or_else(|| panic!("not copied: {doc}"));
                    assert_eq!(String::from_utf8(copied).unwrap(), String::from_utf8(general(&user, groups)).unwrap());
                }
                if n < 2 {
                    let user = stored(doc);
                    assert_eq!(
                        String::from_utf8(spliced(&user, groups).unwrap()).unwrap(),
                        String::from_utf8(general(&user, groups)).unwrap()
                    );
                }
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
            assert_eq!(stored(doc).plain_schemas_end, None, "would be spliced: {doc}");
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
            let owned = group_refs();
            let groups: Vec<&UserGroupRef> = if with_groups { owned.iter().collect() } else { Vec::new() };
            let doc = Value::Object(doc);
            let user = user(&doc);
            let copied = verbatim(&user, &groups);
            if let Some(copied) = &copied {
                prop_assert_eq!(String::from_utf8(copied.clone()).unwrap(), String::from_utf8(general(&user, &groups)).unwrap());
            }
            // A document the store finds it can splice comes out with the
            // same bytes as when copied member by member.
            let stored = stored(&doc);
            if stored.plain_schemas_end.is_some() {
                prop_assert!(copied.is_some(), "spliced but not copied: {}", doc);
                prop_assert_eq!(spliced(&stored, &groups), copied);
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
            prop_assert_eq!(String::from_utf8(copied.clone()).unwrap(), String::from_utf8(general(&user, &[])).unwrap());
            let spliced = UserDoc { plain_schemas_end: stored(&doc).plain_schemas_end, ..user };
            prop_assert_eq!(self::spliced(&spliced, &[]), Some(copied));
        }
    }
}
