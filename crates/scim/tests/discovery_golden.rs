//! The discovery documents byte for byte against reviewed fixtures in
//! `tests/golden/`. A deliberate change: rerun with `UPDATE_GOLDEN=1`,
//! then review the diff of the fixtures like code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use lanyard_scim::discovery::{self, Limits};
use serde_json::Value;

const BASE_URL: &str = "https://id.example.com/scim/v2/acme";

fn check(name: &str, actual: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden").join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; generate with UPDATE_GOLDEN=1", path.display()));
    assert!(expected == text, "{name} drifted from {}:\n{text}", path.display());
}

#[test]
fn service_provider_config() {
    let limits = Limits { max_payload_size: 1_048_576, max_results: 1000, max_operations: 1000 };
    check("service_provider_config", &discovery::service_provider_config(BASE_URL, &limits));
}

#[test]
fn resource_types() {
    let all = discovery::resource_types(BASE_URL);
    assert_eq!(all.len(), 2);
    for id in ["User", "Group"] {
        let one = discovery::resource_type(BASE_URL, id).unwrap();
        assert!(all.contains(&one));
        check(&format!("resource_type_{}", id.to_lowercase()), &one);
    }
}

#[test]
fn schemas() {
    let all = discovery::schemas(BASE_URL);
    let files = [
        ("urn:ietf:params:scim:schemas:core:2.0:User", "schema_user"),
        ("urn:ietf:params:scim:schemas:core:2.0:Group", "schema_group"),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "schema_enterprise_user"),
        ("urn:lanyard:params:scim:schemas:extension:seat:2.0:User", "schema_seat"),
    ];
    assert_eq!(all.len(), files.len());
    for (urn, file) in files {
        let one = discovery::schema(BASE_URL, urn).unwrap();
        assert!(all.contains(&one));
        check(file, &one);
    }
}
