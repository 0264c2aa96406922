//! Admin accounts, sessions, setup tokens, the provisioning request log
//! and the admin pages' user browse. The SQL is shared with PostgreSQL
//! ([`lanyard_store::admin_sql!`]) but for the browse query, which is
//! written for SQLite's planner.

use lanyard_store::{BrowseArg, BrowseCursor, StoreResult, UserBrowse};
use sqlx::SqliteConnection;

use crate::rows::USER_COLUMNS;

lanyard_store::admin_sql!(
    SqliteConnection,
    row: sqlx::sqlite::SqliteRow,
    db_error: crate::error::db,
    write_error: crate::error::write,
    browse_sql: browse_sql,
    user: crate::rows::user
);

/// The browse query with only the conditions asked for, so the planner
/// walks `users_listing` (creation order) or the `userName` index (search)
/// and stops after a page. The unary `+` keeps SQLite from picking the seat
/// queue index for a status filter, which would sort every match per page.
pub(crate) fn browse_sql(query: &UserBrowse) -> StoreResult<(String, Vec<BrowseArg>)> {
    let mut sql = format!("SELECT {USER_COLUMNS}, u.pk, u.user_name_ci FROM users u WHERE u.tenant_id = ?");
    let mut args = Vec::new();
    if let Some(active) = query.active {
        sql.push_str(" AND +u.active = ?");
        args.push(BrowseArg::Bool(active));
    }
    if let Some(seat) = query.seat {
        sql.push_str(" AND +u.seat_status = ?");
        args.push(BrowseArg::Text(seat.as_str().to_string()));
    }
    let cursor = query.after.as_deref().map(BrowseCursor::parse).transpose()?;
    match &query.user_name_prefix {
        Some(prefix) => {
            let low = prefix.to_lowercase();
            sql.push_str(" AND u.user_name_ci >= ? AND u.user_name_ci < ?");
            args.push(BrowseArg::Text(low.clone()));
            args.push(BrowseArg::Text(format!("{low}\u{10FFFF}")));
            match cursor {
                Some(BrowseCursor::Name(after)) => {
                    sql.push_str(" AND u.user_name_ci > ?");
                    args.push(BrowseArg::Text(after));
                }
                Some(BrowseCursor::Pk(_)) => return Err(BrowseCursor::invalid()),
                None => {}
            }
            sql.push_str(" ORDER BY u.user_name_ci LIMIT ?");
        }
        None => {
            match cursor {
                Some(BrowseCursor::Pk(after)) => {
                    sql.push_str(" AND u.pk > ?");
                    args.push(BrowseArg::Int(after));
                }
                Some(BrowseCursor::Name(_)) => return Err(BrowseCursor::invalid()),
                None => {}
            }
            sql.push_str(" ORDER BY u.pk LIMIT ?");
        }
    }
    args.push(BrowseArg::Int(query.limit.clamp(1, 1000) + 1));
    Ok((sql, args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use lanyard_store::{SeatStatus, Store};
    use sqlx::Row;

    async fn plan_of(store: &SqliteStore, query: &UserBrowse) -> String {
        let (sql, args) = browse_sql(query).unwrap();
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut q = sqlx::query(&explain).bind(1_i64);
        for arg in &args {
            q = match arg {
                BrowseArg::Bool(b) => q.bind(*b),
                BrowseArg::Text(t) => q.bind(t.clone()),
                BrowseArg::Int(i) => q.bind(*i),
            };
        }
        let mut conn = store.read().await.unwrap();
        let rows = q.fetch_all(&mut *conn).await.unwrap();
        rows.iter().map(|r| r.get::<String, _>("detail")).collect::<Vec<_>>().join("\n")
    }

    #[tokio::test]
    async fn browsing_users_walks_an_index_in_page_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("browse.db").to_str().unwrap()).await.unwrap();
        store.migrate().await.unwrap();
        let cases = [
            (UserBrowse { limit: 50, ..Default::default() }, "users_listing"),
            (UserBrowse { limit: 50, after: Some("p100".into()), active: Some(true), ..Default::default() }, "users_listing"),
            (UserBrowse { limit: 50, seat: Some(SeatStatus::Pending), after: Some("p7".into()), ..Default::default() }, "users_listing"),
            (UserBrowse { limit: 50, user_name_prefix: Some("Ann".into()), ..Default::default() }, "sqlite_autoindex_users_2"),
            (
                UserBrowse {
                    limit: 50,
                    user_name_prefix: Some("a".into()),
                    after: Some("nann@x".into()),
                    active: Some(false),
                    ..Default::default()
                },
                "sqlite_autoindex_users_2",
            ),
        ];
        for (query, index) in cases {
            let plan = plan_of(&store, &query).await;
            assert!(plan.contains(index), "{index} not used:\n{plan}");
            assert!(!plan.lines().any(|l| l.starts_with("SCAN")), "full scan:\n{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "sorts:\n{plan}");
        }
        assert!(browse_sql(&UserBrowse { after: Some("nx".into()), ..Default::default() }).is_err(), "a search cursor without a search");
        assert!(browse_sql(&UserBrowse { after: Some("garbage".into()), ..Default::default() }).is_err());
    }
}
