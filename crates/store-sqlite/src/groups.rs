//! The `groups` table and `group_members`. A group's `member_count` moves
//! with every membership written or removed, so listing groups never
//! counts members.

use lanyard_store::{GroupRow, MemberRef, MemberRow, MemberType, StoreResult, TenantId};
use sqlx::{Row, SqliteConnection};

use crate::bind::{CHUNK, bind_ids, placeholders};
use crate::error::{db, write};
use crate::rows::{self, GROUP_COLUMNS, member_type};

pub(crate) async fn get(conn: &mut SqliteConnection, tenant: TenantId, id: &str) -> StoreResult<Option<GroupRow>> {
    let sql = format!("SELECT {GROUP_COLUMNS} FROM groups g WHERE g.tenant_id = ?1 AND g.id = ?2");
    let found = sqlx::query(&sql).bind(tenant).bind(id).fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map(rows::group).transpose()
}

/// Inserts the group without members (`add_members` adds them).
pub(crate) async fn insert(conn: &mut SqliteConnection, tenant: TenantId, group: &GroupRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO groups (tenant_id, id, display_name, display_name_ci, external_id, doc, version, \
         created_at, modified_at, member_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)",
    )
    .bind(tenant)
    .bind(&group.id)
    .bind(&group.display_name)
    .bind(group.display_name.to_lowercase())
    .bind(&group.external_id)
    .bind(group.doc.to_string())
    .bind(group.version)
    .bind(group.created_at)
    .bind(group.modified_at)
    .execute(&mut *conn)
    .await
    .map_err(write)?;
    Ok(())
}

/// `false` when there is no such group.
pub(crate) async fn update(conn: &mut SqliteConnection, tenant: TenantId, group: &GroupRow) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE groups SET display_name = ?3, display_name_ci = ?4, external_id = ?5, doc = ?6, version = ?7, \
         modified_at = ?8 WHERE tenant_id = ?1 AND id = ?2",
    )
    .bind(tenant)
    .bind(&group.id)
    .bind(&group.display_name)
    .bind(group.display_name.to_lowercase())
    .bind(&group.external_id)
    .bind(group.doc.to_string())
    .bind(group.version)
    .bind(group.modified_at)
    .execute(&mut *conn)
    .await
    .map_err(write)?;
    Ok(done.rows_affected() > 0)
}

/// Deletes the group with its member list, and takes it out of the groups
/// it is itself a member of.
pub(crate) async fn delete(conn: &mut SqliteConnection, tenant: TenantId, id: &str) -> StoreResult<bool> {
    leave_all_groups(conn, tenant, id, MemberType::Group.as_str()).await?;
    let done =
        sqlx::query("DELETE FROM groups WHERE tenant_id = ?1 AND id = ?2").bind(tenant).bind(id).execute(&mut *conn).await.map_err(db)?;
    Ok(done.rows_affected() > 0)
}

