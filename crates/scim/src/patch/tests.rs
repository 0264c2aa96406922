//! PATCH requests in the exact shapes clients send (see `IDP-CLIENTS.md`).

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_TYPE, ResourceTypeDef, SEAT_SCHEMA, USER_TYPE};
use crate::{ScimError, ScimType};

const ENT: &str = ENTERPRISE_USER_SCHEMA;

fn body(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})
}

fn patch(doc: &Value, ops: Value, rt: &'static ResourceTypeDef) -> Result<Value, ScimError> {
    let ops = parse_patch_request(&body(ops), rt)?;
    let mut out = doc.clone();
    apply(&mut out, &ops, rt)?;
    Ok(out)
}

fn patched(doc: &Value, ops: Value) -> Value {
    patch(doc, ops.clone(), &USER_TYPE).unwrap_or_else(|e| panic!("{ops} was refused: {}", e.detail))
}

fn refused(doc: &Value, ops: Value, rt: &'static ResourceTypeDef) -> ScimError {
    match patch(doc, ops.clone(), rt) {
        Ok(out) => panic!("{ops} was accepted: {out}"),
        Err(e) => e,
    }
}

fn assert_error(e: &ScimError, scim_type: ScimType) {
    assert_eq!((e.status, e.scim_type), (400, Some(scim_type)), "{}", e.detail);
}

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
        "id": "u1",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@home.org", "type": "home"}
        ],
        "meta": {"resourceType": "User", "created": "2020-01-01T00:00:00Z"},
        ENT: {"employeeNumber": "701984", "manager": {"value": "m-1"}}
    })
}

fn group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g1",
        "displayName": "Admins",
        "members": [{"value": "u1", "type": "User"}, {"value": "u2", "type": "User"}]
    })
}

// ---- request shape ----

