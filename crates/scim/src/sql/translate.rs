//! The walk over a filter tree (RFC 7644 §3.4.2.2) that produces SQL.

use super::bindings::{Bindings, join_balanced, negate};
use super::compare::{Operand, Storage, compare, present};
use super::locate::{Location, NotQueryable, implied_sub, locate};
use super::{ChildTable, Dialect, SqlMap, SqlValue};
use crate::ScimError;
use crate::schema::{AttrDef, ResolvedAttr, ResourceTypeDef};
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter, ValFilter, ValuePath};

/// Alias of the rows of a JSON array in an `EXISTS` subquery. Value paths
/// cannot nest, so one alias never shadows another.
const ELEMENT_ALIAS: &str = "v";

pub(super) struct Translator<'a> {
    resource_type: &'static ResourceTypeDef,
    map: &'a SqlMap,
    bindings: Bindings<'a>,
}

/// What a leaf asks of an attribute, with `ne` and the `null` comparisons
/// rewritten as negations: `ne v` is `not (eq v)`, `eq null` is `not pr`,
/// `ne null` is `pr`.
struct Test<'f> {
    negated: bool,
    kind: TestKind<'f>,
}

enum TestKind<'f> {
    Present,
    Compare(&'f CompareOp, &'f CompValue),
}

impl<'f> Test<'f> {
    fn of(exp: &'f AttrExp) -> (&'f AttrPath, Test<'f>) {
        let (negated, kind) = match exp {
            AttrExp::Present(_) => (false, TestKind::Present),
            AttrExp::Comparison(_, CompareOp::Eq, CompValue::Null) => (true, TestKind::Present),
            AttrExp::Comparison(_, CompareOp::Ne, CompValue::Null) => (false, TestKind::Present),
            AttrExp::Comparison(_, CompareOp::Ne, value) => (true, TestKind::Compare(&CompareOp::Eq, value)),
            AttrExp::Comparison(_, op, value) => (false, TestKind::Compare(op, value)),
        };
        let path = match exp {
            AttrExp::Present(path) | AttrExp::Comparison(path, _, _) => path,
        };
        (path, Test { negated, kind })
    }

    /// The test without its negation, on one value.
    fn positive(&self, b: &mut Bindings<'_>, operand: &Operand) -> Result<String, ScimError> {
        match self.kind {
            TestKind::Present => Ok(present(operand)),
            TestKind::Compare(op, value) => compare(b, operand, op, value),
        }
    }

    fn finish(&self, positive: String) -> String {
        if self.negated { negate(&positive) } else { positive }
    }
}

/// The values of a multi-valued attribute, one row each, for `EXISTS`.
enum Element<'m> {
    Child(&'m ChildTable),
    Json { rows: String, element: String },
}

impl Element<'_> {
    /// Some value meets `condition` (there is a value, when `None`).
    fn exists(&self, dialect: &dyn Dialect, condition: Option<&str>) -> String {
        match (self, condition) {
            (Element::Child(child), _) => dialect.has_child(child, condition),
            (Element::Json { rows, .. }, Some(c)) => format!("EXISTS (SELECT 1 FROM {rows} WHERE {c})"),
            (Element::Json { rows, .. }, None) => format!("EXISTS (SELECT 1 FROM {rows})"),
        }
    }

    /// The value of `sub` (or of the element itself, for a multi-valued
    /// attribute that is not complex) in one row.
    fn operand(&self, dialect: &dyn Dialect, attr: &ResolvedAttr, sub: Option<&'static AttrDef>) -> Result<Operand, ScimError> {
        let name = ResolvedAttr { sub, ..*attr }.canonical_name();
        match self {
            Element::Child(child) => {
                let column = sub.and_then(|s| child.column(s.name)).ok_or_else(|| not_filterable(&name))?;
                Ok(Operand { expr: column.expr.to_string(), storage: Storage::Column(column.kind), def: sub.unwrap_or(attr.attr), name })
            }
            Element::Json { element, .. } => {
                let path: Vec<&str> = sub.map(|s| s.name).into_iter().collect();
                Ok(Operand { expr: dialect.json_text(element, &path), storage: Storage::Json, def: sub.unwrap_or(attr.attr), name })
            }
        }
    }
}

