//! Statements of a write transaction gathered into one round trip.
//!
//! Every statement sent to SQLite through sqlx is a hand-off to the
//! connection's worker thread and back; on a small machine those context
//! switches, not SQLite, bound the write rate. A transaction therefore
//! keeps the statements whose answers it does not need (`BEGIN`, inserts,
//! updates, audit events) and sends them together with the next statement
//! whose answer it does need, or with `COMMIT`: a user create is two round
//! trips instead of six. Parameters are numbered `?N` per statement and
//! made positional here, so each statement keeps its own readable text.

use sqlx::sqlite::{SqliteQueryResult, SqliteRow};
use sqlx::{Sqlite, SqliteConnection};

use lanyard_store::StoreResult;

use crate::bind::SqliteQuery;
use crate::error::write;

/// A bound parameter value.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::OptText(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::OptText(v.map(str::to_string))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

/// Appends `sql` to `out` with its `?N` parameters rewritten as anonymous
/// `?`, and lists their values in order of appearance (a value used twice
/// is listed twice). sqlx binds anonymous parameters of a multi-statement
/// string one after the other, while numbered ones would restart at each
/// statement. Lanyard's statements have no `?` inside string literals.
fn push_positional(out: &mut String, values: &mut Vec<Arg>, sql: &str, args: Vec<Arg>) {
    let mut order = Vec::with_capacity(args.len());
    let mut rest = sql;
    while let Some(at) = rest.find('?') {
        let (before, after) = rest.split_at(at + 1);
        out.push_str(before);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let (number, after) = after.split_at(digits);
        order.push(number.parse::<usize>().ok().and_then(|n| n.checked_sub(1)));
        rest = after;
    }
    out.push_str(rest);
    // Most statements use each parameter once, in order: move the values.
    if order.len() == args.len() && order.iter().enumerate().all(|(i, n)| *n == Some(i)) {
        values.extend(args);
        return;
    }
    values.extend(order.into_iter().map(|n| n.and_then(|n| args.get(n)).cloned().unwrap_or(Arg::OptText(None))));
}

/// Statements waiting to be sent.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    sql: String,
    args: Vec<Arg>,
}

impl Batch {
    pub fn push(&mut self, sql: &str, args: Vec<Arg>) {
        push_positional(&mut self.sql, &mut self.args, sql, args);
        self.sql.push_str(";\n");
    }

    fn take(&mut self) -> (String, Vec<Arg>) {
        (std::mem::take(&mut self.sql), std::mem::take(&mut self.args))
    }

    fn query<'q>(sql: &'q str, args: Vec<Arg>) -> SqliteQuery<'q> {
        args.into_iter().fold(sqlx::query::<Sqlite>(sql), |q, a| match a {
            Arg::Int(v) => q.bind(v),
            Arg::OptInt(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::OptText(v) => q.bind(v),
            Arg::Bool(v) => q.bind(v),
        })
    }

    /// Sends what is pending (nothing if empty).
    pub async fn execute(&mut self, conn: &mut SqliteConnection) -> StoreResult<SqliteQueryResult> {
        let (sql, args) = self.take();
        if sql.is_empty() {
            return Ok(SqliteQueryResult::default());
        }
        Self::query(&sql, args).execute(conn).await.map_err(write)
    }

    /// Sends what is pending followed by `sql`, and returns the rows of the
    /// statements (only `sql` returns rows: the pending ones are writes).
    pub async fn fetch(&mut self, conn: &mut SqliteConnection, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<SqliteRow>> {
        self.push(sql, args);
        let (sql, args) = self.take();
        Self::query(&sql, args).fetch_all(conn).await.map_err(write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_positional_in_order_of_use() {
        let mut b = Batch::default();
        b.push("INSERT INTO t VALUES (?1, ?2), (?1, ?3)", vec![1.into(), 2.into(), 3.into()]);
        b.push("UPDATE t SET a = ?2 WHERE b = ?1", vec![4.into(), 5.into()]);
        assert_eq!(b.sql, "INSERT INTO t VALUES (?, ?), (?, ?);\nUPDATE t SET a = ? WHERE b = ?;\n");
        let ints: Vec<i64> = b.args.iter().map(|a| if let Arg::Int(i) = a { *i } else { -1 }).collect();
        assert_eq!(ints, [1, 2, 1, 3, 5, 4]);
    }

    #[test]
    fn parameters_in_order_are_moved_and_unknown_ones_are_null() {
        let mut b = Batch::default();
        b.push("SELECT ?1, ?2, ?3", vec![1.into(), 2.into(), "x".into()]);
        b.push("SELECT ?, ?0, ?9, ?12", vec![7.into()]);
        assert_eq!(b.sql, "SELECT ?, ?, ?;\nSELECT ?, ?, ?, ?;\n");
        let shown: Vec<String> = b.args.iter().map(|a| format!("{a:?}")).collect();
        assert_eq!(shown, ["Int(1)", "Int(2)", "Text(\"x\")", "OptText(None)", "OptText(None)", "OptText(None)", "OptText(None)"]);
    }
}
