//! A parsed filter checked against a resource type and rewritten into
//! canonical form: every attribute path resolves (case-insensitively, with
//! or without its schema URN) and is rewritten with the schema's exact
//! names, core attributes without URN and extension attributes with their
//! canonical URN; each operator suits its attribute's type; each comparison
//! value has the attribute's type. Code that reads a checked AST may
//! therefore compare names exactly.

use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter, ValFilter};

use crate::ScimError;
use crate::resource::keys::schema_by_urn;
use crate::schema::{AttrDef, AttrHome, AttrType, ResolvedAttr, ResourceTypeDef, Returned};
use crate::time::parse_datetime_micros;

/// Resolve a path of the filter grammar against `rt`. The URN may be the
/// core schema's (or an alias of a schema); names are case-insensitive.
pub(crate) fn resolve_attr_path(rt: &'static ResourceTypeDef, path: &AttrPath) -> Option<ResolvedAttr> {
    let uri = match path.uri.as_deref() {
        None => None,
        Some(urn) => match schema_by_urn(rt, urn)? {
            (AttrHome::Core, _) => None,
            (AttrHome::Extension(id), _) => Some(id),
        },
    };
    rt.resolve_path(uri, &path.name, path.sub_attr.as_deref())
}

/// The path as the schema spells it.
pub(crate) fn canonical_path(r: &ResolvedAttr) -> AttrPath {
    AttrPath {
        uri: match r.home {
            AttrHome::Core => None,
            AttrHome::Extension(urn) => Some(urn.to_string()),
        },
        name: r.attr.name.to_string(),
        sub_attr: r.sub.map(|s| s.name.to_string()),
    }
}

pub(crate) fn check_filter(filter: &mut Filter, rt: &'static ResourceTypeDef) -> Result<(), ScimError> {
    match filter {
        Filter::Attr(exp) => check_attr_exp(exp, &|path| top_level(rt, path)),
        Filter::ValuePath(vp) => {
            let (resolved, canonical) = top_level(rt, &vp.attr)?;
            if resolved.sub.is_some() {
                return Err(ScimError::invalid_filter(format!(
                    "{}: a value filter [..] follows an attribute, not a sub-attribute",
                    vp.attr
                )));
            }
            if !resolved.attr.is_complex() && !resolved.attr.multi_valued {
                return Err(ScimError::invalid_filter(format!(
                    "{}: a value filter [..] needs a complex or multi-valued attribute",
                    canonical
                )));
            }
            vp.attr = canonical;
            check_val_filter(&mut vp.filter, resolved.attr)
        }
        Filter::Not(inner) => check_filter(inner, rt),
        Filter::And(items) | Filter::Or(items) => items.iter_mut().try_for_each(|f| check_filter(f, rt)),
    }
}

/// Check the filter inside `parent[...]`: its paths are sub-attributes of
/// `parent` (or `value`, the element itself, when `parent` is not complex).
pub(crate) fn check_val_filter(filter: &mut ValFilter, parent: &'static AttrDef) -> Result<(), ScimError> {
    match filter {
        ValFilter::Attr(exp) => check_attr_exp(exp, &|path| inside(parent, path)),
        ValFilter::Not(inner) => check_val_filter(inner, parent),
        ValFilter::And(items) | ValFilter::Or(items) => items.iter_mut().try_for_each(|f| check_val_filter(f, parent)),
    }
}

type Resolver<'a> = dyn Fn(&AttrPath) -> Result<(ResolvedAttr, AttrPath), ScimError> + 'a;

fn top_level(rt: &'static ResourceTypeDef, path: &AttrPath) -> Result<(ResolvedAttr, AttrPath), ScimError> {
    let resolved =
        resolve_attr_path(rt, path).ok_or_else(|| ScimError::invalid_filter(format!("unknown attribute {path} for {}", rt.name)))?;
    Ok((resolved, canonical_path(&resolved)))
}

fn inside(parent: &'static AttrDef, path: &AttrPath) -> Result<(ResolvedAttr, AttrPath), ScimError> {
    let unknown = || ScimError::invalid_filter(format!("{path} is not a sub-attribute of {}", parent.name));
    if path.uri.is_some() || path.sub_attr.is_some() {
        return Err(unknown());
    }
    // `home` does not matter inside brackets: the path is relative.
    let (resolved, name) = if parent.is_complex() {
        let sub = parent.sub(&path.name).ok_or_else(unknown)?;
        (ResolvedAttr { home: AttrHome::Core, attr: parent, sub: Some(sub) }, sub.name)
    } else if path.name.eq_ignore_ascii_case("value") {
        (ResolvedAttr { home: AttrHome::Core, attr: parent, sub: None }, "value")
    } else {
        return Err(unknown());
    };
    Ok((resolved, AttrPath::with_name(name)))
}

