//! Binding generated parameters and id lists.

use lanyard_scim::sql::SqlValue;
use sqlx::Sqlite;
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;

pub(crate) type SqliteQuery<'q> = Query<'q, Sqlite, SqliteArguments<'q>>;

/// Ids per statement for `IN (...)` lists and multi-row inserts: far below
/// SQLite's 32766 parameters, small enough to keep statements cheap.
pub(crate) const CHUNK: usize = 500;

pub(crate) fn bind_value<'q>(query: SqliteQuery<'q>, value: &'q SqlValue) -> SqliteQuery<'q> {
    match value {
        SqlValue::Null => query.bind(None::<String>),
        SqlValue::Bool(b) => query.bind(*b),
        SqlValue::Int(i) => query.bind(*i),
        SqlValue::Real(r) => query.bind(*r),
        SqlValue::Text(s) => query.bind(s.as_str()),
    }
}

pub(crate) fn bind_all<'q>(query: SqliteQuery<'q>, values: &'q [SqlValue]) -> SqliteQuery<'q> {
    values.iter().fold(query, bind_value)
}

pub(crate) fn bind_ids<'q>(query: SqliteQuery<'q>, ids: &'q [String]) -> SqliteQuery<'q> {
    ids.iter().fold(query, |q, id| q.bind(id.as_str()))
}

/// `?first, ?first+1, …` for `n` parameters.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_from_first() {
        assert_eq!(placeholders(3, 3), "?3, ?4, ?5");
        assert_eq!(placeholders(1, 0), "");
    }
}
