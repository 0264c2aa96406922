//! JSON → User and Group normalisation, then the immutable-attribute check
//! against a fixed stored document.
#![no_main]

use lanyard_fuzz::{GROUP, USER};
use lanyard_scim::resource::{immutable_violations, normalize};
use lanyard_scim::schema::{GROUP_TYPE, ResourceTypeDef, USER_TYPE};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn run(body: &Value, rt: &'static ResourceTypeDef, old: &Value) {
    let Ok(doc) = normalize(body, rt) else { return };
    let _ = immutable_violations(old, &doc, rt);
    let _ = immutable_violations(&doc, old, rt);
    // A canonical document is a fixed point of normalize.
    assert_eq!(normalize(&doc, rt).ok().as_ref(), Some(&doc), "normalize is not idempotent");
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    run(&body, &USER_TYPE, &USER);
    run(&body, &GROUP_TYPE, &GROUP);
});
