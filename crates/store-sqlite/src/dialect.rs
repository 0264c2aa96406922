//! SQLite's spelling of the SQL that filters and sorts are translated into.

use lanyard_scim::sql::{ChildTable, Dialect};

pub struct SqliteDialect;

/// A JSON path (`$."name"."givenName"`) as a SQL string literal. Keys are
/// schema names (URNs included), quoted so their `:` and `.` stay literal.
fn path_literal(path: &[&str]) -> String {
    let mut p = String::from("'$");
    for key in path {
        p.push_str(".\"");
        p.push_str(&key.replace('\'', "''").replace('"', "\\\""));
        p.push('"');
    }
    p.push('\'');
    p
}

impl Dialect for SqliteDialect {
    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }

    /// `json_extract` returns JSON booleans as 1/0, so booleans are spelled
    /// out from `json_type`; everything else is cast to text (objects and
    /// arrays come out as JSON text).
    fn json_text(&self, doc: &str, path: &[&str]) -> String {
        let p = path_literal(path);
        format!(
            "CASE json_type({doc}, {p}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
             ELSE CAST(json_extract({doc}, {p}) AS TEXT) END"
        )
    }

    fn json_array_rows(&self, doc: &str, path: &[&str], alias: &str) -> String {
        format!("json_each({doc}, {}) AS {alias}", path_literal(path))
    }

    /// `json_each` gives scalars as SQL values (strings unquoted, booleans
    /// as 1/0) and containers as JSON text; turn every element back into
    /// JSON text so `json_text` can read it.
    fn json_element(&self, alias: &str) -> String {
        format!(
            "CASE {alias}.type WHEN 'text' THEN json_quote({alias}.value) WHEN 'true' THEN 'true' \
             WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' ELSE {alias}.value END"
        )
    }

    fn contains(&self, haystack: &str, needle: &str) -> String {
        format!("instr({haystack}, {needle}) > 0")
    }

    /// SQLite runs a correlated `EXISTS` once per parent row, scanning the
    /// tenant; `key IN (subquery)` correlated only by tenant lets it look
    /// the values up through the side table's index first (`emails.value eq`).
    fn has_child(&self, child: &ChildTable, condition: Option<&str>) -> String {
        let and = condition.map(|c| format!(" AND {c}")).unwrap_or_default();
        format!("{} IN (SELECT {} FROM {} WHERE {}{and})", child.parent_key, child.child_key, child.from, child.tenant_join)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_every_key() {
        assert_eq!(path_literal(&["name", "givenName"]), r#"'$."name"."givenName"'"#);
        assert_eq!(
            path_literal(&["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "department"]),
            r#"'$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"."department"'"#
        );
        assert_eq!(path_literal(&["it's"]), r#"'$."it''s"'"#);
    }
}
