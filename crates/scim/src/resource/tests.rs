use super::*;
use crate::ScimType;
use crate::schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, GROUP_TYPE, USER_SCHEMA, USER_TYPE};
use proptest::prelude::*;
use serde_json::json;

fn user(body: Value) -> Result<Value, ScimError> {
    normalize(&body, &USER_TYPE)
}

fn group(body: Value) -> Result<Value, ScimError> {
    normalize(&body, &GROUP_TYPE)
}

fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

#[test]
fn entra_create_user_body() {
    let body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": "True",
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": 1234, "department": "Sales"}
    });
    let got = user(body).unwrap();
    assert_eq!(
        got,
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "active": true,
            "emails": [{"value": "Test_User_fd0ea19b@testuser.com", "type": "work", "primary": true}],
            ENTERPRISE_USER_SCHEMA: {"employeeNumber": "1234", "department": "Sales"}
        })
    );
}

#[test]
fn onelogin_scim_1_template() {
    let body = json!({
        "schemas": ["urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:enterprise:1.0"],
        "id": null,
        "userName": "ann@acme.io",
        "active": "true",
        "emails": {"value": "ann@acme.io", "primary": true},
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "urn:scim:schemas:extension:enterprise:1.0": {"department": "Ops", "manager": {"value": "m-1", "displayName": "Boss"}}
    });
    let got = user(body).unwrap();
    assert_eq!(got["schemas"], json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    assert_eq!(got["emails"], json!([{"value": "ann@acme.io", "primary": true}]));
    assert_eq!(got["active"], json!(true));
    assert_eq!(got[ENTERPRISE_USER_SCHEMA], json!({"department": "Ops", "manager": {"value": "m-1"}}));
    assert!(got.get("id").is_none());
    assert!(got.get("urn:scim:schemas:extension:enterprise:1.0").is_none());
}

#[test]
fn onelogin_scim_2_shaped_urns() {
    let body = json!({
        "schemas": ["urn:scim:schemas:core:2.0", "urn:scim:schemas:extension:enterprise:2.0"],
        "userName": "ann",
        "urn:scim:schemas:extension:enterprise:2.0": {"division": "EU"}
    });
    let got = user(body).unwrap();
    assert_eq!(got[ENTERPRISE_USER_SCHEMA]["division"], "EU");
}

#[test]
fn entra_group_with_microsoft_schema_uri() {
    let body = json!({
        "schemas": [GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "Group1DisplayName",
        "meta": {"resourceType": "Group"}
    });
    let got = group(body).unwrap();
    assert_eq!(
        text(&got),
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Group1DisplayName"}"#
    );
}

#[test]
fn group_members_lose_display_and_duplicates() {
    let body = json!({
        "displayName": "Eng",
        "members": [
            {"value": "u1", "display": "Ann", "$ref": null},
            {"value": "u1"},
            {"value": "u2", "type": "User"}
        ]
    });
    let got = group(body).unwrap();
    assert_eq!(got["members"], json!([{"value": "u1"}, {"value": "u2", "type": "User"}]));
    assert_eq!(group(json!({"displayName": "Eng", "members": []})).unwrap().get("members"), None);
}

#[test]
fn missing_schemas_is_accepted_and_output_is_canonical() {
    let got = user(json!({"USERNAME": "bob", "DisplayName": "Bob"})).unwrap();
    assert_eq!(text(&got), r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob","displayName":"Bob"}"#);
    assert!(user(json!({"schemas": null, "userName": "bob"})).is_ok());
    assert!(user(json!({"schemas": [], "userName": "bob"})).is_ok());
}

#[test]
fn schemas_must_be_strings_and_name_the_core_schema() {
    let e = user(json!({"schemas": "urn:ietf:params:scim:schemas:core:2.0:User", "userName": "a"})).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = user(json!({"schemas": [USER_SCHEMA, 7], "userName": "a"})).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = user(json!({"schemas": [GROUP_SCHEMA], "userName": "a"})).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(e.detail.contains(USER_SCHEMA));
    let e = group(json!({"schemas": [ENTERPRISE_USER_SCHEMA], "displayName": "g"})).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
}

#[test]
fn body_must_be_an_object() {
    for body in [json!([]), json!("user"), json!(null), json!(3)] {
        let e = user(body).unwrap_err();
        assert_eq!((e.status, e.scim_type), (400, Some(ScimType::InvalidSyntax)));
    }
}

#[test]
fn required_attributes() {
    for body in [json!({}), json!({"userName": ""}), json!({"userName": "  "}), json!({"userName": null}), json!({"userName": []})] {
        let e = user(body.clone()).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{body}");
        assert!(e.detail.contains("userName"), "{}", e.detail);
    }
    let e = group(json!({"members": []})).unwrap_err();
    assert!(e.detail.contains("displayName"));
}

#[test]
fn urn_qualified_and_dotted_keys() {
    let got = user(json!({
        "urn:ietf:params:scim:schemas:core:2.0:User:userName": "ann",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ops",
        "name.givenName": "Ann",
        "name": {"familyName": "Lee"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m1"
    }))
    .unwrap();
    assert_eq!(got["userName"], "ann");
    assert_eq!(text(&got["name"]), r#"{"familyName":"Lee","givenName":"Ann"}"#);
    assert_eq!(got[ENTERPRISE_USER_SCHEMA], json!({"department": "Ops", "manager": {"value": "m1"}}));
}

#[test]
fn read_only_and_unknown_attributes_are_dropped() {
    let got = user(json!({
        "id": "client-chosen",
        "userName": "ann",
        "meta": {"created": "2020-01-01T00:00:00Z"},
        "groups": [{"value": "g1"}],
        "urn:lanyard:params:scim:schemas:extension:seat:2.0:User": "assigned",
        "favouriteColour": "teal",
        "urn:example:custom:2.0:User": {"x": 1},
        "urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat": "assigned",
        "name": {"givenName": "Ann", "nickname": "A"}
    }))
    .unwrap();
    assert_eq!(text(&got), r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann","name":{"givenName":"Ann"}}"#);
}

#[test]
fn password_is_kept_for_the_domain_to_discard() {
    let got = user(json!({"userName": "ann", "password": "s3cret!"})).unwrap();
    assert_eq!(got["password"], "s3cret!");
}

#[test]
fn type_errors_name_the_attribute() {
    let cases = [
        (json!({"userName": "a", "displayName": {"x": 1}}), "displayName"),
        (json!({"userName": "a", "emails": [{"value": ["a", "b"]}]}), "emails.value"),
        (json!({"userName": "a", "name": "Ann"}), "name"),
        (json!({"userName": "a", "active": "yes"}), "active"),
        (json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"costCenter": [1, 2]}}), "costCenter"),
        (json!({"userName": "a", ENTERPRISE_USER_SCHEMA: "Sales"}), ENTERPRISE_USER_SCHEMA),
        (json!({"userName": ["a", "b"]}), "userName"),
    ];
    for (body, name) in cases {
        let e = user(body.clone()).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{body}");
        assert!(e.detail.contains(name), "{body}: {}", e.detail);
    }
}

#[test]
fn two_primary_emails_are_refused() {
    let e = user(json!({"userName": "a", "emails": [{"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]})).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn empty_extension_leaves_no_trace() {
    let got = user(json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"manager": {"displayName": "x"}, "department": null}})).unwrap();
    assert_eq!(got["schemas"], json!([USER_SCHEMA]));
    assert!(got.get(ENTERPRISE_USER_SCHEMA).is_none());
}

#[test]
fn a_stored_document_normalises_to_itself() {
    let once = user(json!({
        "schemas": ["urn:scim:schemas:core:1.0"],
        "userName": "a", "active": "False", "emails": {"value": "a@x"},
        "urn:scim:schemas:extension:enterprise:1.0": {"employeeNumber": 7}
    }))
    .unwrap();
    let twice = user(once.clone()).unwrap();
    assert_eq!(text(&once), text(&twice));
}

const KEYS: &[&str] = &[
    "schemas",
    "id",
    "externalId",
    "userName",
    "USERNAME",
    "name",
    "name.givenName",
    "displayName",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "addresses",
    "groups",
    "x509Certificates",
    "meta",
    "unknown",
    "displayName",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:scim:schemas:extension:enterprise:1.0",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:lanyard:params:scim:schemas:extension:seat:2.0:User",
    "value",
    "type",
    "primary",
    "givenName",
    "familyName",
    "employeeNumber",
    "manager",
    "display",
    "members",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![Just("true".to_string()), Just("2026-01-01T00:00:00Z".to_string()), "[a-zA-Z0-9 =+/]{0,8}"].prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #[test]
    fn never_panics_and_is_idempotent(mut body in json_value(), name in "[a-z]{1,6}") {
        if let Value::Object(o) = &mut body {
            o.insert("userName".into(), json!(name));
            o.remove("schemas");
        }
        for rt in [&USER_TYPE, &GROUP_TYPE] {
            if let Ok(once) = normalize(&body, rt) {
                let twice = normalize(&once, rt);
                prop_assert_eq!(twice.as_ref().map(text).ok(), Some(text(&once)));
            }
        }
    }
}
