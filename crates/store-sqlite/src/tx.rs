//! A tenant's write transaction on the writer connection.
//!
//! `BEGIN IMMEDIATE` takes the database's write lock, so a transaction never
//! fails half-way with SQLITE_BUSY; one that finds a group open joins it
//! instead, in a savepoint ([`crate::writer`]). Statements whose answers are
//! not needed wait in a [`Batch`] and travel with the next one that is (or
//! `COMMIT`). A transaction dropped uncommitted tells the writer, and
//! whoever takes the writer next undoes its work first.

use std::collections::HashMap;

use async_trait::async_trait;
use lanyard_store::{
    GroupRow, MemberRef, NewAuditEvent, NewEvent, SeatCounters, SeatLedger, StoreError, StoreResult, StoreTx, TenantId,
    USER_SESSION_TABLES, UserGroupRef, UserRow,
};

use crate::batch::{Arg, Batch};
use crate::pool::Conn;
use crate::rows;
use crate::writer::{self, Role, Writer};
use crate::{audit, events, groups, list, users};

pub(crate) struct SqliteTx {
    conn: Conn,
    tenant: TenantId,
    pending: Batch,
    /// The tenant's seat counters, read with the first statement that needs
    /// them and written back once before COMMIT.
    seats: SeatLedger,
    /// Something reached the database: work to undo if not committed.
    sent: bool,
    committed: bool,
    writer: Writer,
    role: Role,
    /// The users this transaction read or wrote, as it last saw them.
    seen: HashMap<String, users::Indexed>,
}

