//! Binding generated parameters.

use lanyard_scim::sql::SqlValue;
use sqlx::Postgres;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;

pub(crate) type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

pub(crate) fn bind_value<'q>(query: PgQuery<'q>, value: &'q SqlValue) -> PgQuery<'q> {
    match value {
        SqlValue::Null => query.bind(None::<String>),
        SqlValue::Bool(b) => query.bind(*b),
        SqlValue::Int(i) => query.bind(*i),
        SqlValue::Real(r) => query.bind(*r),
        SqlValue::Text(s) => query.bind(s.as_str()),
    }
}

pub(crate) fn bind_all<'q>(query: PgQuery<'q>, values: &'q [SqlValue]) -> PgQuery<'q> {
    values.iter().fold(query, bind_value)
}
