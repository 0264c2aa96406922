//! A tenant's write transaction on the writer connection.
//!
//! `BEGIN IMMEDIATE` takes the database's write lock, so a transaction never
//! fails half-way with SQLITE_BUSY. Statements whose answers are not needed
//! wait in a [`Batch`] and travel with the next one that is (or `COMMIT`).
//! A transaction dropped uncommitted marks the connection stale; whoever
//! takes the writer next rolls it back first ([`crate::Writer::acquire`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use lanyard_store::{
    GroupRow, MemberRef, NewAuditEvent, NewEvent, SeatCounters, SeatLedger, StoreError, StoreResult, StoreTx, TenantId,
    USER_SESSION_TABLES, UserGroupRef, UserRow,
};

use crate::batch::{Arg, Batch};
use crate::pool::Conn;
use crate::rows;
use crate::{audit, events, groups, list, users};

pub(crate) struct SqliteTx {
    conn: Conn,
    tenant: TenantId,
    pending: Batch,
    /// The tenant's seat counters, read with the first statement that needs
    /// them and written back once before COMMIT.
    seats: SeatLedger,
    /// Something reached the database: an open transaction to end.
    sent: bool,
    committed: bool,
    stale: Arc<AtomicBool>,
    /// The users this transaction read or wrote, as it last saw them.
    seen: HashMap<String, users::Indexed>,
}

impl SqliteTx {
    pub fn begin(conn: Conn, tenant: TenantId, stale: Arc<AtomicBool>) -> Self {
        let mut pending = Batch::default();
        pending.push("BEGIN IMMEDIATE", Vec::new());
        SqliteTx { conn, tenant, pending, seats: SeatLedger::default(), sent: false, committed: false, stale, seen: HashMap::new() }
    }

    /// Sends the pending statements, for the operations that run their own.
    async fn flush(&mut self) -> StoreResult<()> {
        self.sent = true;
        self.pending.execute(&mut self.conn).await.map(|_| ())
    }

    async fn fetch(&mut self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<sqlx::sqlite::SqliteRow>> {
        self.sent = true;
        self.pending.fetch(&mut self.conn, sql, args).await
    }

    fn saw(&mut self, user: &UserRow) {
        self.seen.insert(user.id.clone(), users::Indexed::of(user));
    }

    /// The seat counters as this transaction sees them, read on first use.
    async fn ledger(&mut self) -> StoreResult<&mut SeatLedger> {
        if !self.seats.is_read() {
            let sql = format!("SELECT {SEAT_COLUMNS} FROM tenants t WHERE t.id = ?1");
            let found = self.fetch(&sql, vec![self.tenant.into()]).await?;
            let row = found.first().ok_or(StoreError::NotFound)?;
            self.seats.read(seat_counters(row)?);
        }
        Ok(&mut self.seats)
    }
}

/// The tenant's seat counters, selected beside other columns.
const SEAT_COLUMNS: &str = "t.seat_limit AS t_seat_limit, t.seats_assigned AS t_seats_assigned, t.seats_pending AS t_seats_pending";

fn seat_counters(row: &sqlx::sqlite::SqliteRow) -> StoreResult<SeatCounters> {
    use sqlx::Row;
    let get = |column: &str| row.try_get::<Option<i64>, _>(column).map_err(crate::error::db);
    Ok(SeatCounters {
        limit: get("t_seat_limit")?,
        assigned: get("t_seats_assigned")?.unwrap_or(0),
        pending: get("t_seats_pending")?.unwrap_or(0),
    })
}

impl SqliteTx {
    /// Queues the seat counters' net change (and a new limit) for COMMIT.
    fn write_seats(&mut self) {
        if let Some(limit) = self.seats.new_limit() {
            self.pending.push("UPDATE tenants SET seat_limit = ?2 WHERE id = ?1", vec![self.tenant.into(), limit.into()]);
        }
        if let Some((assigned, pending)) = self.seats.delta() {
            self.pending.push(
                "UPDATE tenants SET seats_assigned = seats_assigned + ?2, seats_pending = seats_pending + ?3 WHERE id = ?1",
                vec![self.tenant.into(), assigned.into(), pending.into()],
            );
        }
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.sent && !self.committed {
            self.stale.store(true, Ordering::SeqCst);
        }
    }
}

#[async_trait]
impl StoreTx for SqliteTx {
    async fn seat_counters(&mut self) -> StoreResult<SeatCounters> {
        self.ledger().await?.current().ok_or(StoreError::NotFound)
    }

    async fn try_take_seat(&mut self) -> StoreResult<bool> {
        self.ledger().await?.try_take().ok_or(StoreError::NotFound)
    }

    async fn adjust_seat_counters(&mut self, assigned: i64, pending: i64) -> StoreResult<()> {
        self.seats.adjust(assigned, pending);
        Ok(())
    }

    async fn set_seat_limit(&mut self, limit: Option<i64>) -> StoreResult<()> {
        self.seats.set_limit(limit);
        Ok(())
    }

