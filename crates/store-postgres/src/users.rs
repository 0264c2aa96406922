//! The `users` table and its `user_emails` index rows.

use lanyard_store::{MemberType, StoreResult, TenantId, USER_SESSION_TABLES, UserGroupRef, UserRow, stored_user_doc};
use sqlx::{PgConnection, Row};

use crate::bind::PgQuery;
use crate::error::db;
use crate::rows::{self, USER_COLUMNS};
use crate::text::{self, has_nul};

pub(crate) async fn get(conn: &mut PgConnection, tenant: TenantId, id: &str) -> StoreResult<Option<UserRow>> {
    if has_nul(id) {
        return Ok(None);
    }
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = $1 AND u.id = $2");
    let found = sqlx::query(&sql).bind(tenant).bind(id).fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map(rows::user).transpose()
}

/// The seat queue is first come, first served in the order users joined
/// it, even when instances' clocks disagree. A user joins the queue in the
/// transaction that adds to the tenant's pending counter (the seat rules
/// move counters and rows together); when `$17` says this is such a
/// transaction, a user written pending (`$14`) is stamped no earlier than
/// 1 µs after the newest user already queued, so `oldest_pending` (by
/// `seat_pending_since`) returns users in commit order. Writes of a tenant
/// are serialised by its row lock: the newest stamp cannot change under
/// the statement. Other writes, such as an import restoring users, keep
/// their stamps as given. `$2` is the user's own id, left out for an update.
const PENDING_SINCE: &str = "CASE WHEN $17 AND $14 = 'pending' AND $16::bigint IS NOT NULL THEN GREATEST($16, \
     (SELECT MAX(q.seat_pending_since) + 1 FROM users q \
      WHERE q.tenant_id = $1 AND q.seat_status = 'pending' AND q.id <> $2)) ELSE $16 END";

/// The parameters $1..$18 of [`insert`] and [`update`]; `joining`: the
/// transaction added to the queue.
fn bind_user<'q>(query: PgQuery<'q>, tenant: TenantId, user: &'q UserRow, joining: bool) -> PgQuery<'q> {
    let (doc, doc_schemas_end) = stored_user_doc(&user.doc);
    query
        .bind(tenant)
        .bind(user.id.as_str())
        .bind(user.user_name.as_str())
        .bind(user.user_name.to_lowercase())
        .bind(user.external_id.as_deref())
        .bind(user.display_name.as_deref())
        .bind(user.display_name.as_deref().map(str::to_lowercase))
        .bind(user.active)
        .bind(doc)
        .bind(user.password_hash.as_deref())
        .bind(user.version)
        .bind(user.created_at)
        .bind(user.modified_at)
        .bind(user.seat.status.as_str())
        .bind(user.seat.assigned_at)
        .bind(user.seat.pending_since)
        .bind(joining)
        .bind(doc_schemas_end)
}

/// Inserts the user's row and email index rows.
pub(crate) async fn insert(conn: &mut PgConnection, tenant: TenantId, user: &UserRow, joining: bool) -> StoreResult<()> {
    text::check_user(user)?;
    let sql = format!(
        "INSERT INTO users (tenant_id, id, user_name, user_name_ci, external_id, display_name, display_name_ci, \
         active, doc, password_hash, version, created_at, modified_at, seat_status, seat_assigned_at, \
         seat_pending_since, doc_schemas_end) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10, $11, $12, $13, $14, $15, \
         {PENDING_SINCE}, $18)"
    );
    bind_user(sqlx::query(&sql), tenant, user, joining).execute(&mut *conn).await.map_err(db)?;
    insert_emails(conn, tenant, user).await
}

