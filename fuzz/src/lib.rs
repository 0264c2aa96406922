//! Fixed documents shared by the fuzz targets.

use std::sync::LazyLock;

use lanyard_scim::resource;
use lanyard_scim::schema::{ENTERPRISE_USER_SCHEMA, GROUP_TYPE, USER_TYPE};
use serde_json::{Value, json};

/// A canonical user document with most attribute kinds filled in.
pub static USER: LazyLock<Value> = LazyLock::new(|| {
    let raw = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_SCHEMA],
        "id": "u1",
        "externalId": "ext-1",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs",
        "nickName": "Babs",
        "title": "Tour Guide",
        "userType": "Employee",
        "locale": "en-US",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@home.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
        "addresses": [{"streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "type": "work", "primary": true}],
        "roles": [{"value": "admin"}],
        ENTERPRISE_USER_SCHEMA: {"employeeNumber": "701984", "department": "Tour Operations", "manager": {"value": "m-1"}}
    });
    let mut doc = resource::normalize(&raw, &USER_TYPE).expect("the fixed user is valid");
    // What the store adds: read-only attributes.
    let obj = doc.as_object_mut().expect("an object");
    obj.insert("id".into(), json!("u1"));
    obj.insert("groups".into(), json!([{"value": "g1", "display": "Admins", "type": "direct"}]));
    obj.insert(
        "meta".into(),
        json!({"resourceType": "User", "created": "2020-01-01T00:00:00Z", "lastModified": "2021-06-01T12:30:00.5+02:00", "version": "W/\"3\""}),
    );
    doc
});

/// A canonical group document with members.
pub static GROUP: LazyLock<Value> = LazyLock::new(|| {
    let raw = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "externalId": "ext-g1",
        "displayName": "Admins",
        "members": [{"value": "u1", "type": "User"}, {"value": "g2", "type": "Group"}]
    });
    let mut doc = resource::normalize(&raw, &GROUP_TYPE).expect("the fixed group is valid");
    let obj = doc.as_object_mut().expect("an object");
    obj.insert("id".into(), json!("g1"));
    obj.insert("meta".into(), json!({"resourceType": "Group", "created": "2020-01-01T00:00:00Z", "lastModified": "2020-01-02T00:00:00Z"}));
    doc
});