#[test]
fn body_shape_is_checked() {
    let op = json!([{"op": "replace", "path": "displayName", "value": "x"}]);
    let cases = [
        json!([]),
        json!({"Operations": []}),
        json!({"Operations": {"op": "add"}}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Operations": op}),
        json!({"schemas": "nope", "Operations": op}),
        json!({"schemas": [PATCH_OP_SCHEMA]}),
        json!({"Operations": ["replace"]}),
    ];
    for b in cases {
        let e = parse_patch_request(&b, &USER_TYPE).unwrap_err();
        assert_error(&e, ScimType::InvalidSyntax);
    }
    // Missing schemas are forgiven; key case does not matter.
    assert_eq!(parse_patch_request(&json!({"operations": op}), &USER_TYPE).unwrap().len(), 1);
    assert_eq!(parse_patch_request(&json!({"Schemas": PATCH_OP_SCHEMA, "OPERATIONS": op}), &USER_TYPE).unwrap().len(), 1);
}

#[test]
fn too_many_operations() {
    let one = json!({"op": "replace", "path": "displayName", "value": "x"});
    let ops = Value::Array(vec![one.clone(); MAX_OPERATIONS]);
    assert!(parse_patch_request(&body(ops), &USER_TYPE).is_ok());
    let ops = Value::Array(vec![one; MAX_OPERATIONS + 1]);
    assert_error(&parse_patch_request(&body(ops), &USER_TYPE).unwrap_err(), ScimType::TooMany);
}

#[test]
fn ops_are_case_insensitive_and_checked() {
    let ops = parse_patch_request(
        &body(json!([
            {"op": "Add", "path": "title", "value": "x"},
            {"OP": "REPLACE", "Path": "title", "Value": "y"},
            {"op": "Remove", "path": "title"}
        ])),
        &USER_TYPE,
    )
    .unwrap();
    assert_eq!(ops.iter().map(|o| o.op).collect::<Vec<_>>(), [OpKind::Add, OpKind::Replace, OpKind::Remove]);

    let cases = [
        (json!({"op": "merge", "path": "title", "value": "x"}), ScimType::InvalidSyntax),
        (json!({"op": 1, "path": "title", "value": "x"}), ScimType::InvalidSyntax),
        (json!({"path": "title", "value": "x"}), ScimType::InvalidSyntax),
        (json!({"op": "add", "path": "title"}), ScimType::InvalidSyntax),
        (json!({"op": "add", "path": "title", "value": null}), ScimType::InvalidSyntax),
        (json!({"op": "replace", "path": "title"}), ScimType::InvalidSyntax),
        (json!({"op": "replace"}), ScimType::InvalidSyntax),
        (json!({"op": "replace", "value": "x"}), ScimType::InvalidSyntax),
        (json!({"op": "remove"}), ScimType::NoTarget),
        (json!({"op": "remove", "path": ""}), ScimType::NoTarget),
        (json!({"op": "add", "path": 5, "value": "x"}), ScimType::InvalidPath),
    ];
    for (op, scim_type) in cases {
        let e = parse_patch_request(&body(json!([{"op": "add", "path": "title", "value": "ok"}, op])), &USER_TYPE).unwrap_err();
        assert_error(&e, scim_type);
        assert!(e.detail.starts_with("Operations[1]: "), "{}", e.detail);
    }
}

#[test]
fn paths_resolve_case_insensitively_to_canonical_names() {
    let cases = [
        ("NAME.GIVENNAME", "name.givenName".to_string()),
        (" userName ", "userName".into()),
        ("urn:ietf:params:scim:schemas:core:2.0:User:displayName", "displayName".into()),
        (&format!("{ENT}:employeeNumber"), format!("{ENT}:employeeNumber")),
        (&format!("{}:Manager", ENT.to_lowercase()), format!("{ENT}:manager")),
        (&format!("{ENT}:manager.value"), format!("{ENT}:manager.value")),
        (ENT, ENT.into()),
        (r#"EMAILS[TYPE eq "work"].VALUE"#, r#"emails[type eq "work"].value"#.into()),
        ("emails[type eq work]", r#"emails[type eq "work"]"#.into()),
        (r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value"#, r#"emails[type eq "work"].value"#.into()),
    ];
    for (raw, want) in cases {
        let p = Path::parse(raw, &USER_TYPE).unwrap_or_else(|e| panic!("{raw}: {}", e.detail));
        assert_eq!(p.to_string(), want, "{raw}");
    }
    let p = Path::parse(r#"members[value eq "2819c223"]"#, &GROUP_TYPE).unwrap();
    assert_eq!(p.to_string(), r#"members[value eq "2819c223"]"#);
}

#[test]
fn bad_paths_are_invalid_path() {
    for raw in [
        "nope",
        "name.nope",
        "name.givenName.x",
        "emails[nope eq \"x\"]",
        "emails[type eq \"work\"].nope",
        "name[givenName eq \"x\"]",
        "emails[type eq",
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:example:unknown:attr",
        "members",
    ] {
        let e = Path::parse(raw, &USER_TYPE).unwrap_err();
        assert_error(&e, ScimType::InvalidPath);
    }
    assert!(Path::parse("userName", &GROUP_TYPE).is_err());
}

// ---- Entra ID ----

#[test]
fn entra_capitalised_per_attribute_ops() {
    let out = patched(
        &user(),
        json!([
            {"op": "Replace", "path": "displayName", "value": "Barbara J"},
            {"op": "Add", "path": "title", "value": "Engineer"},
            {"op": "Replace", "path": "name.givenName", "value": "Barb"},
            {"op": "Replace", "path": "externalId", "value": "bjensen"}
        ]),
    );
    assert_eq!(out["displayName"], "Barbara J");
    assert_eq!(out["title"], "Engineer");
    assert_eq!(out["name"], json!({"formatted": "Ms. Barbara Jensen", "familyName": "Jensen", "givenName": "Barb"}));
    assert_eq!(out["externalId"], "bjensen");
}

#[test]
fn entra_active_as_string() {
    let out = patched(&user(), json!([{"op": "Replace", "path": "active", "value": "False"}]));
    assert_eq!(out["active"], false);
    let out = patched(&out, json!([{"op": "Replace", "path": "active", "value": "True"}]));
    assert_eq!(out["active"], true);
    let out = patched(&user(), json!([{"op": "replace", "path": "active", "value": "false"}]));
    assert_eq!(out["active"], false);
    // Reported from Okta: a one-element array.
    let out = patched(&user(), json!([{"op": "replace", "path": "active", "value": [false]}]));
    assert_eq!(out["active"], false);
}

#[test]
fn entra_flag_pathless_replace_with_dotted_keys() {
    let out = patched(
        &user(),
        json!([{"op": "replace", "value": {
            "name.givenName": "Ann",
            "name.familyName": "Lee",
            "active": false,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
            "__proto__": {"polluted": true},
            "constructor.prototype": 1
        }}]),
    );
    assert_eq!(out["name"], json!({"formatted": "Ms. Barbara Jensen", "familyName": "Lee", "givenName": "Ann"}));
    assert_eq!(out["active"], false);
    assert_eq!(out[ENT]["department"], "Sales");
    assert!(out.get("__proto__").is_none() && out.get("constructor").is_none());
}

#[test]
fn entra_enterprise_urn_paths_including_manager() {
    let out = patched(
        &user(),
        json!([
            {"op": "Replace", "path": format!("{ENT}:employeeNumber"), "value": "42"},
            {"op": "Add", "path": format!("{ENT}:manager"), "value": "boss-7"},
            {"op": "Add", "path": format!("{ENT}:costCenter"), "value": "CC1"}
        ]),
    );
    assert_eq!(out[ENT], json!({"employeeNumber": "42", "manager": {"value": "boss-7"}, "costCenter": "CC1"}));
    let out = patched(&out, json!([{"op": "replace", "path": format!("{ENT}:manager.value"), "value": "boss-8"}]));
    assert_eq!(out[ENT]["manager"], json!({"value": "boss-8"}));
    let out = patched(
        &out,
        json!([
            {"op": "Remove", "path": format!("{ENT}:manager")},
            {"op": "Remove", "path": format!("{ENT}:employeeNumber")},
            {"op": "Remove", "path": format!("{ENT}:costCenter")}
        ]),
    );
    assert!(out.get(ENT).is_none(), "an emptied extension is gone: {out}");
}

#[test]
fn entra_work_email_by_value_path() {
    let out = patched(&user(), json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com"}]));
    assert_eq!(out["emails"][0], json!({"value": "barbara@example.com", "type": "work", "primary": true}));
    assert_eq!(out["emails"][1]["value"], "babs@home.org");

    // The first work email arrives as an Add on an absent element.
    let mut bare = user();
    bare.as_object_mut().unwrap().remove("emails");
    for op in ["Add", "Replace"] {
        let out = patched(&bare, json!([{"op": op, "path": "emails[type eq \"work\"].value", "value": "new@example.com"}]));
        assert_eq!(out["emails"], json!([{"type": "work", "value": "new@example.com"}]), "{op}");
    }
    let out =
        patched(&bare, json!([{"op": "Add", "path": "emails[type eq \"work\"]", "value": {"value": "w@example.com", "primary": true}}]));
    assert_eq!(out["emails"], json!([{"type": "work", "value": "w@example.com", "primary": true}]));
}

#[test]
fn entra_group_member_shapes() {
    let ops = parse_patch_request(
        &body(json!([
            {"op": "Replace", "path": "displayName", "value": "Renamed"},
            {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u3"}, {"value": "u4", "display": "D"}]},
            {"op": "Remove", "path": "members", "value": [{"value": "u1"}]},
            {"op": "remove", "path": "members[value eq \"u2\"]"}
        ])),
        &GROUP_TYPE,
    )
    .unwrap();
    let (rest, members) = split_member_ops(ops).unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(
        members,
        vec![MemberOp::Add(vec!["u3".into(), "u4".into()]), MemberOp::Remove(vec!["u1".into()]), MemberOp::Remove(vec!["u2".into()]),]
    );
    let mut doc = group();
    doc.as_object_mut().unwrap().remove("members");
    apply(&mut doc, &rest, &GROUP_TYPE).unwrap();
    assert_eq!(doc["displayName"], "Renamed");
}

// ---- Okta ----

#[test]
fn okta_pathless_replace_active_false() {
    let out = patched(&user(), json!([{"op": "replace", "value": {"active": false}}]));
    assert_eq!(out["active"], false);
    let mut expected = user();
    expected["active"] = json!(false);
    assert_eq!(out, expected, "nothing else changes");
}

#[test]
fn okta_group_rename_with_id_in_value() {
    let out = patch(&group(), json!([{"op": "replace", "value": {"id": "g1-other", "displayName": "Ops"}}]), &GROUP_TYPE).unwrap();
    assert_eq!(out["id"], "g1");
    assert_eq!(out["displayName"], "Ops");
}

#[test]
fn okta_push_groups_member_ops() {
    let ops = parse_patch_request(
        &body(json!([
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "add", "path": "members", "value": [{"value": "u9", "display": "Nine"}]},
            {"op": "replace", "path": "members", "value": []}
        ])),
        &GROUP_TYPE,
    )
    .unwrap();
    let (rest, members) = split_member_ops(ops).unwrap();
    assert!(rest.is_empty());
    assert_eq!(members, vec![MemberOp::Remove(vec!["u1".into()]), MemberOp::Add(vec!["u9".into()]), MemberOp::ReplaceAll(vec![])]);
}

#[test]
fn okta_replace_members_with_empty_list_empties_the_attribute() {
    let out = patch(&group(), json!([{"op": "replace", "path": "members", "value": []}]), &GROUP_TYPE).unwrap();
    assert!(out.get("members").is_none(), "{out}");
}

// ---- other member shapes ----

#[test]
fn member_ops_in_every_other_shape() {
    let split = |ops: Value| split_member_ops(parse_patch_request(&body(ops), &GROUP_TYPE).unwrap());
    let (_, m) = split(json!([{"op": "remove", "path": "members"}])).unwrap();
    assert_eq!(m, vec![MemberOp::RemoveAll]);
    // A value list never means "all", even when empty.
    let (_, m) = split(json!([{"op": "remove", "path": "members", "value": []}])).unwrap();
    assert_eq!(m, vec![MemberOp::Remove(vec![])]);
    let (_, m) = split(json!([{"op": "add", "path": "members[value eq \"u5\"]"}])).unwrap();
    assert_eq!(m, vec![MemberOp::Add(vec!["u5".into()])]);
    let (_, m) = split(json!([{"op": "remove", "path": "members[value eq \"a\" or value eq \"b\"]"}])).unwrap();
    assert_eq!(m, vec![MemberOp::Remove(vec!["a".into(), "b".into()])]);
    let (_, m) = split(json!([{"op": "remove", "path": "members[type eq \"Group\"]"}])).unwrap();
    assert!(matches!(m.as_slice(), [MemberOp::RemoveMatching(f)] if f.to_string() == "type eq \"Group\""));
    let (_, m) = split(json!([{"op": "add", "path": "members", "value": {"value": "lone"}}])).unwrap();
    assert_eq!(m, vec![MemberOp::Add(vec!["lone".into()])]);

    let (rest, m) = split(json!([{"op": "replace", "value": {"displayName": "X", "members": [{"value": "u1"}]}}])).unwrap();
    assert_eq!(m, vec![MemberOp::ReplaceAll(vec!["u1".into()])]);
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].value, Some(json!({"displayName": "X"})));
    let (rest, m) = split(json!([{"op": "add", "value": {"members": [{"value": "u1"}, {"value": "u1"}]}}])).unwrap();
    assert_eq!(m, vec![MemberOp::Add(vec!["u1".into()])]);
    assert!(rest.is_empty());

    for (ops, scim_type) in [
        (json!([{"op": "add", "path": "members", "value": [{"value": 5}]}]), ScimType::InvalidValue),
        (json!([{"op": "add", "path": "members", "value": [{"display": "no id"}]}]), ScimType::InvalidValue),
        (json!([{"op": "add", "path": "members[type eq \"User\"]"}]), ScimType::InvalidPath),
        (json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u2"}]), ScimType::Mutability),
        (json!([{"op": "remove", "path": "members.value"}]), ScimType::InvalidPath),
    ] {
        assert_error(&split(ops).unwrap_err(), scim_type);
    }
}

#[test]
fn members_patched_in_the_document_too() {
    // Applied without splitting, member operations behave the same way.
    let out = patch(
        &group(),
        json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u3"}]},
            {"op": "remove", "path": "members", "value": [{"value": "u2"}]}
        ]),
        &GROUP_TYPE,
    )
    .unwrap();
    assert_eq!(out["members"], json!([{"value": "u1", "type": "User"}, {"value": "u3"}]));
    let e = refused(&group(), json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u9"}]), &GROUP_TYPE);
    assert_error(&e, ScimType::Mutability);
    let out = patch(&group(), json!([{"op": "add", "path": "members[value eq \"u5\"]"}]), &GROUP_TYPE).unwrap();
    assert_eq!(out["members"][2], json!({"value": "u5"}));
    let out = patch(&group(), json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]), &GROUP_TYPE).unwrap();
    assert_eq!(out["members"], json!([{"value": "u2", "type": "User"}]));
}

// ---- RFC 7644 §3.5.2 semantics ----

#[test]
fn read_only_targets() {
    for path in
        ["id", "meta", "meta.created", "groups", SEAT_SCHEMA, &format!("{SEAT_SCHEMA}:seat.status"), &format!("{ENT}:manager.displayName")]
    {
        for op in ["add", "replace", "remove"] {
            let e = refused(&user(), json!([{"op": op, "path": path, "value": "x"}]), &USER_TYPE);
            assert_error(&e, ScimType::Mutability);
        }
    }
    // In a path-less value they are ignored.
    let out = patched(
        &user(),
        json!([{"op": "replace", "value": {
            "id": "other", "meta": {"created": "2000-01-01T00:00:00Z"}, "groups": [{"value": "g"}],
            SEAT_SCHEMA: {"seat": {"status": "assigned"}}, "displayName": "D"
        }}]),
    );
    let mut expected = user();
    expected["displayName"] = json!("D");
    assert_eq!(out, expected);
}

#[test]
fn type_mismatches_are_invalid_value() {
    for (path, value) in [
        ("userName", json!(false)),
        ("userName", json!({"a": 1})),
        ("name", json!("Ann")),
        ("active", json!("yes")),
        ("active", json!([true, false])),
        ("emails", json!([true])),
        ("name.givenName", json!(true)),
    ] {
        let e = refused(&user(), json!([{"op": "replace", "path": path, "value": value}]), &USER_TYPE);
        assert_error(&e, ScimType::InvalidValue);
    }
    let e = refused(&user(), json!([{"op": "replace", "value": {"userName": false}}]), &USER_TYPE);
    assert_error(&e, ScimType::InvalidValue);
}

#[test]
fn add_to_multi_valued_appends_without_duplicates() {
    let out = patched(
        &user(),
        json!([
            {"op": "add", "path": "emails", "value": {"value": "third@x.io", "type": "other"}},
            {"op": "add", "path": "emails", "value": [{"value": "BJENSEN@example.com", "type": "work"}]},
            {"op": "add", "path": "phoneNumbers", "value": [{"value": "+1 555", "type": "work"}]}
        ]),
    );
    assert_eq!(out["emails"].as_array().unwrap().len(), 3);
    assert_eq!(out["phoneNumbers"], json!([{"value": "+1 555", "type": "work"}]));
    let again = patched(&out, json!([{"op": "add", "path": "emails", "value": {"value": "third@x.io", "type": "other"}}]));
    assert_eq!(again, out);
}

#[test]
fn add_on_single_valued_replaces_and_merges_complex() {
    let out = patched(
        &user(),
        json!([
            {"op": "add", "path": "displayName", "value": "New"},
            {"op": "add", "path": "name", "value": {"middleName": "J", "givenName": "B"}}
        ]),
    );
    assert_eq!(out["displayName"], "New");
    assert_eq!(out["name"], json!({"formatted": "Ms. Barbara Jensen", "familyName": "Jensen", "givenName": "B", "middleName": "J"}));
    let out = patched(&user(), json!([{"op": "replace", "path": "name", "value": {"familyName": null}}]));
    assert_eq!(out["name"], json!({"formatted": "Ms. Barbara Jensen", "givenName": "Barbara"}));
}

#[test]
fn primary_stays_unique() {
    let out = patched(&user(), json!([{"op": "add", "path": "emails", "value": [{"value": "n@x.io", "primary": true}]}]));
    let primaries: Vec<&Value> = out["emails"].as_array().unwrap().iter().filter(|e| e["primary"] == true).collect();
    assert_eq!(primaries, [&json!({"value": "n@x.io", "primary": true})]);

    let out = patched(&user(), json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]));
    assert_eq!(
        out["emails"],
        json!([
            {"value": "bjensen@example.com", "type": "work"},
            {"value": "babs@home.org", "type": "home", "primary": true}
        ])
    );

    for ops in [
        json!([{"op": "add", "path": "emails", "value": [{"value": "a@x.io", "primary": true}, {"value": "b@x.io", "primary": "True"}]}]),
        json!([{"op": "replace", "path": "emails", "value": [{"value": "a@x.io", "primary": true}, {"value": "b@x.io", "primary": true}]}]),
        json!([{"op": "replace", "path": "emails.primary", "value": true}]),
    ] {
        assert_error(&refused(&user(), ops, &USER_TYPE), ScimType::InvalidValue);
    }
}

#[test]
fn replace_value_path_semantics() {
    // Whole element replaced on every match, the filter's conditions kept.
    let out = patched(&user(), json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "h@x.io"}}]));
    assert_eq!(out["emails"][1], json!({"type": "home", "value": "h@x.io"}));
    // Nothing matches and the filter describes nothing to create.
    for (path, value) in
        [("emails[value co \"zz\"].type", json!("home")), ("emails[type eq \"a\" or type eq \"b\"]", json!({"value": "v"}))]
    {
        let e = refused(&user(), json!([{"op": "replace", "path": path, "value": value}]), &USER_TYPE);
        assert_error(&e, ScimType::NoTarget);
    }
    // A filter that matches several elements changes them all.
    let out = patched(&user(), json!([{"op": "replace", "path": "emails[value co \"@\"].display", "value": "D"}]));
    assert!(out["emails"].as_array().unwrap().iter().all(|e| e["display"] == "D"));
}

