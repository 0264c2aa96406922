//! Translation of a checked [`Filter`] into a SQL `WHERE` fragment, through
//! an explicit map from SCIM attribute to column. Attributes without a
//! column are read from the resource's JSON document through the dialect.
//!
//! Every expression generated here is meant for a `WHERE` clause, where
//! SQL NULL counts as false; `not` therefore coalesces its operand to FALSE
//! so that an absent attribute never matches `eq` and always matches `ne`,
//! exactly like the in-memory evaluator.

mod bindings;
mod compare;
mod locate;
mod sort;
mod translate;

#[cfg(test)]
mod tests;

use crate::ScimError;
use crate::filter::Filter;
use crate::schema::ResolvedAttr;

/// A bound parameter of a generated fragment.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Text(String),
}

/// SQL text with its parameters, in placeholder order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SqlFragment {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

/// What differs between SQLite and PostgreSQL in generated SQL.
pub trait Dialect: Sync {
    /// The placeholder for the `n`th (1-based) parameter: `?n` or `$n`.
    fn placeholder(&self, n: usize) -> String;
    /// The text of the JSON scalar at `path` (object keys) inside the JSON
    /// document expression `doc`; SQL NULL when absent. Booleans come out
    /// as `true`/`false` text, numbers as their decimal text.
    fn json_text(&self, doc: &str, path: &[&str]) -> String;
    /// A FROM item that yields one row per element of the JSON array at
    /// `path` in `doc`, aliased `alias`; [`Dialect::json_element`] reads it.
    fn json_array_rows(&self, doc: &str, path: &[&str], alias: &str) -> String;
    /// The JSON element expression of a row of [`Dialect::json_array_rows`].
    fn json_element(&self, alias: &str) -> String;
    /// Lower-case a text expression.
    fn lower(&self, expr: &str) -> String {
        format!("lower({expr})")
    }
    /// True when the text `haystack` contains the text `needle`, compared
    /// exactly (case-sensitively); both are SQL expressions.
    fn contains(&self, haystack: &str, needle: &str) -> String {
        format!("strpos({haystack}, {needle}) > 0")
    }
    /// True for the parent rows with a row in `child` that meets
    /// `condition` (any row when `None`). The default correlated `EXISTS`
    /// suits planners that turn it into a semi-join (PostgreSQL).
    fn has_child(&self, child: &ChildTable, condition: Option<&str>) -> String {
        let and = condition.map(|c| format!(" AND {c}")).unwrap_or_default();
        format!("EXISTS (SELECT 1 FROM {} WHERE {}{and})", child.from, child.join())
    }
    /// A text expression (from [`Dialect::json_text`]) read as a number.
    fn to_number(&self, expr: &str) -> String {
        format!("CAST({expr} AS NUMERIC)")
    }
}

/// How a column stores its attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text exactly as sent.
    Text,
    /// Text stored lower-cased (for case-insensitive, indexed lookups):
    /// compare with a lower-cased parameter, never wrap the column.
    FoldedText,
    Bool,
    Integer,
    /// Microseconds since the Unix epoch (for dateTime attributes).
    Micros,
}

/// A SCIM attribute stored in a column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Canonical attribute name, as [`ResolvedAttr::canonical_name`] gives it
    /// (`userName`, `meta.created`, `urn:…:seat:2.0:User:seat.status`).
    pub attr: &'static str,
    /// SQL expression of the column, qualified by the table alias (`u.user_name_ci`).
    pub expr: &'static str,
    pub kind: ColumnKind,
}

/// A multi-valued attribute kept in a side table, one row per value, for
/// indexed lookups (`emails.value eq`, `members.value eq`).
#[derive(Debug, Clone, Copy)]
pub struct ChildTable {
    /// Canonical name of the multi-valued attribute (`emails`, `members`).
    pub attr: &'static str,
    /// FROM item with alias, e.g. `user_emails e`.
    pub from: &'static str,
    /// The parent's key (`u.id`) and the side-table column holding it (`e.user_id`).
    pub parent_key: &'static str,
    pub child_key: &'static str,
    /// The rest of the join to the parent row: the same tenant
    /// (`e.tenant_id = u.tenant_id`).
    pub tenant_join: &'static str,
    /// Sub-attributes stored in the side table, named by sub-attribute
    /// (`value`, `type`, `primary`). A sub-attribute not listed here cannot
    /// be filtered on (`invalidFilter`).
    pub columns: &'static [Column],
}

/// The map of one resource type's table.
#[derive(Debug, Clone, Copy)]
pub struct SqlMap {
    /// SQL expression of the JSON document column (`u.doc`).
    pub doc: &'static str,
    pub columns: &'static [Column],
    pub children: &'static [ChildTable],
}

impl SqlMap {
    /// The column of the attribute with this canonical name.
    pub fn column(&self, canonical: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.attr == canonical)
    }
    /// The side table of the multi-valued attribute with this canonical name.
    pub fn child(&self, canonical: &str) -> Option<&ChildTable> {
        self.children.iter().find(|c| c.attr == canonical)
    }
}

impl ChildTable {
    /// Join condition to the parent row, e.g.
    /// `e.tenant_id = u.tenant_id AND e.user_id = u.id`.
    pub fn join(&self) -> String {
        format!("{} AND {} = {}", self.tenant_join, self.child_key, self.parent_key)
    }

    /// The column of a sub-attribute (by its canonical name).
    pub fn column(&self, sub: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.attr == sub)
    }
}

/// Translate `filter` into a boolean SQL expression. Placeholders are
/// numbered from `*next_param` on, which is advanced past them.
pub fn where_clause(filter: &Filter, map: &SqlMap, dialect: &dyn Dialect, next_param: &mut usize) -> Result<SqlFragment, ScimError> {
    let mut translator = translate::Translator::new(filter.resource_type, map, dialect, *next_param);
    let sql = translator.filter(&filter.ast)?;
    let (next, params) = translator.finish();
    *next_param = next;
    Ok(SqlFragment { sql, params })
}

/// The SQL expression to sort by `attr` (RFC 7644 §3.4.2.3). Multi-valued
/// attributes sort by their primary (or first) value; text that is not
/// case-exact sorts case-insensitively.
pub fn sort_expr(attr: &ResolvedAttr, map: &SqlMap, dialect: &dyn Dialect) -> Result<String, ScimError> {
    sort::sort_expr(attr, map, dialect)
}
