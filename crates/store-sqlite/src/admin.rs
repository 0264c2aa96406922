//! Admin accounts, sessions, setup tokens, the provisioning request log
//! and the admin pages' user browse.

use lanyard_scim::ScimError;
use lanyard_store::{
    AdminAccount, AdminRole, BrowsePage, Micros, NewAdminSession, ProvisioningRequest, StoreError, StoreResult, TenantId, UserBrowse,
    UserRow,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::error::{db, write};
use crate::rows::{self, USER_COLUMNS};

const ACCOUNT_COLUMNS: &str = "a.id, a.email, a.password_hash, a.role, a.tenant_id, t.slug, a.created_at, a.last_login_at";
const ACCOUNT_FROM: &str = "admin_accounts a LEFT JOIN tenants t ON t.id = a.tenant_id";

fn account(row: &SqliteRow) -> StoreResult<AdminAccount> {
    let role: String = row.try_get(3).map_err(db)?;
    let tenant: Option<TenantId> = row.try_get(4).map_err(db)?;
    let role = match (role.as_str(), tenant) {
        ("operator", _) => AdminRole::Operator,
        ("tenant", Some(id)) => AdminRole::TenantAdmin(id),
        (other, _) => return Err(StoreError::Database(format!("admin account with role {other:?} and tenant {tenant:?}"))),
    };
    Ok(AdminAccount {
        id: row.try_get(0).map_err(db)?,
        email: row.try_get(1).map_err(db)?,
        password_hash: row.try_get(2).map_err(db)?,
        role,
        tenant_slug: row.try_get(5).map_err(db)?,
        created_at: row.try_get(6).map_err(db)?,
        last_login_at: row.try_get(7).map_err(db)?,
    })
}

pub(crate) async fn create_account(conn: &mut SqliteConnection, a: &AdminAccount) -> StoreResult<()> {
    let (role, tenant) = match a.role {
        AdminRole::Operator => ("operator", None),
        AdminRole::TenantAdmin(id) => ("tenant", Some(id)),
    };
    sqlx::query("INSERT INTO admin_accounts (id, email, password_hash, role, tenant_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(&a.id)
        .bind(&a.email)
        .bind(&a.password_hash)
        .bind(role)
        .bind(tenant)
        .bind(a.created_at)
        .execute(&mut *conn)
        .await
        .map_err(|e| match write(e) {
            StoreError::Conflict { .. } => StoreError::Conflict { what: "email" },
            other => other,
        })?;
    Ok(())
}

pub(crate) async fn account_by_email(conn: &mut SqliteConnection, email: &str) -> StoreResult<Option<AdminAccount>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM {ACCOUNT_FROM} WHERE a.email = ?1");
    let found = sqlx::query(&sql).bind(email).fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map(account).transpose()
}

pub(crate) async fn list_accounts(conn: &mut SqliteConnection) -> StoreResult<Vec<AdminAccount>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM {ACCOUNT_FROM} ORDER BY a.created_at, a.id");
    let found = sqlx::query(&sql).fetch_all(&mut *conn).await.map_err(db)?;
    found.iter().map(account).collect()
}

pub(crate) async fn count_accounts(conn: &mut SqliteConnection) -> StoreResult<i64> {
    let found = sqlx::query("SELECT COUNT(*) FROM admin_accounts").fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map_or(Ok(0), |r| r.try_get(0).map_err(db))
}

pub(crate) async fn touch_login(conn: &mut SqliteConnection, id: &str, at: Micros) -> StoreResult<()> {
    sqlx::query("UPDATE admin_accounts SET last_login_at = ?2 WHERE id = ?1").bind(id).bind(at).execute(&mut *conn).await.map_err(db)?;
    Ok(())
}

pub(crate) async fn create_session(conn: &mut SqliteConnection, s: &NewAdminSession) -> StoreResult<()> {
    sqlx::query("INSERT INTO admin_sessions (token_hash, account_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")
        .bind(&s.token_hash)
        .bind(&s.account_id)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *conn)
        .await
        .map_err(write)?;
    Ok(())
}

pub(crate) async fn session(conn: &mut SqliteConnection, hash: &[u8], now: Micros) -> StoreResult<Option<AdminAccount>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM admin_sessions s JOIN admin_accounts a ON a.id = s.account_id \
         LEFT JOIN tenants t ON t.id = a.tenant_id \
         WHERE s.token_hash = ?1 AND s.expires_at > ?2"
    );
    let found = sqlx::query(&sql).bind(hash).bind(now).fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map(account).transpose()
}

pub(crate) async fn delete_session(conn: &mut SqliteConnection, hash: &[u8]) -> StoreResult<()> {
    sqlx::query("DELETE FROM admin_sessions WHERE token_hash = ?1").bind(hash).execute(&mut *conn).await.map_err(db)?;
    Ok(())
}

pub(crate) async fn insert_setup_token(conn: &mut SqliteConnection, hash: &[u8], at: Micros, expires: Micros) -> StoreResult<()> {
    sqlx::query("INSERT INTO admin_setup_tokens (token_hash, created_at, expires_at) VALUES (?1, ?2, ?3)")
        .bind(hash)
        .bind(at)
        .bind(expires)
        .execute(&mut *conn)
        .await
        .map_err(write)?;
    Ok(())
}

pub(crate) async fn take_setup_token(conn: &mut SqliteConnection, hash: &[u8], now: Micros) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM admin_setup_tokens WHERE token_hash = ?1 AND expires_at > ?2")
        .bind(hash)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn prune(conn: &mut SqliteConnection, now: Micros) -> StoreResult<u64> {
    let mut deleted = 0;
    for sql in ["DELETE FROM admin_sessions WHERE expires_at <= ?1", "DELETE FROM admin_setup_tokens WHERE expires_at <= ?1"] {
        deleted += sqlx::query(sql).bind(now).execute(&mut *conn).await.map_err(db)?.rows_affected();
    }
    Ok(deleted)
}

