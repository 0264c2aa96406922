//! The `groups` table and `group_members`. A group's `member_count` moves
//! with every membership written or removed, so listing groups never
//! counts members.

use lanyard_store::{GroupRow, MemberRef, MemberRow, MemberType, StoreResult, TenantId};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::error::db;
use crate::rows::{self, GROUP_COLUMNS, member_type};
use crate::text::{self, has_nul};

pub(crate) async fn get(conn: &mut PgConnection, tenant: TenantId, id: &str) -> StoreResult<Option<GroupRow>> {
    if has_nul(id) {
        return Ok(None);
    }
    let sql = format!("SELECT {GROUP_COLUMNS} FROM groups g WHERE g.tenant_id = $1 AND g.id = $2");
    let found = sqlx::query(&sql).bind(tenant).bind(id).fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map(rows::group).transpose()
}

/// Inserts the group without members (`add_members` adds them).
pub(crate) async fn insert(conn: &mut PgConnection, tenant: TenantId, group: &GroupRow) -> StoreResult<()> {
    text::check_group(group)?;
    sqlx::query(
        "INSERT INTO groups (tenant_id, id, display_name, display_name_ci, external_id, doc, version, \
         created_at, modified_at, member_count) VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9, 0)",
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
    .map_err(db)?;
    Ok(())
}

/// `false` when there is no such group.
pub(crate) async fn update(conn: &mut PgConnection, tenant: TenantId, group: &GroupRow) -> StoreResult<bool> {
    text::check_group(group)?;
    let done = sqlx::query(
        "UPDATE groups SET display_name = $3, display_name_ci = $4, external_id = $5, doc = $6::json, version = $7, \
         modified_at = $8 WHERE tenant_id = $1 AND id = $2",
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
    .map_err(db)?;
    Ok(done.rows_affected() > 0)
}

/// Deletes the group with its member list, and takes it out of the groups
/// it is itself a member of.
pub(crate) async fn delete(conn: &mut PgConnection, tenant: TenantId, id: &str) -> StoreResult<bool> {
    if has_nul(id) {
        return Ok(false);
    }
    leave_all_groups(conn, tenant, id, MemberType::Group.as_str()).await?;
    let done =
        sqlx::query("DELETE FROM groups WHERE tenant_id = $1 AND id = $2").bind(tenant).bind(id).execute(&mut *conn).await.map_err(db)?;
    Ok(done.rows_affected() > 0)
}

/// Removes a user or group from every group it is a member of.
pub(crate) async fn leave_all_groups(conn: &mut PgConnection, tenant: TenantId, member_id: &str, kind: &str) -> StoreResult<()> {
    // Losing a member is a change of those groups: a new version (ETag).
    sqlx::query(
        "UPDATE groups SET member_count = member_count - 1, version = version + 1, modified_at = $4 \
         WHERE tenant_id = $1 AND id IN \
         (SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2 AND member_type = $3)",
    )
    .bind(tenant)
    .bind(member_id)
    .bind(kind)
    .bind(lanyard_scim::time::now_micros())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND member_id = $2 AND member_type = $3")
        .bind(tenant)
        .bind(member_id)
        .bind(kind)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

async fn adjust_count(conn: &mut PgConnection, tenant: TenantId, group_id: &str, delta: i64) -> StoreResult<()> {
    if delta != 0 {
        sqlx::query("UPDATE groups SET member_count = member_count + $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(group_id)
            .bind(delta)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Adds the members that are not members yet, in the order given, touching
/// only their rows; returns how many were added. `NotFound` when the group
/// does not exist.
pub(crate) async fn add_members(conn: &mut PgConnection, tenant: TenantId, group_id: &str, members: &[MemberRef]) -> StoreResult<u64> {
    if members.is_empty() {
        return Ok(0);
    }
    // No stored group or member id holds U+0000 (and a member's group must exist).
    if has_nul(group_id) {
        return Err(lanyard_store::StoreError::NotFound);
    }
    let members: Vec<&MemberRef> = members.iter().filter(|m| !has_nul(&m.id)).collect();
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let kinds: Vec<&str> = members.iter().map(|m| m.kind.as_str()).collect();
    // Identities are drawn in the order the rows are produced: the
    // ORDER BY keeps the members' order as seq.
    let added = sqlx::query(
        "INSERT INTO group_members (tenant_id, group_id, member_id, member_type) \
         SELECT $1, $2, m.id, m.kind FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS m (id, kind, n) ORDER BY m.n \
         ON CONFLICT (tenant_id, group_id, member_id) DO NOTHING",
    )
    .bind(tenant)
    .bind(group_id)
    .bind(ids)
    .bind(kinds)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    adjust_count(conn, tenant, group_id, i64::try_from(added).unwrap_or(i64::MAX)).await?;
    Ok(added)
}

/// Removes these members, touching only their rows; returns how many were members.
pub(crate) async fn remove_members(conn: &mut PgConnection, tenant: TenantId, group_id: &str, member_ids: &[String]) -> StoreResult<u64> {
    let ids = text::storable(member_ids);
    if ids.is_empty() || has_nul(group_id) {
        return Ok(0);
    }
    let removed = sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3)")
        .bind(tenant)
        .bind(group_id)
        .bind(ids)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
    adjust_count(conn, tenant, group_id, -i64::try_from(removed).unwrap_or(i64::MAX)).await?;
    Ok(removed)
}

pub(crate) async fn clear_members(conn: &mut PgConnection, tenant: TenantId, group_id: &str) -> StoreResult<u64> {
    if has_nul(group_id) {
        return Ok(0);
    }
    let removed = sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2")
        .bind(tenant)
        .bind(group_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
    sqlx::query("UPDATE groups SET member_count = 0 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(group_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(removed)
}

/// Which of these ids are users or groups of the tenant.
pub(crate) async fn resolve_member_ids(conn: &mut PgConnection, tenant: TenantId, ids: &[String]) -> StoreResult<Vec<MemberRef>> {
    let ids = text::storable(ids);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = sqlx::query(
        "SELECT id, 'User' FROM users WHERE tenant_id = $1 AND id = ANY($2) \
         UNION ALL SELECT id, 'Group' FROM groups WHERE tenant_id = $1 AND id = ANY($2)",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    found.iter().map(member_ref).collect()
}

fn member_ref(row: &PgRow) -> StoreResult<MemberRef> {
    let kind: String = row.try_get(1).map_err(db)?;
    Ok(MemberRef { id: row.try_get(0).map_err(db)?, kind: member_type(&kind)? })
}

/// All members of one group, in insertion order.
pub(crate) async fn member_refs(conn: &mut PgConnection, tenant: TenantId, group_id: &str) -> StoreResult<Vec<MemberRef>> {
    if has_nul(group_id) {
        return Ok(Vec::new());
    }
    let found = sqlx::query("SELECT member_id, member_type FROM group_members WHERE tenant_id = $1 AND group_id = $2 ORDER BY seq")
        .bind(tenant)
        .bind(group_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    found.iter().map(member_ref).collect()
}

/// Which of these ids are members of the group, in insertion order.
pub(crate) async fn members_among(
    conn: &mut PgConnection,
    tenant: TenantId,
    group_id: &str,
    ids: &[String],
) -> StoreResult<Vec<MemberRef>> {
    let ids = text::storable(ids);
    if ids.is_empty() || has_nul(group_id) {
        return Ok(Vec::new());
    }
    let found = sqlx::query(
        "SELECT member_id, member_type FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3) ORDER BY seq",
    )
    .bind(tenant)
    .bind(group_id)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    found.iter().map(member_ref).collect()
}

/// Members of these groups in insertion order, each with a display name:
/// a user's displayName (else userName), a nested group's displayName.
pub(crate) async fn members_of(conn: &mut PgConnection, tenant: TenantId, group_ids: &[String]) -> StoreResult<Vec<MemberRow>> {
    let ids = text::storable(group_ids);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = sqlx::query(
        "SELECT m.group_id, m.member_id, m.member_type, CASE m.member_type \
           WHEN 'User' THEN (SELECT COALESCE(NULLIF(u.display_name, ''), u.user_name) FROM users u \
                             WHERE u.tenant_id = m.tenant_id AND u.id = m.member_id) \
           ELSE (SELECT g.display_name FROM groups g WHERE g.tenant_id = m.tenant_id AND g.id = m.member_id) END \
         FROM group_members m WHERE m.tenant_id = $1 AND m.group_id = ANY($2) ORDER BY m.seq",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    found
        .iter()
        .map(|row| {
            let kind: String = row.try_get(2).map_err(db)?;
            Ok(MemberRow {
                group_id: row.try_get(0).map_err(db)?,
                member_id: row.try_get(1).map_err(db)?,
                kind: member_type(&kind)?,
                display: row.try_get(3).map_err(db)?,
            })
        })
        .collect()
}
