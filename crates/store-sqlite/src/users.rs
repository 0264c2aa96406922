//! The `users` table and its `user_emails` index rows.

use lanyard_store::{EmailIndex, MemberType, SeatState, StoreResult, TenantId, UserGroupRef, UserRow, stored_user_doc};
use sqlx::{Row, SqliteConnection};

use crate::batch::{Arg, Batch};
use crate::bind::{CHUNK, bind_ids, placeholders};
use crate::error::db;
use crate::rows::{self, USER_COLUMNS};

pub(crate) async fn get(conn: &mut SqliteConnection, tenant: TenantId, id: &str) -> StoreResult<Option<UserRow>> {
    let sql = select_one_sql();
    // fetch_all, never fetch_one: a statement left unfinished pins the
    // write-ahead log.
    let found = sqlx::query(&sql).bind(tenant).bind(id).fetch_all(&mut *conn).await.map_err(db)?;
    found.first().map(rows::user).transpose()
}

/// The columns that no index holds, written on every update.
const UNINDEXED_VALUES: &str =
    "active = ?8, doc = ?9, doc_schemas_end = ?17, password_hash = ?10, version = ?11, created_at = ?12, modified_at = ?13";
/// The indexed columns, in groups written together.
const USER_NAME_VALUES: &str = "user_name = ?3, user_name_ci = ?4";
const EXTERNAL_ID_VALUES: &str = "external_id = ?5";
const DISPLAY_NAME_VALUES: &str = "display_name = ?6, display_name_ci = ?7";
const SEAT_VALUES: &str = "seat_status = ?14, seat_assigned_at = ?15, seat_pending_since = ?16";

/// What a user's indexed columns and email rows hold, as a transaction read
/// or wrote them: an update leaves out of its `SET` what did not change,
/// since SQLite rewrites the entries of every index on a column in `SET`
/// (whether its value changed or not), and each page it touches is written
/// to the log again at commit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Indexed {
    user_name: String,
    external_id: Option<String>,
    display_name: Option<String>,
    seat: SeatState,
    emails: Vec<EmailIndex>,
}

impl Indexed {
    pub fn of(user: &UserRow) -> Indexed {
        Indexed {
            user_name: user.user_name.clone(),
            external_id: user.external_id.clone(),
            display_name: user.display_name.clone(),
            seat: user.seat,
            emails: user.emails.clone(),
        }
    }
}

/// The parameters ?1..?17 of [`push_insert`] and [`push_update`].
fn user_args(tenant: TenantId, user: &UserRow) -> Vec<Arg> {
    let (doc, doc_schemas_end) = stored_user_doc(&user.doc);
    vec![
        tenant.into(),
        user.id.as_str().into(),
        user.user_name.as_str().into(),
        user.user_name.to_lowercase().into(),
        user.external_id.clone().into(),
        user.display_name.clone().into(),
        user.display_name.as_deref().map(str::to_lowercase).into(),
        user.active.into(),
        doc.into(),
        user.password_hash.clone().into(),
        user.version.into(),
        user.created_at.into(),
        user.modified_at.into(),
        user.seat.status.as_str().into(),
        user.seat.assigned_at.into(),
        user.seat.pending_since.into(),
        doc_schemas_end.into(),
    ]
}

/// Queues the user's row and email index rows.
pub(crate) fn push_insert(batch: &mut Batch, tenant: TenantId, user: &UserRow) {
    batch.push(
        "INSERT INTO users (tenant_id, id, user_name, user_name_ci, external_id, display_name, display_name_ci, \
         active, doc, password_hash, version, created_at, modified_at, seat_status, seat_assigned_at, \
         seat_pending_since, doc_schemas_end) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        user_args(tenant, user),
    );
    push_emails(batch, tenant, user);
}