/// Replaces every column of the user and its email rows. A user already
/// pending with the stamp given keeps its place.
pub(crate) async fn update(conn: &mut PgConnection, tenant: TenantId, user: &UserRow, joining: bool) -> StoreResult<()> {
    text::check_user(user)?;
    let sql = format!(
        "UPDATE users SET user_name = $3, user_name_ci = $4, external_id = $5, display_name = $6, display_name_ci = $7, \
         active = $8, doc = $9::json, doc_schemas_end = $18, password_hash = $10, version = $11, created_at = $12, modified_at = $13, \
         seat_status = $14, seat_assigned_at = $15, seat_pending_since = CASE \
           WHEN users.seat_status = 'pending' AND users.seat_pending_since IS NOT DISTINCT FROM $16 THEN $16 \
           ELSE {PENDING_SINCE} END \
         WHERE tenant_id = $1 AND id = $2"
    );
    bind_user(sqlx::query(&sql), tenant, user, joining).execute(&mut *conn).await.map_err(db)?;
    sqlx::query("DELETE FROM user_emails WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant)
        .bind(&user.id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    insert_emails(conn, tenant, user).await
}

/// All of a user's email rows in one statement.
async fn insert_emails(conn: &mut PgConnection, tenant: TenantId, user: &UserRow) -> StoreResult<()> {
    if user.emails.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = user.emails.iter().map(|e| e.value.to_lowercase()).collect();
    let kinds: Vec<Option<String>> = user.emails.iter().map(|e| e.kind.as_deref().map(str::to_lowercase)).collect();
    let primary: Vec<bool> = user.emails.iter().map(|e| e.primary).collect();
    sqlx::query(
        "INSERT INTO user_emails (tenant_id, user_id, value_ci, type_ci, is_primary) \
         SELECT $1, $2, e.value_ci, e.type_ci, e.is_primary \
         FROM unnest($3::text[], $4::text[], $5::boolean[]) AS e (value_ci, type_ci, is_primary)",
    )
    .bind(tenant)
    .bind(&user.id)
    .bind(values)
    .bind(kinds)
    .bind(primary)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Deletes the user's sessions and tokens in one statement.
pub(crate) async fn end_sessions(conn: &mut PgConnection, tenant: TenantId, id: &str) -> StoreResult<()> {
    if has_nul(id) {
        return Ok(());
    }
    let [first, rest @ ..] = USER_SESSION_TABLES;
    let ctes: Vec<String> =
        rest.iter().enumerate().map(|(n, table)| format!("d{n} AS (DELETE FROM {table} WHERE tenant_id = $1 AND user_id = $2)")).collect();
    let sql = format!("WITH {} DELETE FROM {first} WHERE tenant_id = $1 AND user_id = $2", ctes.join(", "));
    sqlx::query(&sql).bind(tenant).bind(id).execute(&mut *conn).await.map_err(db)?;
    Ok(())
}

/// Deletes the user, its email rows and its group memberships (keeping
/// those groups' member counts right); `false` when there is no such user.
pub(crate) async fn delete(conn: &mut PgConnection, tenant: TenantId, id: &str) -> StoreResult<bool> {
    if has_nul(id) {
        return Ok(false);
    }
    crate::groups::leave_all_groups(conn, tenant, id, MemberType::User.as_str()).await?;
    let done =
        sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND id = $2").bind(tenant).bind(id).execute(&mut *conn).await.map_err(db)?;
    Ok(done.rows_affected() > 0)
}

/// Up to `n` pending users of the tenant, first come first served.
pub(crate) async fn oldest_pending(conn: &mut PgConnection, tenant: TenantId, n: i64) -> StoreResult<Vec<UserRow>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = $1 AND u.seat_status = 'pending' \
         ORDER BY u.seat_pending_since, u.pk LIMIT $2"
    );
    let found = sqlx::query(&sql).bind(tenant).bind(n.max(0)).fetch_all(&mut *conn).await.map_err(db)?;
    found.iter().map(rows::user).collect()
}

/// Direct memberships of these users, in the order they were made.
pub(crate) async fn groups_of(conn: &mut PgConnection, tenant: TenantId, user_ids: &[String]) -> StoreResult<Vec<UserGroupRef>> {
    let ids = text::storable(user_ids);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = sqlx::query(
        "SELECT gm.member_id, g.id, g.display_name FROM group_members gm \
         JOIN groups g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id \
         WHERE gm.tenant_id = $1 AND gm.member_type = 'User' AND gm.member_id = ANY($2) ORDER BY gm.seq",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    found
        .iter()
        .map(|row| {
            Ok(UserGroupRef {
                user_id: row.try_get(0).map_err(db)?,
                group_id: row.try_get(1).map_err(db)?,
                display: row.try_get(2).map_err(db)?,
            })
        })
        .collect()
}
