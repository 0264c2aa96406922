//! A tenant's write transaction: one pooled connection, the tenant's row
//! locked from `begin` to `commit`.
//!
//! Statements run one by one as they are called, so a write's error
//! surfaces at the call that made it. After an error PostgreSQL refuses
//! every further statement of the transaction; the transaction remembers
//! the error and answers every later call, `commit` included, with it, so
//! nothing of a failed transaction is ever committed. Dropping the
//! transaction uncommitted rolls it back (sqlx queues the `ROLLBACK` on the
//! connection before it returns to the pool).

use async_trait::async_trait;
use lanyard_scim::ScimError;
use lanyard_store::{
    GroupRow, MemberRef, NewAuditEvent, NewEvent, SeatCounters, SeatLedger, StoreError, StoreResult, StoreTx, TenantId, UserGroupRef,
    UserRow,
};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::error::db;
use crate::gate::Turn;
use crate::rows::{self, USER_COLUMNS};
use crate::text::has_nul;
use crate::{audit, events, groups, list, users};

/// The first error of a transaction, kept to answer the calls after it.
#[derive(Debug, Clone)]
enum Failure {
    Conflict(&'static str),
    NotFound,
    Scim(ScimError),
    Busy(String),
    Database(String),
}

impl Failure {
    fn of(e: &StoreError) -> Self {
        match e {
            StoreError::Conflict { what } => Failure::Conflict(what),
            StoreError::NotFound => Failure::NotFound,
            StoreError::Scim(e) => Failure::Scim(e.clone()),
            StoreError::Busy(message) => Failure::Busy(message.clone()),
            StoreError::Database(message) => Failure::Database(message.clone()),
        }
    }

    fn error(&self) -> StoreError {
        match self {
            Failure::Conflict(what) => StoreError::Conflict { what },
            Failure::NotFound => StoreError::NotFound,
            Failure::Scim(e) => StoreError::Scim(e.clone()),
            // Still safe to run again: the transaction is rolled back.
            Failure::Busy(message) => StoreError::Busy(message.clone()),
            Failure::Database(message) => StoreError::Database(format!("the transaction failed earlier: {message}")),
        }
    }
}

pub(crate) struct PgTx {
    tx: Transaction<'static, Postgres>,
    tenant: TenantId,
    failed: Option<Failure>,
    /// The tenant's seat counters, read with the row lock and written back
    /// once before COMMIT.
    seats: SeatLedger,
    /// The tenant's pending counter went up: users written pending now are
    /// joining the queue (see `users::PENDING_SINCE`).
    queue_grew: bool,
    /// This process's turn to write the tenant, passed on when the
    /// transaction ends (after `tx`: fields drop in order).
    _turn: Turn,
}

impl PgTx {
    /// Opens the transaction and waits for the tenant's row lock. `NO KEY
    /// UPDATE` excludes every other transaction of the tenant (and a
    /// `DELETE` of the tenant) but not the key-share locks that inserts
    /// referencing the tenant take, such as a new SCIM token's.
    pub async fn begin(pool: &PgPool, tenant: TenantId, turn: Turn) -> StoreResult<PgTx> {
        let mut tx = pool.begin().await.map_err(db)?;
        // A tenant deleted meanwhile has no row to lock; its writes then
        // fail as in SQLite (a missing parent is `NotFound`).
        let locked: Option<(Option<i64>, i64, i64)> =
            sqlx::query_as("SELECT seat_limit, seats_assigned, seats_pending FROM tenants WHERE id = $1 FOR NO KEY UPDATE")
                .bind(tenant)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let mut seats = SeatLedger::default();
        if let Some((limit, assigned, pending)) = locked {
            seats.read(SeatCounters { limit, assigned, pending });
        }
        Ok(PgTx { tx, tenant, failed: None, seats, queue_grew: false, _turn: turn })
    }

    /// The connection, unless an earlier statement failed.
    fn conn(&mut self) -> StoreResult<&mut PgConnection> {
        match &self.failed {
            Some(failure) => Err(failure.error()),
            None => Ok(&mut *self.tx),
        }
    }

    /// Remembers the first error.
    fn note<T>(&mut self, result: StoreResult<T>) -> StoreResult<T> {
        if let Err(e) = &result {
            self.failed.get_or_insert_with(|| Failure::of(e));
        }
        result
    }
}

#[async_trait]
impl StoreTx for PgTx {
    async fn seat_counters(&mut self) -> StoreResult<SeatCounters> {
        self.seats.current().ok_or(StoreError::NotFound)
    }

    async fn try_take_seat(&mut self) -> StoreResult<bool> {
        self.seats.try_take().ok_or(StoreError::NotFound)
    }

    async fn adjust_seat_counters(&mut self, assigned: i64, pending: i64) -> StoreResult<()> {
        self.queue_grew |= pending > 0;
        self.seats.adjust(assigned, pending);
        Ok(())
    }

    async fn set_seat_limit(&mut self, limit: Option<i64>) -> StoreResult<()> {
        self.seats.set_limit(limit);
        Ok(())
    }

