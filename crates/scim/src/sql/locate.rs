//! Where a resolved attribute is stored: in a column, in a side table (one
//! row per value), or in the resource's JSON document.

use super::{ChildTable, Column, SqlMap};
use crate::schema::{AttrDef, AttrHome, ResolvedAttr};

pub(super) enum Location<'m> {
    /// A single value with its own column.
    Column(&'m Column),
    /// A multi-valued attribute with a side table.
    Child(&'m ChildTable),
    /// A multi-valued attribute in the JSON document: the path of the array.
    JsonArray(Vec<&'static str>),
    /// A single-valued complex attribute whose sub-attributes the map keeps
    /// in columns (`meta`, the seat extension); these are the columns. Such
    /// an attribute is not in the JSON document.
    ColumnGroup(Vec<&'m Column>),
    /// A single value, or a single-valued complex attribute, in the JSON
    /// document: its path.
    Json(Vec<&'static str>),
}

/// The attribute is stored nowhere a query can reach (`meta.location`):
/// its canonical name.
pub(super) struct NotQueryable(pub String);

pub(super) fn locate<'m>(attr: &ResolvedAttr, map: &'m SqlMap) -> Result<Location<'m>, NotQueryable> {
    if let Some(column) = map.column(&attr.canonical_name()) {
        return Ok(Location::Column(column));
    }
    let whole = ResolvedAttr { sub: None, ..*attr }.canonical_name();
    if attr.attr.multi_valued {
        return Ok(match map.child(&whole) {
            Some(child) => Location::Child(child),
            None => Location::JsonArray(json_path(attr.home, attr.attr, None)),
        });
    }
    let prefix = format!("{whole}.");
    let group: Vec<&Column> = map.columns.iter().filter(|c| c.attr.starts_with(&prefix)).collect();
    if !group.is_empty() {
        return match attr.sub {
            Some(_) => Err(NotQueryable(attr.canonical_name())),
            None => Ok(Location::ColumnGroup(group)),
        };
    }
    Ok(Location::Json(json_path(attr.home, attr.attr, attr.sub)))
}

/// Object keys leading to an attribute in the JSON document: extension
/// attributes sit under their schema URN.
pub(super) fn json_path(home: AttrHome, attr: &'static AttrDef, sub: Option<&'static AttrDef>) -> Vec<&'static str> {
    let mut path = Vec::with_capacity(3);
    if let AttrHome::Extension(urn) = home {
        path.push(urn);
    }
    path.push(attr.name);
    if let Some(sub) = sub {
        path.push(sub.name);
    }
    path
}

/// The sub-attribute a multi-valued complex attribute stands for when a
/// filter or sort names it without one (`emails co "x"` means
/// `emails.value co "x"`).
pub(super) fn implied_sub(attr: &'static AttrDef) -> Option<&'static AttrDef> {
    if attr.is_complex() { attr.sub("value") } else { None }
}