/// Where the names inside a value path's brackets are resolved.
enum Scope<'s, 'm> {
    /// Sub-attributes of one value of a multi-valued attribute.
    Element(ResolvedAttr, &'s Element<'m>),
    /// Sub-attributes of a single-valued complex attribute.
    Nested(ResolvedAttr),
}

fn not_filterable(name: &str) -> ScimError {
    ScimError::invalid_filter(format!("cannot filter on {name}"))
}

impl From<NotQueryable> for ScimError {
    fn from(e: NotQueryable) -> Self {
        not_filterable(&e.0)
    }
}

impl<'a> Translator<'a> {
    pub fn new(resource_type: &'static ResourceTypeDef, map: &'a SqlMap, dialect: &'a dyn Dialect, first_param: usize) -> Self {
        Self { resource_type, map, bindings: Bindings::new(dialect, first_param) }
    }

    pub fn finish(self) -> (usize, Vec<SqlValue>) {
        self.bindings.finish()
    }

    pub fn filter(&mut self, filter: &Filter) -> Result<String, ScimError> {
        match filter {
            Filter::Attr(exp) => {
                let (path, test) = Test::of(exp);
                let attr = self.resolve(path)?;
                self.test_attr(&attr, &test)
            }
            Filter::ValuePath(value_path) => self.value_path(value_path),
            Filter::Not(inner) => Ok(negate(&self.filter(inner)?)),
            Filter::And(items) => self.combine(items, "AND", Self::filter),
            Filter::Or(items) => self.combine(items, "OR", Self::filter),
        }
    }

    fn combine<T>(
        &mut self,
        items: &[T],
        op: &str,
        mut each: impl FnMut(&mut Self, &T) -> Result<String, ScimError>,
    ) -> Result<String, ScimError> {
        let parts = items.iter().map(|item| each(self, item)).collect::<Result<Vec<_>, _>>()?;
        Ok(join_balanced(&parts, op))
    }

    fn resolve(&self, path: &AttrPath) -> Result<ResolvedAttr, ScimError> {
        crate::filter::resolve_attr_path(self.resource_type, path)
            .ok_or_else(|| ScimError::invalid_filter(format!("unknown attribute {path}")))
    }

    /// A leaf test on an attribute named from the resource's root.
    fn test_attr(&mut self, attr: &ResolvedAttr, test: &Test<'_>) -> Result<String, ScimError> {
        let dialect = self.bindings.dialect;
        let name = attr.canonical_name();
        let single = |expr: String, storage: Storage| Operand { expr, storage, def: attr.leaf(), name: name.clone() };
        let positive = match locate(attr, self.map)? {
            Location::Column(column) => {
                test.positive(&mut self.bindings, &single(column.expr.to_string(), Storage::Column(column.kind)))?
            }
            Location::Json(path) => test.positive(&mut self.bindings, &single(dialect.json_text(self.map.doc, &path), Storage::Json))?,
            Location::ColumnGroup(columns) => match test.kind {
                TestKind::Present => {
                    let parts: Vec<String> =
                        columns.iter().map(|c| present(&single(c.expr.to_string(), Storage::Column(c.kind)))).collect();
                    join_balanced(&parts, "OR")
                }
                TestKind::Compare(..) => {
                    return Err(ScimError::invalid_filter(format!("{name} is complex: compare one of its sub-attributes")));
                }
            },
            Location::Child(child) => self.any_element(attr, Element::Child(child), test)?,
            Location::JsonArray(path) => {
                let element = self.json_element(&path);
                self.any_element(attr, element, test)?
            }
        };
        Ok(test.finish(positive))
    }