    async fn oldest_pending(&mut self, n: i64) -> StoreResult<Vec<UserRow>> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let found = users::oldest_pending(conn, tenant, n).await;
        self.note(found)
    }

    async fn user(&mut self, id: &str) -> StoreResult<Option<UserRow>> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let found = users::get(conn, tenant, id).await;
        self.note(found)
    }

    async fn user_with_groups(&mut self, id: &str) -> StoreResult<Option<(UserRow, Vec<UserGroupRef>)>> {
        if has_nul(id) {
            return Ok(None);
        }
        let (tenant, conn) = (self.tenant, self.conn()?);
        let sql = format!("SELECT {USER_COLUMNS}, {} FROM users u WHERE u.tenant_id = $1 AND u.id = $2", list::USER_GROUPS_COLUMN);
        let found = sqlx::query(&sql).bind(tenant).bind(id).fetch_all(conn).await.map_err(db);
        let found = self.note(found)?;
        found.first().map(|row| Ok((rows::user(row)?, list::user_groups(row)?))).transpose()
    }

    async fn insert_user(&mut self, user: &UserRow) -> StoreResult<()> {
        let (tenant, joining, conn) = (self.tenant, self.queue_grew, self.conn()?);
        let done = users::insert(conn, tenant, user, joining).await;
        self.note(done)
    }

    /// Callers update a user they read in this transaction, so it exists.
    async fn update_user(&mut self, user: &UserRow) -> StoreResult<()> {
        let (tenant, joining, conn) = (self.tenant, self.queue_grew, self.conn()?);
        let done = users::update(conn, tenant, user, joining).await;
        self.note(done)
    }

    async fn delete_user(&mut self, id: &str) -> StoreResult<bool> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = users::delete(conn, tenant, id).await;
        self.note(done)
    }

    async fn end_user_sessions(&mut self, id: &str) -> StoreResult<()> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = users::end_sessions(conn, tenant, id).await;
        self.note(done)
    }

    async fn group(&mut self, id: &str) -> StoreResult<Option<GroupRow>> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let found = groups::get(conn, tenant, id).await;
        self.note(found)
    }

    async fn insert_group(&mut self, group: &GroupRow) -> StoreResult<()> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = groups::insert(conn, tenant, group).await;
        self.note(done)
    }

    async fn update_group(&mut self, group: &GroupRow) -> StoreResult<()> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = groups::update(conn, tenant, group).await;
        // A group that is not there is the caller's answer, not a failed statement.
        if self.note(done)? { Ok(()) } else { Err(StoreError::NotFound) }
    }

    async fn delete_group(&mut self, id: &str) -> StoreResult<bool> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = groups::delete(conn, tenant, id).await;
        self.note(done)
    }

    async fn add_members(&mut self, group_id: &str, members: &[MemberRef]) -> StoreResult<u64> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = groups::add_members(conn, tenant, group_id, members).await;
        self.note(done)
    }

    async fn remove_members(&mut self, group_id: &str, member_ids: &[String]) -> StoreResult<u64> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = groups::remove_members(conn, tenant, group_id, member_ids).await;
        self.note(done)
    }

    async fn clear_members(&mut self, group_id: &str) -> StoreResult<u64> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = groups::clear_members(conn, tenant, group_id).await;
        self.note(done)
    }

    async fn resolve_member_ids(&mut self, ids: &[String]) -> StoreResult<Vec<MemberRef>> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let found = groups::resolve_member_ids(conn, tenant, ids).await;
        self.note(found)
    }

    async fn member_refs(&mut self, group_id: &str) -> StoreResult<Vec<MemberRef>> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let found = groups::member_refs(conn, tenant, group_id).await;
        self.note(found)
    }

    async fn members_among(&mut self, group_id: &str, ids: &[String]) -> StoreResult<Vec<MemberRef>> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let found = groups::members_among(conn, tenant, group_id, ids).await;
        self.note(found)
    }

    async fn insert_audit(&mut self, event: &NewAuditEvent) -> StoreResult<()> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = audit::insert(conn, tenant, event).await;
        self.note(done)
    }

    async fn insert_event(&mut self, event: &NewEvent) -> StoreResult<()> {
        let (tenant, conn) = (self.tenant, self.conn()?);
        let done = events::insert(conn, tenant, event).await;
        self.note(done)
    }

    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        if let Some(failure) = &self.failed {
            // Dropping the transaction rolls it back.
            return Err(failure.error());
        }
        let (tenant, new_limit, delta) = (self.tenant, self.seats.new_limit(), self.seats.delta());
        if let Some(limit) = new_limit {
            sqlx::query("UPDATE tenants SET seat_limit = $2 WHERE id = $1")
                .bind(tenant)
                .bind(limit)
                .execute(&mut *self.tx)
                .await
                .map_err(db)?;
        }
        if let Some((assigned, pending)) = delta {
            sqlx::query("UPDATE tenants SET seats_assigned = seats_assigned + $2, seats_pending = seats_pending + $3 WHERE id = $1")
                .bind(tenant)
                .bind(assigned)
                .bind(pending)
                .execute(&mut *self.tx)
                .await
                .map_err(db)?;
        }
        self.tx.commit().await.map_err(db)
    }
}