/// Removes a user or group from every group it is a member of.
pub(crate) async fn leave_all_groups(conn: &mut SqliteConnection, tenant: TenantId, member_id: &str, kind: &str) -> StoreResult<()> {
    // Losing a member is a change of those groups: a new version (ETag).
    sqlx::query(
        "UPDATE groups SET member_count = member_count - 1, version = version + 1, modified_at = ?4 \
         WHERE tenant_id = ?1 AND id IN \
         (SELECT group_id FROM group_members WHERE tenant_id = ?1 AND member_id = ?2 AND member_type = ?3)",
    )
    .bind(tenant)
    .bind(member_id)
    .bind(kind)
    .bind(lanyard_scim::time::now_micros())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query("DELETE FROM group_members WHERE tenant_id = ?1 AND member_id = ?2 AND member_type = ?3")
        .bind(tenant)
        .bind(member_id)
        .bind(kind)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

async fn adjust_count(conn: &mut SqliteConnection, tenant: TenantId, group_id: &str, delta: i64) -> StoreResult<()> {
    if delta != 0 {
        sqlx::query("UPDATE groups SET member_count = member_count + ?3 WHERE tenant_id = ?1 AND id = ?2")
            .bind(tenant)
            .bind(group_id)
            .bind(delta)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Adds the members that are not members yet, touching only their rows;
/// returns how many were added. `NotFound` when the group does not exist.
pub(crate) async fn add_members(conn: &mut SqliteConnection, tenant: TenantId, group_id: &str, members: &[MemberRef]) -> StoreResult<u64> {
    let mut added = 0;
    for chunk in members.chunks(CHUNK / 2) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("(?1, ?2, ?{}, ?{})", 3 + 2 * i, 4 + 2 * i)).collect();
        let sql = format!(
            "INSERT INTO group_members (tenant_id, group_id, member_id, member_type) VALUES {} \
             ON CONFLICT (tenant_id, group_id, member_id) DO NOTHING",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(tenant).bind(group_id);
        for member in chunk {
            query = query.bind(&member.id).bind(member.kind.as_str());
        }
        added += query.execute(&mut *conn).await.map_err(write)?.rows_affected();
    }
    adjust_count(conn, tenant, group_id, i64::try_from(added).unwrap_or(i64::MAX)).await?;
    Ok(added)
}

/// Removes these members, touching only their rows; returns how many were members.
pub(crate) async fn remove_members(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    group_id: &str,
    member_ids: &[String],
) -> StoreResult<u64> {
    let mut removed = 0;
    for chunk in member_ids.chunks(CHUNK) {
        let sql =
            format!("DELETE FROM group_members WHERE tenant_id = ?1 AND group_id = ?2 AND member_id IN ({})", placeholders(3, chunk.len()));
        let query = bind_ids(sqlx::query(&sql).bind(tenant).bind(group_id), chunk);
        removed += query.execute(&mut *conn).await.map_err(db)?.rows_affected();
    }
    adjust_count(conn, tenant, group_id, -i64::try_from(removed).unwrap_or(i64::MAX)).await?;
    Ok(removed)
}

pub(crate) async fn clear_members(conn: &mut SqliteConnection, tenant: TenantId, group_id: &str) -> StoreResult<u64> {
    let removed = sqlx::query("DELETE FROM group_members WHERE tenant_id = ?1 AND group_id = ?2")
        .bind(tenant)
        .bind(group_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
    sqlx::query("UPDATE groups SET member_count = 0 WHERE tenant_id = ?1 AND id = ?2")
        .bind(tenant)
        .bind(group_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(removed)
}

/// Which of these ids are users or groups of the tenant.
pub(crate) async fn resolve_member_ids(conn: &mut SqliteConnection, tenant: TenantId, ids: &[String]) -> StoreResult<Vec<MemberRef>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let list = placeholders(2, chunk.len());
        let sql = format!(
            "SELECT id, 'User' FROM users WHERE tenant_id = ?1 AND id IN ({list}) \
             UNION ALL SELECT id, 'Group' FROM groups WHERE tenant_id = ?1 AND id IN ({list})"
        );
        let found = bind_ids(sqlx::query(&sql).bind(tenant), chunk).fetch_all(&mut *conn).await.map_err(db)?;
        for row in &found {
            let kind: String = row.try_get(1).map_err(db)?;
            out.push(MemberRef { id: row.try_get(0).map_err(db)?, kind: member_type(&kind)? });
        }
    }
    Ok(out)
}

/// All members of one group, in insertion order.
pub(crate) async fn member_refs(conn: &mut SqliteConnection, tenant: TenantId, group_id: &str) -> StoreResult<Vec<MemberRef>> {
    let found = sqlx::query("SELECT member_id, member_type FROM group_members WHERE tenant_id = ?1 AND group_id = ?2 ORDER BY seq")
        .bind(tenant)
        .bind(group_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    found
        .iter()
        .map(|row| {
            let kind: String = row.try_get(1).map_err(db)?;
            Ok(MemberRef { id: row.try_get(0).map_err(db)?, kind: member_type(&kind)? })
        })
        .collect()
}

/// Which of these ids are members of the group, in insertion order.
pub(crate) async fn members_among(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    group_id: &str,
    ids: &[String],
) -> StoreResult<Vec<MemberRef>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT member_id, member_type FROM group_members WHERE tenant_id = ?1 AND group_id = ?2 AND member_id IN ({}) ORDER BY seq",
            placeholders(3, chunk.len())
        );
        let found = bind_ids(sqlx::query(&sql).bind(tenant).bind(group_id), chunk).fetch_all(&mut *conn).await.map_err(db)?;
        for row in &found {
            let kind: String = row.try_get(1).map_err(db)?;
            out.push(MemberRef { id: row.try_get(0).map_err(db)?, kind: member_type(&kind)? });
        }
    }
    Ok(out)
}

/// Members of these groups in insertion order, each with a display name:
/// a user's displayName (else userName), a nested group's displayName.
pub(crate) async fn members_of(conn: &mut SqliteConnection, tenant: TenantId, group_ids: &[String]) -> StoreResult<Vec<MemberRow>> {
    let mut out = Vec::new();
    for chunk in group_ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT m.group_id, m.member_id, m.member_type, CASE m.member_type \
               WHEN 'User' THEN (SELECT COALESCE(NULLIF(u.display_name, ''), u.user_name) FROM users u \
                                 WHERE u.tenant_id = m.tenant_id AND u.id = m.member_id) \
               ELSE (SELECT g.display_name FROM groups g WHERE g.tenant_id = m.tenant_id AND g.id = m.member_id) END \
             FROM group_members m WHERE m.tenant_id = ?1 AND m.group_id IN ({}) ORDER BY m.seq",
            placeholders(2, chunk.len())
        );
        let found = bind_ids(sqlx::query(&sql).bind(tenant), chunk).fetch_all(&mut *conn).await.map_err(db)?;
        for row in &found {
            let kind: String = row.try_get(2).map_err(db)?;
            out.push(MemberRow {
                group_id: row.try_get(0).map_err(db)?,
                member_id: row.try_get(1).map_err(db)?,
                kind: member_type(&kind)?,
                display: row.try_get(3).map_err(db)?,
            });
        }
    }
    Ok(out)
}
