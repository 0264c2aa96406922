//! PostgreSQL's spelling of the SQL that filters and sorts are translated into.
//!
//! Documents are `json` columns. Text read from them is given the "C"
//! collation, like every text column of the schema, so comparisons and
//! sorts are by bytes and `lower()` folds ASCII only — what SQLite does —
//! whatever the database's default locale.

use lanyard_scim::sql::Dialect;

pub struct PgDialect;

/// A JSON path (object keys) as a `text[]` literal. Keys are schema names
/// (URNs included); each is a quoted SQL string, so `:`, `.`, `,` and
/// braces stay literal.
fn path_literal(path: &[&str]) -> String {
    let keys: Vec<String> = path.iter().map(|key| format!("'{}'", key.replace('\'', "''"))).collect();
    format!("ARRAY[{}]::text[]", keys.join(", "))
}

/// Numbers as `json` keeps them (serde_json writes integers and shortest
/// round-trip floats such as `1.5e-7`), and numeric text, but only within
/// the range of a double: the translator compares with float parameters,
/// and a `numeric` beyond that range would fail the cast to double
/// instead of comparing. The exponent form takes serde_json's single
/// leading digit. PostgreSQL regex bounds stop at 255.
const NUMBER: &str = "'^-?([0-9]{1,200}([.][0-9]{1,200})?|[1-9]([.][0-9]{1,20})?[eE][-+]?([0-9]{1,2}|[12][0-9]{2}|30[0-7]))$'";

impl Dialect for PgDialect {
    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }

    /// `#>>` gives strings unquoted, numbers and booleans as their JSON
    /// text, objects and arrays as JSON text, and JSON null as SQL NULL.
    fn json_text(&self, doc: &str, path: &[&str]) -> String {
        format!("(({doc} #>> {}) COLLATE \"C\")", path_literal(path))
    }

    /// Only an array has rows: anything else (absent, a scalar, an object)
    /// has none, where `json_array_elements` would raise.
    fn json_array_rows(&self, doc: &str, path: &[&str], alias: &str) -> String {
        let value = format!("{doc} #> {}", path_literal(path));
        format!("json_array_elements(CASE WHEN json_typeof({value}) = 'array' THEN {value} END) AS {alias}(value)")
    }

    fn json_element(&self, alias: &str) -> String {
        format!("{alias}.value")
    }

    /// ASCII only, like SQLite's `lower()`, for column and parameter alike.
    fn lower(&self, expr: &str) -> String {
        format!("lower(({expr}) COLLATE \"C\")")
    }

    /// Text that is not a number is no number (NULL), where a cast would
    /// raise and fail the whole query.
    fn to_number(&self, expr: &str) -> String {
        format!("(CASE WHEN ({expr}) ~ {NUMBER} THEN ({expr})::numeric END)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_every_key() {
        assert_eq!(path_literal(&["name", "givenName"]), "ARRAY['name', 'givenName']::text[]");
        assert_eq!(
            path_literal(&["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "department"]),
            "ARRAY['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'department']::text[]"
        );
        assert_eq!(path_literal(&["it's"]), "ARRAY['it''s']::text[]");
        assert_eq!(path_literal(&[]), "ARRAY[]::text[]");
    }

    #[test]
    fn placeholders_are_numbered() {
        assert_eq!(PgDialect.placeholder(3), "$3");
    }
}
