//! One attribute test (`pr` or a comparison) on one SQL value expression,
//! typed by the attribute's definition and by how the value is stored.

use super::bindings::{Bindings, escape_like, negate};
use super::{ColumnKind, SqlValue};
use crate::ScimError;
use crate::schema::{AttrDef, AttrType};
use scim_v2::filter::{CompValue, CompareOp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Storage {
    Column(ColumnKind),
    /// Text read from the JSON document by [`super::Dialect::json_text`].
    Json,
}

/// A SQL expression holding one value of an attribute.
pub(super) struct Operand {
    pub expr: String,
    pub storage: Storage,
    /// The definition of the value: its type and `caseExact`.
    pub def: &'static AttrDef,
    /// Canonical attribute name, for error messages.
    pub name: String,
}

/// `pr` (RFC 7644 §3.4.2.2): a non-null, non-empty value.
pub(super) fn present(operand: &Operand) -> String {
    let e = &operand.expr;
    match operand.storage {
        Storage::Column(ColumnKind::Text | ColumnKind::FoldedText) => format!("({e} IS NOT NULL AND {e} <> '')"),
        Storage::Column(_) => format!("{e} IS NOT NULL"),
        Storage::Json => format!("COALESCE({e}, '') NOT IN ('', '[]', '{{}}')"),
    }
}

/// `operand op value`; comparisons with `null` have been turned into `pr`
/// tests before reaching here.
pub(super) fn compare(b: &mut Bindings<'_>, operand: &Operand, op: &CompareOp, value: &CompValue) -> Result<String, ScimError> {
    let name = &operand.name;
    if *value == CompValue::Null {
        return Err(ScimError::invalid_filter(format!("{name} {op} null: only eq and ne compare with null")));
    }
    if *op == CompareOp::Ne {
        return Ok(negate(&compare(b, operand, &CompareOp::Eq, value)?));
    }
    match (operand.storage, operand.def.ty) {
        (_, AttrType::Complex) => Err(ScimError::invalid_filter(format!("{name} is complex: compare one of its sub-attributes"))),
        (Storage::Column(ColumnKind::Bool), _) | (Storage::Json, AttrType::Boolean) => boolean(b, operand, op, value),
        (Storage::Column(ColumnKind::Micros), _) => instant(b, operand, op, value),
        (Storage::Column(ColumnKind::Integer), _) | (Storage::Json, AttrType::Integer | AttrType::Decimal) => number(b, operand, op, value),
        (Storage::Column(ColumnKind::FoldedText), _) => text(b, operand, op, value, Case::Folded),
        (Storage::Column(ColumnKind::Text), _) | (Storage::Json, _) => {
            let case = if operand.def.case_exact { Case::Exact } else { Case::Insensitive };
            text(b, operand, op, value, case)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    /// Compare as stored.
    Exact,
    /// Lower-case both sides in SQL.
    Insensitive,
    /// The column is stored lower-cased: lower-case only the parameter, so
    /// the column's index serves the lookup.
    Folded,
}

fn ordering(op: &CompareOp) -> Option<&'static str> {
    match op {
        CompareOp::Eq => Some("="),
        CompareOp::Gt => Some(">"),
        CompareOp::Ge => Some(">="),
        CompareOp::Lt => Some("<"),
        CompareOp::Le => Some("<="),
        CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew => None,
    }
}

fn text(b: &mut Bindings<'_>, operand: &Operand, op: &CompareOp, value: &CompValue, case: Case) -> Result<String, ScimError> {
    let name = &operand.name;
    let value = match (value, case) {
        (CompValue::Str(s), Case::Folded) => s.to_lowercase(),
        (CompValue::Str(s), _) => s.clone(),
        (CompValue::Number(n), _) => n.to_string(),
        (CompValue::True, _) => "true".to_string(),
        (CompValue::False, _) => "false".to_string(),
        (CompValue::Null, _) => return Err(ScimError::invalid_filter(format!("{name} {op} null is not a comparison"))),
    };
    let expr = &operand.expr;
    if let Some(symbol) = ordering(op) {
        if *op != CompareOp::Eq && operand.def.ty == AttrType::Binary {
            return Err(ScimError::invalid_filter(format!("{name} is binary: {op} does not apply")));
        }
        let param = b.text(value);
        return Ok(match case {
            Case::Insensitive => format!("{} {symbol} {}", b.dialect.lower(expr), b.dialect.lower(&param)),
            Case::Exact | Case::Folded => format!("{expr} {symbol} {param}"),
        });
    }
    if case == Case::Exact {
        return Ok(exact_substring(b, expr, op, value));
    }
    let escaped = escape_like(&value);
    let pattern = match op {
        CompareOp::Sw => format!("{escaped}%"),
        CompareOp::Ew => format!("%{escaped}"),
        _ => format!("%{escaped}%"),
    };
    let param = b.text(pattern);
    Ok(match case {
        Case::Insensitive => format!("{} LIKE {} ESCAPE '\\'", b.dialect.lower(expr), b.dialect.lower(&param)),
        Case::Exact | Case::Folded => format!("{expr} LIKE {param} ESCAPE '\\'"),
    })
}

/// co/sw/ew compared case-sensitively. Not with LIKE: SQLite's LIKE
/// ignores ASCII case.
fn exact_substring(b: &mut Bindings<'_>, expr: &str, op: &CompareOp, value: String) -> String {
    match op {
        CompareOp::Sw => {
            let (len, needle) = (b.text(value.clone()), b.text(value));
            format!("substr({expr}, 1, length({len})) = {needle}")
        }
        CompareOp::Ew => {
            let (len, start, needle) = (b.text(value.clone()), b.text(value.clone()), b.text(value));
            format!("(length({expr}) >= length({len}) AND substr({expr}, length({expr}) - length({start}) + 1) = {needle})")
        }
        _ => {
            let needle = b.text(value);
            b.dialect.contains(expr, &needle)
        }
    }
}

fn boolean(b: &mut Bindings<'_>, operand: &Operand, op: &CompareOp, value: &CompValue) -> Result<String, ScimError> {
    let name = &operand.name;
    let flag = match value {
        CompValue::True => true,
        CompValue::False => false,
        CompValue::Str(s) if s.eq_ignore_ascii_case("true") => true,
        CompValue::Str(s) if s.eq_ignore_ascii_case("false") => false,
        _ => return Err(ScimError::invalid_filter(format!("{name} is boolean: compare it with true or false"))),
    };
    if *op != CompareOp::Eq {
        return Err(ScimError::invalid_filter(format!("{name} is boolean: only eq, ne and pr apply")));
    }
    let param = match operand.storage {
        Storage::Json => b.text(if flag { "true" } else { "false" }),
        Storage::Column(_) => b.bind(SqlValue::Bool(flag)),
    };
    Ok(format!("{} = {param}", operand.expr))
}

fn instant(b: &mut Bindings<'_>, operand: &Operand, op: &CompareOp, value: &CompValue) -> Result<String, ScimError> {
    let name = &operand.name;
    let Some(symbol) = ordering(op) else {
        return Err(ScimError::invalid_filter(format!("{name} is a dateTime: {op} does not apply")));
    };
    let micros = match value {
        CompValue::Str(s) => crate::time::parse_datetime_micros(s),
        _ => None,
    }
    .ok_or_else(|| ScimError::invalid_filter(format!("{name} is a dateTime: compare it with a quoted RFC 3339 time")))?;
    let param = b.bind(SqlValue::Int(micros));
    Ok(format!("{} {symbol} {param}", operand.expr))
}

fn number(b: &mut Bindings<'_>, operand: &Operand, op: &CompareOp, value: &CompValue) -> Result<String, ScimError> {
    let name = &operand.name;
    let Some(symbol) = ordering(op) else {
        return Err(ScimError::invalid_filter(format!("{name} is a number: {op} does not apply")));
    };
    let number = match value {
        CompValue::Number(n) => Some(n.clone()),
        CompValue::Str(s) => s.trim().parse::<serde_json::Number>().ok(),
        _ => None,
    };
    let param = number
        .and_then(|n| n.as_i64().map(SqlValue::Int).or_else(|| n.as_f64().map(SqlValue::Real)))
        .ok_or_else(|| ScimError::invalid_filter(format!("{name} is a number: compare it with a number")))?;
    let param = b.bind(param);
    let lhs = match operand.storage {
        Storage::Json => b.dialect.to_number(&operand.expr),
        Storage::Column(_) => operand.expr.clone(),
    };
    Ok(format!("{lhs} {symbol} {param}"))
}
