//! A filter's shape: the filter with its string values left out. Nearly
//! every lookup a client sends has the same shape (`userName eq "…"`), and
//! its SQL differs only in the parameters, so a store can translate a shape
//! once — with stand-in values that show where each parameter comes from —
//! and reuse the translation for every filter of that shape.

use std::fmt::Write;

use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter as Ast, ValFilter};

use super::Filter;
use crate::sql::SqlValue;

/// The text that stands in for the `n`th string value. Every transformation
/// a translation might apply changes it (trimming the spaces, escaping `_`
/// and `%` for `LIKE`, case folding, JSON escaping of U+0001), so a
/// parameter that still equals it, or its lower-case form, was taken as is.
fn stand_in(n: usize) -> String {
    format!(" \u{1}Stand_in %{n} ")
}

/// How a translated parameter follows from the filter's string values.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamSource {
    /// The same for every filter of the shape (from a number or `true`).
    Fixed(SqlValue),
    /// The `n`th string value, as it is.
    Value(usize),
    /// The `n`th string value lower-cased by [`str::to_lowercase`].
    Lowercased(usize),
}

/// A filter's shape and its string values, in the order they appear.
pub struct FilterShape<'f> {
    key: String,
    values: Vec<&'f str>,
}

impl Filter {
    pub fn shape(&self) -> FilterShape<'_> {
        let mut shape = FilterShape { key: String::with_capacity(64), values: Vec::new() };
        shape.filter(&self.ast);
        shape
    }

    /// This filter with its string values replaced by stand-ins no client
    /// sends: translated, its parameters tell their sources
    /// ([`FilterShape::sources`]).
    pub fn with_stand_in_values(&self) -> Filter {
        self.with_values(stand_in)
    }

    /// This filter with its `n`th string value replaced by `value(n)`.
    pub(crate) fn with_values(&self, mut value: impl FnMut(usize) -> String) -> Filter {
        let mut ast = self.ast.clone();
        let mut n = 0;
        replace_values(&mut ast, &mut |old| {
            *old = value(n);
            n += 1;
        });
        Filter { ast, resource_type: self.resource_type }
    }
}

impl<'f> FilterShape<'f> {
    /// Text that two filters share exactly when their shapes are the same.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The sources of the parameters a translation of
    /// [`Filter::with_stand_in_values`] bound; `None` when a parameter came
    /// from a string value in any other way than as it is or lower-cased
    /// (a `LIKE` pattern, a parsed time): then the translation holds only
    /// for those values.
    pub fn sources(&self, params: &[SqlValue]) -> Option<Vec<ParamSource>> {
        let stand_ins: Vec<String> = (0..self.values.len()).map(stand_in).collect();
        params
            .iter()
            .map(|param| match param {
                SqlValue::Text(text) => stand_ins.iter().enumerate().find_map(|(n, s)| {
                    if text == s {
                        Some(ParamSource::Value(n))
                    } else if *text == s.to_lowercase() {
                        Some(ParamSource::Lowercased(n))
                    } else {
                        None
                    }
                }),
                other => Some(ParamSource::Fixed(other.clone())),
            })
            .collect()
    }

    /// The parameters for this filter's values, from a translation's sources.
    pub fn params(&self, sources: &[ParamSource]) -> Vec<SqlValue> {
        let value = |n: usize| self.values.get(n).copied().unwrap_or_default();
        sources
            .iter()
            .map(|source| match source {
                ParamSource::Fixed(v) => v.clone(),
                ParamSource::Value(n) => SqlValue::Text(value(*n).to_string()),
                ParamSource::Lowercased(n) => SqlValue::Text(value(*n).to_lowercase()),
            })
            .collect()
    }

    fn filter(&mut self, ast: &'f Ast) {
        match ast {
            Ast::Attr(exp) => self.attr_exp(exp),
            Ast::ValuePath(vp) => {
                self.key.push('(');
                self.path(&vp.attr);
                self.key.push('[');
                self.val_filter(&vp.filter);
                self.key.push_str("])");
            }
            Ast::Not(inner) => {
                self.key.push_str("(not ");
                self.filter(inner);
                self.key.push(')');
            }
            Ast::And(items) => self.list("and", items.iter(), Self::filter),
            Ast::Or(items) => self.list("or", items.iter(), Self::filter),
        }
    }

    fn val_filter(&mut self, ast: &'f ValFilter) {
        match ast {
            ValFilter::Attr(exp) => self.attr_exp(exp),
            ValFilter::Not(inner) => {
                self.key.push_str("(not ");
                self.val_filter(inner);
                self.key.push(')');
            }
            ValFilter::And(items) => self.list("and", items.iter(), Self::val_filter),
            ValFilter::Or(items) => self.list("or", items.iter(), Self::val_filter),
        }
    }

    fn list<T: 'f>(&mut self, op: &str, items: impl Iterator<Item = &'f T>, each: fn(&mut Self, &'f T)) {
        self.key.push('(');
        self.key.push_str(op);
        for item in items {
            self.key.push(' ');
            each(self, item);
        }
        self.key.push(')');
    }

    fn attr_exp(&mut self, exp: &'f AttrExp) {
        self.key.push('(');
        match exp {
            AttrExp::Present(path) => {
                self.path(path);
                self.key.push_str(" pr");
            }
            AttrExp::Comparison(path, op, value) => {
                self.path(path);
                self.key.push(' ');
                self.key.push_str(operator(op));
                self.key.push(' ');
                match value {
                    CompValue::Str(s) => {
                        self.key.push('$');
                        self.values.push(s);
                    }
                    // Writing to a String cannot fail.
                    other => {
                        let _ = write!(self.key, "{other}");
                    }
                }
            }
        }
        self.key.push(')');
    }

    fn path(&mut self, path: &AttrPath) {
        if let Some(uri) = &path.uri {
            self.key.push_str(uri);
            self.key.push(':');
        }
        self.key.push_str(&path.name);
        if let Some(sub) = &path.sub_attr {
            self.key.push('.');
            self.key.push_str(sub);
        }
    }
}

/// The operator's text, without the formatting machinery `Display` runs.
fn operator(op: &CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "eq",
        CompareOp::Ne => "ne",
        CompareOp::Co => "co",
        CompareOp::Sw => "sw",
        CompareOp::Ew => "ew",
        CompareOp::Gt => "gt",
        CompareOp::Lt => "lt",
        CompareOp::Ge => "ge",
        CompareOp::Le => "le",
    }
}

fn replace_values(ast: &mut Ast, replace: &mut impl FnMut(&mut String)) {
    match ast {
        Ast::Attr(exp) => replace_value(exp, replace),
        Ast::ValuePath(vp) => replace_val_filter_values(&mut vp.filter, replace),
        Ast::Not(inner) => replace_values(inner, replace),
        Ast::And(items) | Ast::Or(items) => items.iter_mut().for_each(|item| replace_values(item, replace)),
    }
}

fn replace_val_filter_values(ast: &mut ValFilter, replace: &mut impl FnMut(&mut String)) {
    match ast {
        ValFilter::Attr(exp) => replace_value(exp, replace),
        ValFilter::Not(inner) => replace_val_filter_values(inner, replace),
        ValFilter::And(items) | ValFilter::Or(items) => items.iter_mut().for_each(|item| replace_val_filter_values(item, replace)),
    }
}

fn replace_value(exp: &mut AttrExp, replace: &mut impl FnMut(&mut String)) {
    if let AttrExp::Comparison(_, _, CompValue::Str(s)) = exp {
        replace(s);
    }
}