fn check_attr_exp(exp: &mut AttrExp, resolve: &Resolver<'_>) -> Result<(), ScimError> {
    match exp {
        AttrExp::Present(path) => {
            let (resolved, canonical) = resolve(path)?;
            never_returned(&resolved, &canonical)?;
            *path = canonical;
        }
        AttrExp::Comparison(path, op, value) => {
            let (mut resolved, mut canonical) = resolve(path)?;
            never_returned(&resolved, &canonical)?;
            if resolved.sub.is_none() && resolved.attr.is_complex() {
                // `emails co "x"` compares the elements' `value`.
                match resolved.attr.sub("value") {
                    Some(value_sub) if resolved.attr.multi_valued => {
                        resolved.sub = Some(value_sub);
                        canonical.sub_attr = Some(value_sub.name.to_string());
                    }
                    _ => {
                        return Err(ScimError::invalid_filter(format!("{canonical} is complex: compare one of its sub-attributes")));
                    }
                }
            }
            let leaf = resolved.leaf();
            check_operator(op, leaf, &canonical)?;
            coerce_value(value, op, leaf, &canonical)?;
            *path = canonical;
        }
    }
    Ok(())
}

fn never_returned(resolved: &ResolvedAttr, path: &AttrPath) -> Result<(), ScimError> {
    if resolved.attr.returned == Returned::Never || resolved.sub.is_some_and(|s| s.returned == Returned::Never) {
        return Err(ScimError::invalid_filter(format!("{path} cannot be used in a filter")));
    }
    Ok(())
}

fn check_operator(op: &CompareOp, leaf: &AttrDef, path: &AttrPath) -> Result<(), ScimError> {
    let allowed = match op {
        CompareOp::Eq | CompareOp::Ne => true,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            matches!(leaf.ty, AttrType::String | AttrType::Reference | AttrType::Binary)
        }
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            !matches!(leaf.ty, AttrType::Boolean | AttrType::Binary | AttrType::Complex)
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(ScimError::invalid_filter(format!("operator {op} cannot be used on {path}, which is of type {}", leaf.ty.as_str())))
    }
}

/// Give the comparison value the attribute's type where a client's text is
/// unambiguous (`active eq "true"`, `externalId eq 12345`); refuse it where
/// it can never match (`meta.created gt "yesterday"`).
fn coerce_value(value: &mut CompValue, op: &CompareOp, leaf: &AttrDef, path: &AttrPath) -> Result<(), ScimError> {
    let mismatch = |expected: &str| ScimError::invalid_filter(format!("{path} is of type {}: {expected}", leaf.ty.as_str()));
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq | CompareOp::Ne => Ok(()),
            _ => Err(ScimError::invalid_filter(format!("{path} {op} null: only eq and ne compare with null"))),
        };
    }
    let coerced = match (leaf.ty, &*value) {
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::Str(_)) => None,
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::Number(n)) => Some(CompValue::Str(n.to_string())),
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::True) => Some(CompValue::Str("true".into())),
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::False) => Some(CompValue::Str("false".into())),
        (AttrType::Boolean, CompValue::True | CompValue::False) => None,
        (AttrType::Boolean, CompValue::Str(s)) if s.eq_ignore_ascii_case("true") => Some(CompValue::True),
        (AttrType::Boolean, CompValue::Str(s)) if s.eq_ignore_ascii_case("false") => Some(CompValue::False),
        (AttrType::Boolean, _) => return Err(mismatch("compare it with true or false")),
        (AttrType::Integer | AttrType::Decimal, CompValue::Number(_)) => None,
        (AttrType::Integer | AttrType::Decimal, CompValue::Str(s)) => match s.trim().parse::<serde_json::Number>() {
            Ok(n) => Some(CompValue::Number(n)),
            Err(_) => return Err(mismatch("compare it with a number")),
        },
        (AttrType::Integer | AttrType::Decimal, _) => return Err(mismatch("compare it with a number")),
        (AttrType::DateTime, CompValue::Str(s)) if parse_datetime_micros(s).is_some() => None,
        (AttrType::DateTime, _) => {
            return Err(mismatch("compare it with an RFC 3339 date-time such as \"2026-01-31T12:00:00Z\""));
        }
        (AttrType::Complex, _) => return Err(mismatch("compare one of its sub-attributes")),
        (_, CompValue::Null) => None,
    };
    if let Some(c) = coerced {
        *value = c;
    }
    Ok(())
}