    async fn oldest_pending(&mut self, n: i64) -> StoreResult<Vec<UserRow>> {
        let found = self.fetch(&users::oldest_pending_sql(), vec![self.tenant.into(), n.max(0).into()]).await?;
        let users = found.iter().map(rows::user).collect::<StoreResult<Vec<UserRow>>>()?;
        users.iter().for_each(|u| self.saw(u));
        Ok(users)
    }

    async fn user(&mut self, id: &str) -> StoreResult<Option<UserRow>> {
        let found = self.fetch(&users::select_one_sql(), vec![self.tenant.into(), id.into()]).await?;
        let user = found.first().map(rows::user).transpose()?;
        user.iter().for_each(|u| self.saw(u));
        Ok(user)
    }

    async fn user_with_groups(&mut self, id: &str) -> StoreResult<Option<(UserRow, Vec<UserGroupRef>)>> {
        // The seat counters come along: changing a user often moves a seat.
        let sql = format!(
            "SELECT {}, {}, {SEAT_COLUMNS} FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.tenant_id = ?1 AND u.id = ?2",
            rows::USER_COLUMNS,
            list::USER_GROUPS_COLUMN
        );
        let found = self.fetch(&sql, vec![self.tenant.into(), id.into()]).await?;
        let Some(row) = found.first() else { return Ok(None) };
        self.seats.read(seat_counters(row)?);
        let user = rows::user(row)?;
        self.saw(&user);
        Ok(Some((user, list::user_groups(row)?)))
    }

    async fn insert_user(&mut self, user: &UserRow) -> StoreResult<()> {
        users::push_insert(&mut self.pending, self.tenant, user);
        self.saw(user);
        Ok(())
    }

    /// Callers update a user they read in this transaction, so it exists.
    async fn update_user(&mut self, user: &UserRow) -> StoreResult<()> {
        users::push_update(&mut self.pending, self.tenant, user, self.seen.get(&user.id));
        self.saw(user);
        Ok(())
    }

    async fn delete_user(&mut self, id: &str) -> StoreResult<bool> {
        self.seen.remove(id);
        self.flush().await?;
        users::delete(&mut self.conn, self.tenant, id).await
    }

    async fn end_user_sessions(&mut self, id: &str) -> StoreResult<()> {
        for table in USER_SESSION_TABLES {
            self.pending.push(&format!("DELETE FROM {table} WHERE tenant_id = ?1 AND user_id = ?2"), vec![self.tenant.into(), id.into()]);
        }
        Ok(())
    }

    async fn group(&mut self, id: &str) -> StoreResult<Option<GroupRow>> {
        self.flush().await?;
        groups::get(&mut self.conn, self.tenant, id).await
    }

    async fn insert_group(&mut self, group: &GroupRow) -> StoreResult<()> {
        self.flush().await?;
        groups::insert(&mut self.conn, self.tenant, group).await
    }

    async fn update_group(&mut self, group: &GroupRow) -> StoreResult<()> {
        self.flush().await?;
        if groups::update(&mut self.conn, self.tenant, group).await? { Ok(()) } else { Err(lanyard_store::StoreError::NotFound) }
    }

    async fn delete_group(&mut self, id: &str) -> StoreResult<bool> {
        self.flush().await?;
        groups::delete(&mut self.conn, self.tenant, id).await
    }

    async fn add_members(&mut self, group_id: &str, members: &[MemberRef]) -> StoreResult<u64> {
        self.flush().await?;
        groups::add_members(&mut self.conn, self.tenant, group_id, members).await
    }

    async fn remove_members(&mut self, group_id: &str, member_ids: &[String]) -> StoreResult<u64> {
        self.flush().await?;
        groups::remove_members(&mut self.conn, self.tenant, group_id, member_ids).await
    }

    async fn clear_members(&mut self, group_id: &str) -> StoreResult<u64> {
        self.flush().await?;
        groups::clear_members(&mut self.conn, self.tenant, group_id).await
    }

    async fn resolve_member_ids(&mut self, ids: &[String]) -> StoreResult<Vec<MemberRef>> {
        self.flush().await?;
        groups::resolve_member_ids(&mut self.conn, self.tenant, ids).await
    }

    async fn member_refs(&mut self, group_id: &str) -> StoreResult<Vec<MemberRef>> {
        self.flush().await?;
        groups::member_refs(&mut self.conn, self.tenant, group_id).await
    }

    async fn members_among(&mut self, group_id: &str, ids: &[String]) -> StoreResult<Vec<MemberRef>> {
        self.flush().await?;
        groups::members_among(&mut self.conn, self.tenant, group_id, ids).await
    }

    async fn insert_audit(&mut self, event: &NewAuditEvent) -> StoreResult<()> {
        audit::push(&mut self.pending, self.tenant, event);
        Ok(())
    }

    async fn insert_event(&mut self, event: &NewEvent) -> StoreResult<()> {
        events::push(&mut self.pending, self.tenant, event);
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        self.write_seats();
        self.pending.push("COMMIT", Vec::new());
        self.flush().await?;
        self.committed = true;
        Ok(())
    }
}
