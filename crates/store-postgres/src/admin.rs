//! Admin accounts, sessions, setup tokens, the provisioning request log
//! and the admin pages' user browse. The SQL is shared with SQLite
//! ([`lanyard_store::admin_sql!`]) but for the browse query, which is
//! written for PostgreSQL's planner.

use lanyard_store::{AdminAccount, BrowseArg, BrowseCursor, BrowsePage, StoreResult, TenantId, UserBrowse, UserRow};
use sqlx::PgConnection;

use crate::rows::USER_COLUMNS;
use crate::text::has_nul;

/// The shared statements; the two below that take text first refuse what
/// PostgreSQL text cannot hold (see [`crate::text`]).
mod sql {
    lanyard_store::admin_sql!(
        sqlx::PgConnection,
        row: sqlx::postgres::PgRow,
        db_error: crate::error::db,
        write_error: crate::error::db,
        browse_sql: super::browse_sql,
        user: crate::rows::user
    );
}

// The guarded functions below shadow their namesakes of this glob.
pub(crate) use sql::*;

pub(crate) async fn account_by_email(conn: &mut PgConnection, email: &str) -> StoreResult<Option<AdminAccount>> {
    if has_nul(email) {
        return Ok(None);
    }
    sql::account_by_email(conn, email).await
}

pub(crate) async fn browse_users(conn: &mut PgConnection, tenant: TenantId, query: &UserBrowse) -> StoreResult<BrowsePage<UserRow>> {
    if query.user_name_prefix.as_deref().is_some_and(has_nul) || query.after.as_deref().is_some_and(has_nul) {
        return Ok(BrowsePage { items: Vec::new(), next: None });
    }
    sql::browse_users(conn, tenant, query).await
}

/// The browse query with only the conditions asked for, so the planner
/// walks `users_listing` (creation order) or the `userName` index (search)
/// and stops after a page.
pub(crate) fn browse_sql(query: &UserBrowse) -> StoreResult<(String, Vec<BrowseArg>)> {
    let (sql, args) = browse_sql_anonymous(query)?;
    let mut numbered = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            numbered.push_str(&format!("${n}"));
        } else {
            numbered.push(c);
        }
    }
    Ok((numbered, args))
}

fn browse_sql_anonymous(query: &UserBrowse) -> StoreResult<(String, Vec<BrowseArg>)> {
    let mut sql = format!("SELECT {USER_COLUMNS}, u.pk, u.user_name_ci FROM users u WHERE u.tenant_id = ?");
    let mut args = Vec::new();
    if let Some(active) = query.active {
        sql.push_str(" AND u.active = ?");
        args.push(BrowseArg::Bool(active));
    }
    if let Some(seat) = query.seat {
        sql.push_str(" AND u.seat_status = ?");
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
