//! Applying validated operations to a resource document, all or nothing.

use serde_json::{Map, Value};

use super::doc::prune;
use super::parse::{at_operation, pathless_entries};
use super::{OpKind, PatchOp, remove, write};
use crate::ScimError;
use crate::schema::ResourceTypeDef;

/// Apply `ops` in order to `resource` (a resource document: core attributes
/// at the root, extensions under their URN). Either every operation
/// succeeds and `resource` holds the result, with attributes left without a
/// value removed, or `resource` is unchanged. The result is not validated
/// as a whole (required attributes, uniqueness): that is the caller's job.
pub fn apply(resource: &mut Value, ops: &[PatchOp], rt: &'static ResourceTypeDef) -> Result<(), ScimError> {
    let Value::Object(root) = resource else {
        return Err(ScimError::internal());
    };
    let mut draft = root.clone();
    for (i, op) in ops.iter().enumerate() {
        apply_one(&mut draft, op, rt).map_err(|e| at_operation(i, e))?;
    }
    prune(&mut draft);
    *root = draft;
    Ok(())
}

fn apply_one(root: &mut Map<String, Value>, op: &PatchOp, rt: &'static ResourceTypeDef) -> Result<(), ScimError> {
    match (&op.path, op.op) {
        (None, OpKind::Remove) => Err(ScimError::no_target("remove needs a path naming what to remove")),
        (None, kind) => {
            let Some(Value::Object(attrs)) = &op.value else {
                return Err(ScimError::invalid_syntax("without a path, \"value\" must be an object of attributes"));
            };
            for (target, value) in pathless_entries(attrs, rt) {
                write::write_attr(root, &target, value, kind)?;
            }
            Ok(())
        }
        (Some(path), OpKind::Remove) => {
            path.check_writable()?;
            remove::remove(root, path, op.value.as_ref())
        }
        (Some(path), kind) => {
            path.check_writable()?;
            let value = op.value.clone().ok_or_else(|| ScimError::invalid_syntax(format!("{} needs a value", kind.as_str())))?;
            write::write(root, path, value, kind, rt)
        }
    }
}
