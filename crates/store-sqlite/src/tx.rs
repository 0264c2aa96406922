//! A tenant's write transaction on the writer connection.
//!
//! `BEGIN IMMEDIATE` takes the database's write lock, so a transaction never
//! fails half-way with SQLITE_BUSY. Statements whose answers are not needed
//! wait in a [`Batch`] and travel with the next one that is (or `COMMIT`).
//! A transaction dropped uncommitted marks the connection stale; whoever
//! takes the writer next rolls it back first ([`crate::Writer::acquire`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use lanyard_store::{GroupRow, MemberRef, NewAuditEvent, NewEvent, SeatCounters, StoreResult, StoreTx, TenantId, UserGroupRef, UserRow};
use sqlx::Sqlite;
use sqlx::pool::PoolConnection;

use crate::batch::{Arg, Batch};
use crate::rows::{self, TENANT_COLUMNS};
use crate::{audit, events, groups, list, users};

pub(crate) struct SqliteTx {
    conn: PoolConnection<Sqlite>,
    tenant: TenantId,
    pending: Batch,
    /// Something reached the database: an open transaction to end.
    sent: bool,
    committed: bool,
    stale: Arc<AtomicBool>,
}

impl SqliteTx {
    pub fn begin(conn: PoolConnection<Sqlite>, tenant: TenantId, stale: Arc<AtomicBool>) -> Self {
        let mut pending = Batch::default();
        pending.push("BEGIN IMMEDIATE", Vec::new());
        SqliteTx { conn, tenant, pending, sent: false, committed: false, stale }
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
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.id = ?1");
        let found = self.fetch(&sql, vec![self.tenant.into()]).await?;
        let tenant = found.first().map(rows::tenant).transpose()?.ok_or(lanyard_store::StoreError::NotFound)?;
        Ok(SeatCounters { limit: tenant.seat_limit, assigned: tenant.seats_assigned, pending: tenant.seats_pending })
    }

    async fn try_take_seat(&mut self) -> StoreResult<bool> {
        let taken = self
            .fetch(
                "UPDATE tenants SET seats_assigned = seats_assigned + 1 \
                 WHERE id = ?1 AND (seat_limit IS NULL OR seats_assigned < seat_limit) RETURNING id",
                vec![self.tenant.into()],
            )
            .await?;
        Ok(!taken.is_empty())
    }

    async fn adjust_seat_counters(&mut self, assigned: i64, pending: i64) -> StoreResult<()> {
        self.pending.push(
            "UPDATE tenants SET seats_assigned = seats_assigned + ?2, seats_pending = seats_pending + ?3 WHERE id = ?1",
            vec![self.tenant.into(), assigned.into(), pending.into()],
        );
        Ok(())
    }

    async fn set_seat_limit(&mut self, limit: Option<i64>) -> StoreResult<()> {
        self.pending.push("UPDATE tenants SET seat_limit = ?2 WHERE id = ?1", vec![self.tenant.into(), limit.into()]);
        Ok(())
    }

    async fn oldest_pending(&mut self, n: i64) -> StoreResult<Vec<UserRow>> {
        let found = self.fetch(&users::oldest_pending_sql(), vec![self.tenant.into(), n.max(0).into()]).await?;
        found.iter().map(rows::user).collect()
    }

    async fn user(&mut self, id: &str) -> StoreResult<Option<UserRow>> {
        let found = self.fetch(&users::select_one_sql(), vec![self.tenant.into(), id.into()]).await?;
        found.first().map(rows::user).transpose()
    }

    async fn user_with_groups(&mut self, id: &str) -> StoreResult<Option<(UserRow, Vec<UserGroupRef>)>> {
        let sql = format!("SELECT {}, {} FROM users u WHERE u.tenant_id = ?1 AND u.id = ?2", rows::USER_COLUMNS, list::USER_GROUPS_COLUMN);
        let found = self.fetch(&sql, vec![self.tenant.into(), id.into()]).await?;
        found.first().map(|row| Ok((rows::user(row)?, list::user_groups(row)?))).transpose()
    }

    async fn insert_user(&mut self, user: &UserRow) -> StoreResult<()> {
        users::push_insert(&mut self.pending, self.tenant, user);
        Ok(())
    }

    /// Callers update a user they read in this transaction, so it exists.
    async fn update_user(&mut self, user: &UserRow) -> StoreResult<()> {
        users::push_update(&mut self.pending, self.tenant, user);
        Ok(())
    }

    async fn delete_user(&mut self, id: &str) -> StoreResult<bool> {
        self.flush().await?;
        users::delete(&mut self.conn, self.tenant, id).await
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
        self.pending.push("COMMIT", Vec::new());
        self.flush().await?;
        self.committed = true;
        Ok(())
    }
}
