//! Records read from result rows. Each `*_COLUMNS` list is the SELECT list
//! its decoder expects, qualified by the table's usual alias; `json`
//! columns are read as text.

use lanyard_store::{
    AuditEvent, EmailIndex, GroupRow, MemberType, NewAuditEvent, SeatState, SeatStatus, StoreError, StoreResult, UserDoc, UserRow,
};
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::error::db;

pub(crate) const USER_COLUMNS: &str = "u.id, u.user_name, u.external_id, u.display_name, u.active, u.doc::text, \
     u.password_hash, u.version, u.created_at, u.modified_at, u.seat_status, u.seat_assigned_at, u.seat_pending_since";

pub(crate) fn user(row: &PgRow) -> StoreResult<UserRow> {
    let doc = json(row.try_get(5).map_err(db)?)?;
    Ok(UserRow {
        id: row.try_get(0).map_err(db)?,
        user_name: row.try_get(1).map_err(db)?,
        external_id: row.try_get(2).map_err(db)?,
        display_name: row.try_get(3).map_err(db)?,
        active: row.try_get(4).map_err(db)?,
        emails: EmailIndex::from_doc(&doc),
        doc,
        password_hash: row.try_get(6).map_err(db)?,
        version: row.try_get(7).map_err(db)?,
        created_at: row.try_get(8).map_err(db)?,
        modified_at: row.try_get(9).map_err(db)?,
        seat: seat(row, 10)?,
    })
}

pub(crate) const USER_DOC_COLUMNS: &str =
    "u.id, u.doc::text, u.version, u.created_at, u.modified_at, u.seat_status, u.seat_assigned_at, u.seat_pending_since, u.doc_schemas_end";

pub(crate) fn user_doc(row: &PgRow) -> StoreResult<UserDoc> {
    Ok(UserDoc {
        id: row.try_get(0).map_err(db)?,
        doc: row.try_get(1).map_err(db)?,
        version: row.try_get(2).map_err(db)?,
        created_at: row.try_get(3).map_err(db)?,
        modified_at: row.try_get(4).map_err(db)?,
        seat: seat(row, 5)?,
        plain_schemas_end: lanyard_store::plain_schemas_end(row.try_get(8).map_err(db)?),
    })
}

/// The seat columns from `first` on: status, assigned at, pending since.
fn seat(row: &PgRow, first: usize) -> StoreResult<SeatState> {
    let status: String = row.try_get(first).map_err(db)?;
    let status = SeatStatus::parse(&status).ok_or_else(|| StoreError::Database(format!("unknown seat status {status:?}")))?;
    Ok(SeatState { status, assigned_at: row.try_get(first + 1).map_err(db)?, pending_since: row.try_get(first + 2).map_err(db)? })
}

pub(crate) const GROUP_COLUMNS: &str =
    "g.id, g.display_name, g.external_id, g.doc::text, g.version, g.created_at, g.modified_at, g.member_count";

pub(crate) fn group(row: &PgRow) -> StoreResult<GroupRow> {
    Ok(GroupRow {
        id: row.try_get(0).map_err(db)?,
        display_name: row.try_get(1).map_err(db)?,
        external_id: row.try_get(2).map_err(db)?,
        doc: json(row.try_get(3).map_err(db)?)?,
        version: row.try_get(4).map_err(db)?,
        created_at: row.try_get(5).map_err(db)?,
        modified_at: row.try_get(6).map_err(db)?,
        member_count: row.try_get(7).map_err(db)?,
    })
}

pub(crate) const AUDIT_COLUMNS: &str = "a.id, a.tenant_id, a.at, a.actor, a.action, a.resource_type, a.resource_id, a.detail::text";

pub(crate) fn audit(row: &PgRow) -> StoreResult<AuditEvent> {
    Ok(AuditEvent {
        id: row.try_get(0).map_err(db)?,
        tenant_id: row.try_get(1).map_err(db)?,
        event: NewAuditEvent {
            at: row.try_get(2).map_err(db)?,
            actor: row.try_get(3).map_err(db)?,
            action: row.try_get(4).map_err(db)?,
            resource_type: row.try_get(5).map_err(db)?,
            resource_id: row.try_get(6).map_err(db)?,
            detail: json(row.try_get(7).map_err(db)?)?,
        },
    })
}

pub(crate) fn member_type(text: &str) -> StoreResult<MemberType> {
    match text {
        "User" => Ok(MemberType::User),
        "Group" => Ok(MemberType::Group),
        other => Err(StoreError::Database(format!("unknown member type {other:?}"))),
    }
}

pub(crate) fn json(text: String) -> StoreResult<Value> {
    serde_json::from_str(&text).map_err(|e| StoreError::Database(format!("stored JSON does not parse: {e}")))
}
