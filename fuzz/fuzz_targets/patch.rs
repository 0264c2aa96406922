//! JSON → PATCH request for User and Group, applied to a fixed document
//! (groups as the domain does it: member operations split out first), the
//! result normalised and checked for immutable changes.
#![no_main]

use lanyard_fuzz::{GROUP, USER};
use lanyard_scim::patch::{apply, parse_patch_request, split_member_ops};
use lanyard_scim::resource::{immutable_violations, normalize};
use lanyard_scim::schema::{GROUP_TYPE, ResourceTypeDef, USER_TYPE};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn run(body: &Value, rt: &'static ResourceTypeDef, doc: &Value, split: bool) {
    let Ok(ops) = parse_patch_request(body, rt) else { return };
    let ops = if split {
        match split_member_ops(ops.clone()) {
            Ok((rest, _members)) => rest,
            Err(_) => return,
        }
    } else {
        ops
    };
    let mut patched = doc.clone();
    match apply(&mut patched, &ops, rt) {
        Ok(()) => {
            if let Ok(new) = normalize(&patched, rt) {
                let _ = immutable_violations(doc, &new, rt);
                // A canonical document is a fixed point of normalize.
                assert_eq!(normalize(&new, rt).ok().as_ref(), Some(&new), "normalize is not idempotent");
            }
        }
        // All or nothing: a failed PATCH leaves the document as it was.
        Err(_) => assert_eq!(&patched, doc, "a failed PATCH changed the document"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    run(&body, &USER_TYPE, &USER, false);
    run(&body, &GROUP_TYPE, &GROUP, true);
    run(&body, &GROUP_TYPE, &GROUP, false);
});
