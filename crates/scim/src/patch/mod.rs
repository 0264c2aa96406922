//! The PATCH engine (RFC 7644 §3.5.2) on a resource's JSON document, with
//! the request shapes real clients send (see `IDP-CLIENTS.md`): capitalised
//! ops, `"True"`/`"False"` strings, dotted and URN-qualified keys in a
//! path-less value, Entra's first work email through
//! `emails[type eq "work"].value`, member removal by a value list.
//!
//! [`parse_patch_request`] validates a body into [`PatchOp`]s with resolved
//! paths; [`apply`] applies them all or none; [`split_member_ops`] takes out
//! the operations on group `members`, which live in a side table.

mod apply;
mod doc;
mod elements;
mod members;
mod parse;
mod path;
mod remove;
mod value;
mod write;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub use apply::apply;
pub use members::{MemberOp, split_member_ops};
pub use parse::parse_patch_request;
pub use path::Path;

pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Most operations accepted in one request; more is 400 `tooMany`.
pub const MAX_OPERATIONS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Remove,
    Replace,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
        }
    }
}

/// One validated operation. Without a path, `value` is an object whose keys
/// are canonical attribute names (`userName`, `name.givenName`,
/// `urn:…:enterprise:2.0:User:manager`); unknown and read-only keys are
/// already gone.
#[derive(Debug, Clone)]
pub struct PatchOp {
    pub op: OpKind,
    pub path: Option<Path>,
    /// For `replace` with a path, `Some(Value::Null)` clears the target.
    pub value: Option<Value>,
}
