//! PATCH paths (RFC 7644 §3.5.2: `attrPath / valuePath [subAttr]`, plus a
//! bare extension URN) resolved against a resource type.

use std::fmt;

use scim_v2::filter::{PatchPath, ValFilter};

use crate::ScimError;
use crate::filter::{canonical_path, check_val_filter, fast_attr_path, quote_bare_values, resolve_attr_path};
use crate::resource::keys::schema_by_urn;
use crate::schema::{AttrHome, Mutability, ResolvedAttr, ResourceTypeDef, SchemaDef};

#[derive(Debug, Clone)]
pub enum Path {
    /// `attr` or `attr.sub`, with or without its schema URN.
    Attr(ResolvedAttr),
    /// `attr[filter]` or `attr[filter].sub` on a multi-valued attribute;
    /// `target.sub` is the trailing sub-attribute. The filter is checked
    /// and canonical ([`crate::filter::element_matches`] applies it).
    Filtered { target: ResolvedAttr, filter: ValFilter },
    /// A bare extension URN: the extension's whole object.
    Extension(&'static SchemaDef),
}

impl Path {
    /// Resolve `raw`; unknown attributes and bad syntax are 400 `invalidPath`.
    pub fn parse(raw: &str, rt: &'static ResourceTypeDef) -> Result<Path, ScimError> {
        let text = raw.trim();
        match schema_by_urn(rt, text) {
            Some((AttrHome::Extension(_), schema)) => return Ok(Path::Extension(schema)),
            Some((AttrHome::Core, _)) => {
                return Err(ScimError::invalid_path(format!(
                    "path {raw:?} names the core schema: leave the path out to patch the whole resource"
                )));
            }
            None => {}
        }
        // A lone name token is left as it is by `quote_bare_values`.
        let parsed = match fast_attr_path(text) {
            Some(path) => PatchPath::Attr(path),
            None => quote_bare_values(text)
                .parse::<PatchPath>()
                .map_err(|e| ScimError::invalid_path(format!("invalid path {raw:?}: {}", crate::filter::describe_parse_error(&e))))?,
        };
        let unknown = |what: &dyn fmt::Display| ScimError::invalid_path(format!("unknown attribute {what} for {}", rt.name));
        match parsed {
            PatchPath::Attr(p) => resolve_attr_path(rt, &p).map(Path::Attr).ok_or_else(|| unknown(&p)),
            PatchPath::Value(vp) => {
                let resolved = resolve_attr_path(rt, &vp.attr).ok_or_else(|| unknown(&vp.attr))?;
                if resolved.sub.is_some() || !resolved.attr.multi_valued {
                    return Err(ScimError::invalid_path(format!("path {raw:?}: a value filter [..] needs a multi-valued attribute")));
                }
                let mut filter = vp.filter;
                check_val_filter(&mut filter, resolved.attr).map_err(|e| ScimError::invalid_path(format!("path {raw:?}: {}", e.detail)))?;
                let sub = match vp.sub_attr {
                    None => None,
                    Some(name) => {
                        Some(resolved.attr.sub(&name).ok_or_else(|| unknown(&format_args!("{}.{name}", canonical_path(&resolved))))?)
                    }
                };
                Ok(Path::Filtered { target: ResolvedAttr { sub, ..resolved }, filter })
            }
        }
    }

    /// The attribute the path is about (`None` for a bare extension URN).
    pub fn attr(&self) -> Option<&ResolvedAttr> {
        match self {
            Path::Attr(r) | Path::Filtered { target: r, .. } => Some(r),
            Path::Extension(_) => None,
        }
    }

    /// 400 `mutability` when a client names a read-only target explicitly.
    pub(super) fn check_writable(&self) -> Result<(), ScimError> {
        let read_only = match self {
            Path::Attr(r) | Path::Filtered { target: r, .. } => {
                r.attr.mutability == Mutability::ReadOnly || r.sub.is_some_and(|s| s.mutability == Mutability::ReadOnly)
            }
            Path::Extension(schema) => schema.attributes.iter().all(|a| a.mutability == Mutability::ReadOnly),
        };
        if read_only { Err(ScimError::mutability(format!("{self} is read-only"))) } else { Ok(()) }
    }
}

/// The canonical text of the path.
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Attr(r) => f.write_str(&r.canonical_name()),
            Path::Filtered { target, filter } => {
                let whole = ResolvedAttr { sub: None, ..*target };
                write!(f, "{}[{filter}]", whole.canonical_name())?;
                match target.sub {
                    Some(sub) => write!(f, ".{}", sub.name),
                    None => Ok(()),
                }
            }
            Path::Extension(schema) => f.write_str(schema.id),
        }
    }
}