#[test]
fn replace_multi_valued_replaces_the_set() {
    let out = patched(&user(), json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x.io"}]}]));
    assert_eq!(out["emails"], json!([{"value": "only@x.io"}]));
    let out = patched(&user(), json!([{"op": "replace", "path": "emails", "value": []}]));
    assert!(out.get("emails").is_none());
    let out = patched(&user(), json!([{"op": "replace", "path": "displayName", "value": null}]));
    assert!(out.get("displayName").is_none());
}

#[test]
fn bare_extension_urn_as_path() {
    let out = patched(&user(), json!([{"op": "replace", "path": ENT, "value": {"Department": "R&D", "manager": "m-9", "bogus": 1}}]));
    assert_eq!(out[ENT], json!({"employeeNumber": "701984", "manager": {"value": "m-9"}, "department": "R&D"}));
    let out = patched(&user(), json!([{"op": "remove", "path": ENT}]));
    assert!(out.get(ENT).is_none());
    assert_error(&refused(&user(), json!([{"op": "add", "path": ENT, "value": "x"}]), &USER_TYPE), ScimType::InvalidValue);
}

#[test]
fn pathless_value_with_extension_object() {
    let out = patched(&user(), json!([{"op": "add", "value": {ENT: {"division": "West", "manager.value": "m-2"}, "nickName": "B"}}]));
    assert_eq!(out[ENT]["division"], "West");
    assert_eq!(out[ENT]["manager"], json!({"value": "m-2"}));
    assert_eq!(out["nickName"], "B");
}

#[test]
fn remove_semantics() {
    let out = patched(
        &user(),
        json!([
            {"op": "remove", "path": "displayName"},
            {"op": "remove", "path": "name.formatted"},
            {"op": "remove", "path": "emails[type eq \"home\"]"},
            {"op": "remove", "path": "emails[type eq \"work\"].primary"},
            {"op": "remove", "path": "nickName"},
            {"op": "remove", "path": "phoneNumbers[type eq \"work\"]"},
            {"op": "remove", "path": "addresses.region"}
        ]),
    );
    assert!(out.get("displayName").is_none());
    assert_eq!(out["name"], json!({"familyName": "Jensen", "givenName": "Barbara"}));
    assert_eq!(out["emails"], json!([{"value": "bjensen@example.com", "type": "work"}]));
    assert!(out.get("phoneNumbers").is_none());

    // A value list on a multi-valued attribute removes only those values.
    let out = patched(&user(), json!([{"op": "remove", "path": "emails", "value": [{"value": "BABS@home.org"}]}]));
    assert_eq!(out["emails"], json!([{"value": "bjensen@example.com", "type": "work", "primary": true}]));
    let out = patched(
        &user(),
        json!([{"op": "remove", "path": "emails[type eq \"work\"]"}, {"op": "remove", "path": "emails[type eq \"home\"]"}]),
    );
    assert!(out.get("emails").is_none(), "emptied attribute is absent");
}

#[test]
fn immutable_attributes_keep_their_value() {
    let e = refused(&group(), json!([{"op": "replace", "path": "members[value eq \"u1\"].type", "value": "Group"}]), &GROUP_TYPE);
    assert_error(&e, ScimType::Mutability);
    let same = patch(&group(), json!([{"op": "replace", "path": "members[value eq \"u1\"].type", "value": "User"}]), &GROUP_TYPE);
    assert_eq!(same.unwrap(), group());
}

#[test]
fn a_failing_operation_leaves_the_resource_unchanged() {
    let before = user();
    let ops = parse_patch_request(
        &body(json!([
            {"op": "replace", "path": "displayName", "value": "changed"},
            {"op": "replace", "path": "userName", "value": false}
        ])),
        &USER_TYPE,
    )
    .unwrap();
    let mut doc = before.clone();
    let e = apply(&mut doc, &ops, &USER_TYPE).unwrap_err();
    assert!(e.detail.starts_with("Operations[1]: userName"), "{}", e.detail);
    assert_eq!(doc, before);
}

// ---- properties ----

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("True".to_string()),
            Just("work".to_string()),
            Just("members".to_string()),
            Just(ENT.to_string()),
            "[a-zA-Z.:\\[\\] \"]{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        let key = prop_oneof![
            Just("value".to_string()),
            Just("type".to_string()),
            Just("primary".to_string()),
            Just("emails".to_string()),
            Just("name.givenName".to_string()),
            Just("members".to_string()),
            Just(format!("{ENT}:manager")),
            "[a-zA-Z]{1,8}"
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..4).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn any_op() -> impl Strategy<Value = Value> {
    let op = prop_oneof![4 => Just("add"), 4 => Just("Replace"), 4 => Just("remove"), 1 => Just("copy")];
    let path = prop_oneof![
        Just(None),
        Just(Some("emails".to_string())),
        Just(Some("emails[type eq \"work\"].value".to_string())),
        Just(Some("emails[type eq \"work\"]".to_string())),
        Just(Some("emails.primary".to_string())),
        Just(Some("name".to_string())),
        Just(Some("name.givenName".to_string())),
        Just(Some("active".to_string())),
        Just(Some("members".to_string())),
        Just(Some("members[value eq \"u1\"]".to_string())),
        Just(Some(ENT.to_string())),
        Just(Some(format!("{ENT}:manager"))),
        "[a-zA-Z.\\[\\] \"]{0,16}".prop_map(Some),
    ];
    let path = prop_oneof![1 => Just(None), 12 => path];
    (op, path, proptest::option::weighted(0.9, any_json())).prop_map(|(op, path, value)| {
        let mut o = json!({"op": op});
        if let Some(p) = path {
            o["path"] = json!(p);
        }
        if let Some(v) = value {
            o["value"] = v;
        }
        o
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Arbitrary requests never panic; a refusal is a 400 and leaves the
    /// resource as it was.
    #[test]
    fn any_request_is_applied_or_refused_cleanly(
        ops in proptest::collection::vec(any_op(), 1..3),
        on_group in any::<bool>(),
    ) {
        let (rt, doc): (&'static ResourceTypeDef, Value) = if on_group { (&GROUP_TYPE, group()) } else { (&USER_TYPE, user()) };
        let parsed = parse_patch_request(&body(Value::Array(ops)), rt)
            .and_then(|ops| if on_group { split_member_ops(ops).map(|(rest, _)| rest) } else { Ok(ops) });
        let refusal = match parsed {
            Err(e) => Some(e),
            Ok(ops) => {
                let mut out = doc.clone();
                let result = apply(&mut out, &ops, rt);
                if result.is_err() {
                    prop_assert_eq!(&out, &doc);
                }
                result.err()
            }
        };
        if let Some(e) = refusal {
            prop_assert_eq!(e.status, 400, "{}", e.detail);
            prop_assert!(e.scim_type.is_some());
        }
    }

    /// Adding a value that is already there changes nothing, however it
    /// is cased (email addresses are not caseExact).
    #[test]
    fn repeated_adds_are_idempotent(local in "[a-z]{1,6}", upper in any::<bool>(), kind in prop_oneof![Just("work"), Just("home")]) {
        let email = format!("{local}@x.io");
        let op = json!([{"op": "add", "path": "emails", "value": [{"value": email, "type": kind}]}]);
        let once = patch(&user(), op.clone(), &USER_TYPE).unwrap();
        let again_value = if upper { email.to_uppercase() } else { email.clone() };
        let again = json!([{"op": "add", "path": "emails", "value": [{"value": again_value, "type": kind}]}]);
        let twice = patch(&once, again, &USER_TYPE).unwrap();
        prop_assert_eq!(twice["emails"].as_array().map(Vec::len), once["emails"].as_array().map(Vec::len));
    }
}