/// Queues the update of the user and its email rows: of everything when
/// `before` is unknown, else of what differs from it (see [`Indexed`]).
pub(crate) fn push_update(batch: &mut Batch, tenant: TenantId, user: &UserRow, before: Option<&Indexed>) {
    let mut set = vec![UNINDEXED_VALUES];
    let changed = |same: fn(&Indexed, &UserRow) -> bool| before.is_none_or(|b| !same(b, user));
    if changed(|b, u| b.user_name == u.user_name) {
        set.push(USER_NAME_VALUES);
    }
    if changed(|b, u| b.external_id == u.external_id) {
        set.push(EXTERNAL_ID_VALUES);
    }
    if changed(|b, u| b.display_name == u.display_name) {
        set.push(DISPLAY_NAME_VALUES);
    }
    if changed(|b, u| b.seat == u.seat) {
        set.push(SEAT_VALUES);
    }
    batch.push(&format!("UPDATE users SET {} WHERE tenant_id = ?1 AND id = ?2", set.join(", ")), user_args(tenant, user));
    if changed(|b, u| b.emails == u.emails) {
        batch.push("DELETE FROM user_emails WHERE tenant_id = ?1 AND user_id = ?2", vec![tenant.into(), user.id.as_str().into()]);
        push_emails(batch, tenant, user);
    }
}

fn push_emails(batch: &mut Batch, tenant: TenantId, user: &UserRow) {
    for chunk in user.emails.chunks(CHUNK / 3) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("(?1, ?2, ?{}, ?{}, ?{})", 3 + 3 * i, 4 + 3 * i, 5 + 3 * i)).collect();
        let sql = format!("INSERT INTO user_emails (tenant_id, user_id, value_ci, type_ci, is_primary) VALUES {}", values.join(", "));
        let mut args: Vec<Arg> = vec![tenant.into(), user.id.as_str().into()];
        for email in chunk {
            args.extend([email.value.to_lowercase().into(), email.kind.as_deref().map(str::to_lowercase).into(), email.primary.into()]);
        }
        batch.push(&sql, args);
    }
}

pub(crate) fn select_one_sql() -> String {
    format!("SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = ?1 AND u.id = ?2")
}

/// Deletes the user, its email rows and its group memberships (keeping
/// those groups' member counts right); `false` when there is no such user.
pub(crate) async fn delete(conn: &mut SqliteConnection, tenant: TenantId, id: &str) -> StoreResult<bool> {
    crate::groups::leave_all_groups(conn, tenant, id, MemberType::User.as_str()).await?;
    let done =
        sqlx::query("DELETE FROM users WHERE tenant_id = ?1 AND id = ?2").bind(tenant).bind(id).execute(&mut *conn).await.map_err(db)?;
    Ok(done.rows_affected() > 0)
}

/// Up to `?2` pending users of tenant `?1`, first come first served.
pub(crate) fn oldest_pending_sql() -> String {
    format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.tenant_id = ?1 AND u.seat_status = 'pending' \
         ORDER BY u.seat_pending_since, u.pk LIMIT ?2"
    )
}

/// Direct memberships of these users, in the order they were made.
pub(crate) async fn groups_of(conn: &mut SqliteConnection, tenant: TenantId, user_ids: &[String]) -> StoreResult<Vec<UserGroupRef>> {
    let mut out = Vec::new();
    for chunk in user_ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT gm.member_id, g.id, g.display_name FROM group_members gm \
             JOIN groups g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id \
             WHERE gm.tenant_id = ?1 AND gm.member_type = 'User' AND gm.member_id IN ({}) ORDER BY gm.seq",
            placeholders(2, chunk.len())
        );
        let found = bind_ids(sqlx::query(&sql).bind(tenant), chunk).fetch_all(&mut *conn).await.map_err(db)?;
        for row in &found {
            out.push(UserGroupRef {
                user_id: row.try_get(0).map_err(db)?,
                group_id: row.try_get(1).map_err(db)?,
                display: row.try_get(2).map_err(db)?,
            });
        }
    }
    Ok(out)
}