    fn json_element(&self, path: &[&str]) -> Element<'a> {
        let dialect = self.bindings.dialect;
        Element::Json { rows: dialect.json_array_rows(self.map.doc, path, ELEMENT_ALIAS), element: dialect.json_element(ELEMENT_ALIAS) }
    }

    /// `emails.value eq "x"`: some value of the multi-valued attribute
    /// passes the (positive) test; `emails pr`: there is a value.
    fn any_element(&mut self, attr: &ResolvedAttr, element: Element<'_>, test: &Test<'_>) -> Result<String, ScimError> {
        let sub = match (attr.sub, &test.kind) {
            (Some(sub), _) => Some(sub),
            (None, TestKind::Present) => return Ok(element.exists(self.bindings.dialect, None)),
            (None, TestKind::Compare(..)) if attr.attr.is_complex() => Some(implied_sub(attr.attr).ok_or_else(|| {
                ScimError::invalid_filter(format!("{} is complex: compare one of its sub-attributes", attr.canonical_name()))
            })?),
            (None, TestKind::Compare(..)) => None,
        };
        let operand = element.operand(self.bindings.dialect, attr, sub)?;
        let condition = test.positive(&mut self.bindings, &operand)?;
        Ok(element.exists(self.bindings.dialect, Some(&condition)))
    }

    /// `emails[type eq "work" and value co "@x"]`: one value passes every
    /// test inside the brackets.
    fn value_path(&mut self, value_path: &ValuePath) -> Result<String, ScimError> {
        if value_path.attr.sub_attr.is_some() {
            return Err(ScimError::invalid_filter(format!(
                "{}: a value path names an attribute, its sub-attributes go inside the brackets",
                value_path.attr
            )));
        }
        let attr = self.resolve(&value_path.attr)?;
        let name = attr.canonical_name();
        if !attr.attr.multi_valued {
            if !attr.attr.is_complex() {
                return Err(ScimError::invalid_filter(format!("{name} has no values to filter in brackets")));
            }
            let exists = self.single_exists(&attr)?;
            let condition = self.val_filter(&value_path.filter, &Scope::Nested(attr))?;
            return Ok(format!("({exists} AND {condition})"));
        }
        let element = match locate(&attr, self.map)? {
            Location::Child(child) => Element::Child(child),
            Location::JsonArray(path) => self.json_element(&path),
            Location::Column(_) | Location::ColumnGroup(_) | Location::Json(_) => return Err(not_filterable(&name)),
        };
        let condition = self.val_filter(&value_path.filter, &Scope::Element(attr, &element))?;
        Ok(element.exists(self.bindings.dialect, Some(&condition)))
    }

    /// A single-valued complex attribute has a value (an object, maybe
    /// empty): what the brackets of `name[...]` need before their test.
    fn single_exists(&self, attr: &ResolvedAttr) -> Result<String, ScimError> {
        Ok(match locate(attr, self.map)? {
            Location::Json(path) => format!("{} IS NOT NULL", self.bindings.dialect.json_text(self.map.doc, &path)),
            Location::ColumnGroup(columns) => {
                let parts: Vec<String> = columns.iter().map(|c| format!("{} IS NOT NULL", c.expr)).collect();
                join_balanced(&parts, "OR")
            }
            Location::Column(_) | Location::Child(_) | Location::JsonArray(_) => {
                return Err(not_filterable(&attr.canonical_name()));
            }
        })
    }

    fn val_filter(&mut self, filter: &ValFilter, scope: &Scope<'_, '_>) -> Result<String, ScimError> {
        match filter {
            ValFilter::Attr(exp) => self.val_leaf(exp, scope),
            ValFilter::Not(inner) => Ok(negate(&self.val_filter(inner, scope)?)),
            ValFilter::And(items) => self.combine(items, "AND", |t, f| t.val_filter(f, scope)),
            ValFilter::Or(items) => self.combine(items, "OR", |t, f| t.val_filter(f, scope)),
        }
    }

    fn val_leaf(&mut self, exp: &AttrExp, scope: &Scope<'_, '_>) -> Result<String, ScimError> {
        let (path, test) = Test::of(exp);
        let parent = match scope {
            Scope::Element(attr, _) | Scope::Nested(attr) => attr,
        };
        let unknown = || ScimError::invalid_filter(format!("{path} is not a sub-attribute of {}", parent.canonical_name()));
        if path.uri.is_some() || path.sub_attr.is_some() {
            return Err(unknown());
        }
        // Inside the brackets of an attribute that is not complex, `value`
        // is the element itself.
        let sub = match parent.attr.sub(&path.name) {
            Some(sub) => Some(sub),
            None if !parent.attr.is_complex() && path.name.eq_ignore_ascii_case("value") => None,
            None => return Err(unknown()),
        };
        match scope {
            Scope::Nested(attr) => self.test_attr(&ResolvedAttr { sub, ..*attr }, &test),
            Scope::Element(attr, element) => {
                let operand = element.operand(self.bindings.dialect, attr, sub)?;
                let positive = test.positive(&mut self.bindings, &operand)?;
                Ok(test.finish(positive))
            }
        }
    }
}