/// Rows per INSERT statement (6 parameters each, far below SQLite's limit).
const INSERT_CHUNK: usize = 200;

pub(crate) async fn record_provisioning(
    conn: &mut SqliteConnection,
    requests: &[(TenantId, ProvisioningRequest)],
    keep: i64,
) -> StoreResult<()> {
    for chunk in requests.chunks(INSERT_CHUNK) {
        let values = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!("INSERT INTO provisioning_requests (tenant_id, at, method, path, status, duration_micros) VALUES {values}");
        let mut query = sqlx::query(&sql);
        for (tenant, r) in chunk {
            query = query.bind(tenant).bind(r.at).bind(&r.method).bind(&r.path).bind(i64::from(r.status)).bind(r.duration_micros);
        }
        query.execute(&mut *conn).await.map_err(write)?;
    }
    let mut tenants: Vec<TenantId> = requests.iter().map(|(t, _)| *t).collect();
    tenants.sort_unstable();
    tenants.dedup();
    for tenant in tenants {
        sqlx::query(
            "DELETE FROM provisioning_requests WHERE tenant_id = ?1 AND id <= \
             (SELECT id FROM provisioning_requests WHERE tenant_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        )
        .bind(tenant)
        .bind(keep)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

pub(crate) async fn provisioning_requests(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    limit: i64,
) -> StoreResult<Vec<ProvisioningRequest>> {
    let found = sqlx::query(
        "SELECT at, method, path, status, duration_micros FROM provisioning_requests WHERE tenant_id = ?1 ORDER BY id DESC LIMIT ?2",
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    found
        .iter()
        .map(|r| {
            let status: i64 = r.try_get(3).map_err(db)?;
            Ok(ProvisioningRequest {
                at: r.try_get(0).map_err(db)?,
                method: r.try_get(1).map_err(db)?,
                path: r.try_get(2).map_err(db)?,
                status: u16::try_from(status).unwrap_or(0),
                duration_micros: r.try_get(4).map_err(db)?,
            })
        })
        .collect()
}

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
    let cursor = query.after.as_deref().map(Cursor::parse).transpose()?;
    match &query.user_name_prefix {
        Some(prefix) => {
            let low = prefix.to_lowercase();
            sql.push_str(" AND u.user_name_ci >= ? AND u.user_name_ci < ?");
            args.push(BrowseArg::Text(low.clone()));
            args.push(BrowseArg::Text(format!("{low}\u{10FFFF}")));
            match cursor {
                Some(Cursor::Name(after)) => {
                    sql.push_str(" AND u.user_name_ci > ?");
                    args.push(BrowseArg::Text(after));
                }
                Some(Cursor::Pk(_)) => return Err(Cursor::invalid()),
                None => {}
            }
            sql.push_str(" ORDER BY u.user_name_ci LIMIT ?");
        }
        None => {
            match cursor {
                Some(Cursor::Pk(after)) => {
                    sql.push_str(" AND u.pk > ?");
                    args.push(BrowseArg::Int(after));
                }
                Some(Cursor::Name(_)) => return Err(Cursor::invalid()),
                None => {}
            }
            sql.push_str(" ORDER BY u.pk LIMIT ?");
        }
    }
    args.push(BrowseArg::Int(query.limit.clamp(1, 1000) + 1));
    Ok((sql, args))
}

pub(crate) enum BrowseArg {
    Bool(bool),
    Text(String),
    Int(i64),
}

/// Where a browse page ends: the last row's `pk`, or its `user_name_ci`
/// when searching (opaque to callers).
enum Cursor {
    Pk(i64),
    Name(String),
}

impl Cursor {
    fn parse(s: &str) -> StoreResult<Cursor> {
        match s.split_at_checked(1) {
            Some(("p", n)) => n.parse().map(Cursor::Pk).map_err(|_| Cursor::invalid()),
            Some(("n", name)) => Ok(Cursor::Name(name.to_string())),
            _ => Err(Cursor::invalid()),
        }
    }
    fn invalid() -> StoreError {
        StoreError::Scim(ScimError::invalid_value("the page cursor is not one this listing gave"))
    }
}

pub(crate) async fn browse_users(conn: &mut SqliteConnection, tenant: TenantId, query: &UserBrowse) -> StoreResult<BrowsePage<UserRow>> {
    let (sql, args) = browse_sql(query)?;
    let mut q = sqlx::query(&sql).bind(tenant);
    for arg in &args {
        q = match arg {
            BrowseArg::Bool(b) => q.bind(*b),
            BrowseArg::Text(t) => q.bind(t.as_str()),
            BrowseArg::Int(i) => q.bind(*i),
        };
    }
    let found = q.fetch_all(&mut *conn).await.map_err(db)?;
    let limit = usize::try_from(query.limit.clamp(1, 1000)).unwrap_or(1000);
    let next = match found.len() > limit {
        true => match (found.get(limit - 1), &query.user_name_prefix) {
            (Some(last), Some(_)) => Some(format!("n{}", last.try_get::<String, _>(14).map_err(db)?)),
            (Some(last), None) => Some(format!("p{}", last.try_get::<i64, _>(13).map_err(db)?)),
            (None, _) => None,
        },
        false => None,
    };
    let items = found.iter().take(limit).map(rows::user).collect::<StoreResult<Vec<_>>>()?;
    Ok(BrowsePage { items, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use lanyard_store::{SeatStatus, Store};

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
