//! SCIM filters (RFC 7644 §3.4.2.2): parsing with the quirks real clients
//! send, checking against a resource type, and in-memory evaluation.
//! SQL translation lives in [`crate::sql`].

mod check;
mod eval;
mod fast;
mod quirks;
mod shape;

#[cfg(test)]
mod fast_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::ScimError;
use crate::schema::ResourceTypeDef;
use serde_json::Value;

pub use eval::element_matches;
pub use shape::{FilterShape, ParamSource};

pub(crate) use check::{canonical_path, check_val_filter, resolve_attr_path};
pub(crate) use fast::attr_path as fast_attr_path;
pub(crate) use quirks::quote_bare_values;

/// Longest filter text accepted, in bytes; longer ones are refused before
/// any parsing.
pub const MAX_FILTER_LEN: usize = 4096;

/// A filter parsed and checked against one resource type: every attribute
/// path in it resolves, so evaluation and SQL translation cannot meet an
/// unknown attribute. Paths in the AST carry the schema's exact names
/// (core attributes without URN, extension attributes with their canonical
/// URN), and comparison values have the type of their attribute.
#[derive(Debug, Clone)]
pub struct Filter {
    pub(crate) ast: scim_v2::filter::Filter,
    pub(crate) resource_type: &'static ResourceTypeDef,
}

impl Filter {
    /// Parse `raw` for `resource_type`. Errors are `invalidFilter` (400).
    pub fn parse(raw: &str, resource_type: &'static ResourceTypeDef) -> Result<Filter, ScimError> {
        if raw.len() > MAX_FILTER_LEN {
            return Err(ScimError::invalid_filter(format!("the filter is longer than {MAX_FILTER_LEN} bytes")));
        }
        // Those shapes with a string, boolean or null value need none of the
        // quirk rewrites (which may quote a number), so they skip them; the
        // tests compare with rewriting first.
        let mut ast = match fast::filter(raw).filter(|ast| !has_number(ast)) {
            Some(ast) => ast,
            None => {
                let text = quirks::normalize_filter(raw);
                if text.is_empty() {
                    return Err(ScimError::invalid_filter("the filter is empty"));
                }
                match fast::filter(&text) {
                    Some(ast) => ast,
                    None => text
                        .parse::<scim_v2::filter::Filter>()
                        .map_err(|e| ScimError::invalid_filter(format!("invalid filter: {}", describe_parse_error(&e))))?,
                }
            }
        };
        check::check_filter(&mut ast, resource_type)?;
        Ok(Filter { ast, resource_type })
    }

    /// `id eq "<id>"`: one resource by id, through the same SQL as any
    /// filter. An id no filter can carry (too long) matches nothing anyone
    /// stored, so the caller answers 404.
    pub fn id_eq(id: &str, resource_type: &'static ResourceTypeDef) -> Result<Filter, ScimError> {
        let literal = serde_json::to_string(id).map_err(|e| ScimError::invalid_filter(format!("unusable id: {e}")))?;
        Filter::parse(&format!("id eq {literal}"), resource_type)
    }

    pub fn resource_type(&self) -> &'static ResourceTypeDef {
        self.resource_type
    }

    /// The checked, canonical syntax tree.
    pub fn ast(&self) -> &scim_v2::filter::Filter {
        &self.ast
    }

    /// Does this resource (a full SCIM JSON representation) match?
    pub fn matches(&self, resource: &Value) -> bool {
        eval::matches(&self.ast, self.resource_type, resource)
    }
}

fn has_number(ast: &scim_v2::filter::Filter) -> bool {
    use scim_v2::filter::{AttrExp, CompValue, Filter as Ast};
    matches!(ast, Ast::Attr(AttrExp::Comparison(_, _, CompValue::Number(_))))
}

/// The canonical text of the filter, which parses back to the same filter
/// when it fits [`MAX_FILTER_LEN`]: string values come out JSON-escaped, so
/// the canonical text of an unquoted value such as `DOMAIN\ann` is longer
/// than the raw text and can exceed the limit.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ast.fmt(f)
    }
}

/// A parse error in words a client can act on. Positions are byte offsets
/// into the filter after Lanyard's quirk rewrites (which only add quotes
/// and move a value path's `]`).
pub(crate) fn describe_parse_error(e: &scim_v2::filter::ParseError) -> String {
    use scim_v2::filter::ParseError as P;
    match e {
        P::InvalidToken { location } => format!("unexpected character at offset {location}"),
        P::UnrecognizedEof { .. } => "the expression ends too early".into(),
        P::UnrecognizedToken { token: (at, token, _), .. } | P::ExtraToken { token: (at, token, _) } => {
            format!("unexpected {token:?} at offset {at}")
        }
        P::User { error } => error.to_string(),
    }
}