impl SqliteTx {
    pub async fn begin(writer: &Writer, tenant: TenantId) -> StoreResult<Self> {
        let (conn, role) = writer.begin().await?;
        let mut pending = Batch::default();
        pending.push(if role == Role::Member { writer::JOIN } else { "BEGIN IMMEDIATE" }, Vec::new());
        let writer = writer.clone();
        Ok(SqliteTx {
            conn,
            tenant,
            pending,
            seats: SeatLedger::default(),
            sent: false,
            committed: false,
            writer,
            role,
            seen: HashMap::new(),
        })
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
            self.writer.left_undone(self.role);
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
        let writer = self.writer.clone();
        if self.role == Role::Opener && !writer.should_defer(Role::Opener) {
            self.pending.push("COMMIT", Vec::new());
            self.flush().await?;
            self.committed = true;
            return Ok(());
        }
        if self.role == Role::Member {
            self.pending.push(writer::LEAVE, Vec::new());
        }
        self.flush().await?;
        // Its work is the group's now: nothing of its own to undo.
        self.committed = true;
        if self.role == Role::Opener || writer.should_defer(Role::Member) {
            let outcome = writer.defer();
            drop(self);
            return outcome.committed().await;
        }
        // The group's last member commits for all, in a task of its own:
        // the other members must hear the outcome even if this caller goes.
        tokio::spawn(async move { self.writer.commit_group(&mut self.conn, None).await })
            .await
            .map_err(|e| StoreError::Database(format!("the commit failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    //! Group commit ([`crate::writer`]) as transactions see it.

    use std::sync::Arc;
    use std::time::Duration;

    use lanyard_store::{NewTenant, SeatState, Store, TenantScope};
    use serde_json::json;
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;

    use super::*;
    use crate::SqliteStore;

    async fn store() -> (Arc<SqliteStore>, TenantScope) {
        let store = SqliteStore::open("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        let tenant =
            store.create_tenant(&NewTenant { slug: "a".into(), name: "A".into(), seat_limit: Some(20), created_at: 0 }).await.unwrap();
        (Arc::new(store), TenantScope::of(&tenant))
    }

    fn user(id: &str) -> UserRow {
        UserRow {
            id: id.into(),
            user_name: id.into(),
            external_id: None,
            display_name: None,
            active: true,
            emails: Vec::new(),
            doc: json!({"userName": id}),
            password_hash: None,
            version: 1,
            created_at: 0,
            modified_at: 0,
            seat: SeatState::NONE,
        }
    }

    async fn begin(store: &SqliteStore, scope: TenantScope) -> SqliteTx {
        SqliteTx::begin(&store.writer, scope.tenant_id()).await.unwrap()
    }

    type Work = Box<dyn FnOnce(SqliteTx) -> std::pin::Pin<Box<dyn std::future::Future<Output = StoreResult<()>> + Send>> + Send>;

    /// Starts `work` in a transaction that queues for the writer behind the
    /// `queued` ones already waiting.
    async fn queue(store: &Arc<SqliteStore>, scope: TenantScope, queued: usize, work: Work) -> JoinHandle<StoreResult<()>> {
        let task = {
            let store = Arc::clone(store);
            tokio::spawn(async move { work(begin(&store, scope).await).await })
        };
        while store.writer.waiting() <= queued {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        task
    }

    fn commits(id: &'static str) -> Work {
        Box::new(move |mut tx| {
            Box::pin(async move {
                tx.insert_user(&user(id)).await?;
                Box::new(tx).commit().await
            })
        })
    }

    async fn exists(store: &SqliteStore, scope: TenantScope, id: &str) -> bool {
        store.user(scope, id).await.unwrap().is_some()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_transactions_commit_together_and_a_failed_one_is_undone_alone() {
        let (store, scope) = store().await;
        let mut first = begin(&store, scope).await;
        first.insert_user(&user("a")).await.unwrap();
        first.flush().await.unwrap();
        let second = queue(&store, scope, 0, commits("b")).await;
        let failing: Work = Box::new(|mut tx| {
            Box::pin(async move {
                tx.insert_user(&user("c")).await?;
                tx.flush().await?;
                Err(StoreError::NotFound)
            })
        });
        let failed = queue(&store, scope, 1, failing).await;
        let (go, wait) = oneshot::channel::<()>();
        let waits_to_commit: Work = Box::new(move |mut tx| {
            Box::pin(async move {
                let _ = wait.await;
                tx.insert_user(&user("d")).await?;
                Box::new(tx).commit().await
            })
        });
        let last = queue(&store, scope, 2, waits_to_commit).await;
        // Others wait: the first leaves its COMMIT to the group.
        let first = tokio::spawn(Box::new(first).commit());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!first.is_finished() && !second.is_finished(), "answered before the group committed");
        assert!(failed.is_finished());
        assert!(!exists(&store, scope, "a").await, "readers see the group only once it commits");
        go.send(()).unwrap();
        for done in [first, second, last] {
            done.await.unwrap().unwrap();
        }
        assert!(matches!(failed.await.unwrap(), Err(StoreError::NotFound)));
        for (id, kept) in [("a", true), ("b", true), ("c", false), ("d", true)] {
            assert_eq!(exists(&store, scope, id).await, kept, "{id}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_fails_every_member_and_keeps_nothing() {
        let (store, scope) = store().await;
        sqlx::query(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY); \
             CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        )
        .execute(&mut *store.write().await.unwrap())
        .await
        .unwrap();
        let mut first = begin(&store, scope).await;
        first.insert_user(&user("a")).await.unwrap();
        // Accepted now, refused by COMMIT.
        let refused: Work = Box::new(|mut tx| {
            Box::pin(async move {
                tx.insert_user(&user("b")).await?;
                tx.pending.push("INSERT INTO child VALUES (42)", Vec::new());
                Box::new(tx).commit().await
            })
        });
        let breaks_commit = queue(&store, scope, 0, refused).await;
        let last = queue(&store, scope, 1, commits("c")).await;
        let first = Box::new(first).commit().await;
        for outcome in [first, breaks_commit.await.unwrap(), last.await.unwrap()] {
            assert!(matches!(outcome, Err(StoreError::Database(ref m)) if m.contains("FOREIGN KEY")), "{outcome:?}");
        }
        for id in ["a", "b", "c"] {
            assert!(!exists(&store, scope, id).await, "{id} was kept");
        }
        // The writer goes on.
        commits("e")(begin(&store, scope).await).await.unwrap();
        assert!(exists(&store, scope, "e").await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_transactions_never_give_out_more_seats_than_the_limit() {
        let (store, scope) = store().await;
        let tasks: Vec<_> = (0..64)
            .map(|n| {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    let mut tx = store.begin(scope).await.unwrap();
                    let took = tx.try_take_seat().await.unwrap();
                    tx.insert_user(&user(&format!("u{n}"))).await.unwrap();
                    tx.commit().await.unwrap();
                    // Acknowledged means committed: readers see it.
                    assert!(store.user(scope, &format!("u{n}")).await.unwrap().is_some());
                    took
                })
            })
            .collect();
        let mut taken = 0;
        for task in tasks {
            taken += i64::from(task.await.unwrap());
        }
        assert_eq!(taken, 20);
        assert_eq!(store.tenant(scope).await.unwrap().seats_assigned, 20);
    }
}
