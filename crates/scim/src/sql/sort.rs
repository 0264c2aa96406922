//! Sort keys (RFC 7644 §3.4.2.3).

use super::locate::{Location, implied_sub, locate};
use super::{Column, ColumnKind, Dialect, SqlMap};
use crate::ScimError;
use crate::schema::{AttrDef, AttrType, ResolvedAttr};

const ELEMENT_ALIAS: &str = "v";

pub(super) fn sort_expr(attr: &ResolvedAttr, map: &SqlMap, dialect: &dyn Dialect) -> Result<String, ScimError> {
    let name = attr.canonical_name();
    let unsupported = || ScimError::invalid_value(format!("cannot sort by {name}"));
    match locate(attr, map).map_err(|_| unsupported())? {
        Location::Column(column) => Ok(column_key(column, attr.leaf(), dialect)),
        Location::Json(path) if !attr.leaf().is_complex() => Ok(json_key(dialect.json_text(map.doc, &path), attr.leaf(), dialect)),
        Location::Json(_) | Location::ColumnGroup(_) => Err(unsupported()),
        Location::Child(child) => {
            let sub = attr.sub.or_else(|| implied_sub(attr.attr)).ok_or_else(unsupported)?;
            let column = child.column(sub.name).ok_or_else(unsupported)?;
            let key = column_key(column, sub, dialect);
            let (from, join) = (child.from, child.join());
            let first = format!("(SELECT {key} FROM {from} WHERE {join} LIMIT 1)");
            Ok(match child.column("primary") {
                Some(primary) => format!("COALESCE((SELECT {key} FROM {from} WHERE {join} AND {} = TRUE LIMIT 1), {first})", primary.expr),
                None => first,
            })
        }
        Location::JsonArray(path) => {
            let sub = match attr.sub {
                Some(sub) => Some(sub),
                None if attr.attr.is_complex() => Some(implied_sub(attr.attr).ok_or_else(unsupported)?),
                None => None,
            };
            let rows = dialect.json_array_rows(map.doc, &path, ELEMENT_ALIAS);
            let element = dialect.json_element(ELEMENT_ALIAS);
            let value_path: Vec<&str> = sub.map(|s| s.name).into_iter().collect();
            let key = json_key(dialect.json_text(&element, &value_path), sub.unwrap_or(attr.attr), dialect);
            let first = format!("(SELECT {key} FROM {rows} LIMIT 1)");
            Ok(match attr.attr.sub("primary") {
                Some(primary) => format!(
                    "COALESCE((SELECT {key} FROM {rows} WHERE {} = 'true' LIMIT 1), {first})",
                    dialect.json_text(&element, &[primary.name])
                ),
                None => first,
            })
        }
    }
}

/// Text that is not case-exact sorts case-insensitively.
fn column_key(column: &Column, def: &AttrDef, dialect: &dyn Dialect) -> String {
    match column.kind {
        ColumnKind::Text if !def.case_exact => dialect.lower(column.expr),
        _ => column.expr.to_string(),
    }
}

fn json_key(text: String, def: &AttrDef, dialect: &dyn Dialect) -> String {
    match def.ty {
        AttrType::Integer | AttrType::Decimal => dialect.to_number(&text),
        AttrType::String | AttrType::Reference if !def.case_exact => dialect.lower(&text),
        _ => text,
    }
}
