//! The one writer connection, and group commit.
//!
//! Every write goes through one connection, so write transactions run one
//! after the other, and committing is the dear part of a small one: SQLite
//! appends every page the transaction changed to the write-ahead log, and
//! every ~1 000 logged pages a checkpoint copies them into the database
//! and waits for the disk twice. Most pages a provisioning write changes
//! are the same for every write (the newest leaves of the event and audit
//! tables and of their indexes, the tenant's seat counters), so
//! transactions that commit together log them once.
//!
//! So when other transactions wait for the writer, a finished transaction
//! does not COMMIT: its work stays in the open SQLite transaction, it hands
//! the writer on and waits. The next ones join this *group*, each inside a
//! savepoint so that a failed one is undone alone, and the member that
//! finds nobody else waiting, or the group full, commits for all. Every
//! member learns the COMMIT's outcome, and none answers its caller before
//! it: no client is told of a write that could still be lost. A closer task
//! queues for the writer when a group opens, so a group is committed even
//! when no member comes after it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use lanyard_store::{StoreError, StoreResult};
use tokio::sync::watch;

use crate::pool::{Conn, ConnPool};

/// The most transactions committed together: a group waits for its last
/// member's work, so an unbounded one would delay its first answer.
const GROUP_LIMIT: usize = 16;

/// A transaction that joins an open group runs inside this savepoint.
pub(crate) const JOIN: &str = "SAVEPOINT member";
/// A member's work, finished, merged into the group's transaction.
pub(crate) const LEAVE: &str = "RELEASE member";
const UNDO_MEMBER: &str = "ROLLBACK TO member; RELEASE member";

/// How a transaction started on the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// No group was open: it began the SQLite transaction.
    Opener,
    /// It joined the open group.
    Member,
}

/// How a group's COMMIT went, as each member hears it.
type Outcome = Result<(), String>;

#[derive(Clone)]
pub(crate) struct Writer(Arc<Inner>);

struct Inner {
    pool: ConnPool,
    state: Mutex<State>,
}

/// Changed only by whoever holds the writer connection.
#[derive(Default)]
struct State {
    /// Work that a transaction dropped uncommitted left on the connection.
    undo: Option<Role>,
    group: Option<Group>,
    groups_opened: u64,
}

struct Group {
    generation: u64,
    members: usize,
    outcome: watch::Sender<Option<Outcome>>,
}

impl Writer {
    pub fn new(pool: ConnPool) -> Writer {
        Writer(Arc::new(Inner { pool, state: Mutex::new(State::default()) }))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The writer for statements outside a group (migrations, the
    /// provisioning log, admin writes): an open group is committed first,
    /// or they would run inside it.
    pub async fn acquire(&self) -> StoreResult<Conn> {
        let conn = self.0.pool.acquire().await?;
        self.settle(conn, true).await
    }

    /// The writer for a transaction, and whether it joins an open group.
    pub async fn begin(&self) -> StoreResult<(Conn, Role)> {
        let conn = self.0.pool.acquire().await?;
        let conn = self.settle(conn, false).await?;
        let role = if self.state().group.is_some() { Role::Member } else { Role::Opener };
        Ok((conn, role))
    }

    /// Called by a transaction dropped uncommitted after it sent something,
    /// before it gives the connection back.
    pub fn left_undone(&self, role: Role) {
        self.state().undo = Some(role);
    }

    /// Undoes what a dropped transaction left and, with `commit_group`,
    /// commits the open group. In a task of its own: once begun it must
    /// finish, or a failed member's writes could be committed with the
    /// group.
    async fn settle(&self, conn: Conn, commit_group: bool) -> StoreResult<Conn> {
        let work = {
            let state = self.state();
            state.undo.is_some() || (commit_group && state.group.is_some())
        };
        if !work {
            return Ok(conn);
        }
        let writer = self.clone();
        tokio::spawn(async move {
            let mut conn = writer.undo(conn).await;
            if commit_group {
                let _ = writer.commit_group(&mut conn, None).await;
            }
            conn
        })
        .await
        .map_err(|e| StoreError::Database(format!("the writer failed: {e}")))
    }

    async fn undo(&self, mut conn: Conn) -> Conn {
        let undo = self.state().undo.take();
        match undo {
            None => {}
            // "no transaction is active" when the failure came before BEGIN ran.
            Some(Role::Opener) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            }
            Some(Role::Member) => {
                if let Err(e) = sqlx::query(UNDO_MEMBER).execute(&mut *conn).await {
                    // SQLite ended the whole transaction (or is in no state to
                    // go on with it): the group's work is lost.
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    self.publish(Err(format!("a transaction of its group could not be undone: {e}")));
                }
            }
        }
        conn
    }

    /// How many callers wait for the writer.
    pub fn waiting(&self) -> usize {
        self.0.pool.waiting()
    }

    /// Whether a transaction finishing now leaves its COMMIT to a later
    /// one: others wait for the writer, and its group has room.
    pub fn should_defer(&self, role: Role) -> bool {
        let waiting = self.waiting();
        match role {
            Role::Opener => waiting > 0,
            // One of those waiting is the group's closer.
            Role::Member => waiting > 1 && self.state().group.as_ref().is_some_and(|g| g.members + 1 < GROUP_LIMIT),
        }
    }

    /// Enters a finished transaction, whose work is sent and which still
    /// holds the connection, in the open group (opening one for an opener).
    /// Await the answer once the connection is given back.
    pub fn defer(&self) -> GroupOutcome {
        let mut state = self.state();
        if let Some(group) = state.group.as_mut() {
            group.members += 1;
            return GroupOutcome(group.outcome.subscribe());
        }
        state.groups_opened += 1;
        let generation = state.groups_opened;
        let (outcome, receiver) = watch::channel(None);
        state.group = Some(Group { generation, members: 1, outcome });
        drop(state);
        self.close_later(generation);
        GroupOutcome(receiver)
    }

    /// Queues for the writer and commits group `generation` if it is still
    /// open then.
    fn close_later(&self, generation: u64) {
        let writer = self.clone();
        tokio::spawn(async move {
            let still_open = || writer.state().group.as_ref().is_some_and(|g| g.generation == generation);
            while still_open() {
                // Fails only when the writer stays busy past the acquire timeout.
                if let Ok(conn) = writer.0.pool.acquire().await {
                    let mut conn = writer.undo(conn).await;
                    let _ = writer.commit_group(&mut conn, Some(generation)).await;
                    return;
                }
            }
        });
    }

    /// Commits the open group (only if it is `generation`, when given) on
    /// the writer connection and tells its members. Run it where the
    /// caller's going away cannot stop it half-way.
    pub async fn commit_group(&self, conn: &mut Conn, generation: Option<u64>) -> StoreResult<()> {
        let open = self.state().group.as_ref().map(|g| g.generation);
        if open.is_none() || generation.is_some_and(|g| open != Some(g)) {
            return Ok(());
        }
        let committed = sqlx::query("COMMIT").execute(&mut **conn).await.map(|_| ());
        if committed.is_err() {
            // A COMMIT refused (a deferred constraint) leaves the transaction open.
            let _ = sqlx::query("ROLLBACK").execute(&mut **conn).await;
        }
        let outcome = committed.map_err(|e| e.to_string());
        self.publish(outcome.clone());
        outcome.map_err(commit_failed)
    }

    fn publish(&self, outcome: Outcome) {
        if let Some(group) = self.state().group.take() {
            group.outcome.send_replace(Some(outcome));
        }
    }
}

fn commit_failed(e: String) -> StoreError {
    StoreError::Database(format!("the commit failed: {e}"))
}

/// A group member's wait for the group's COMMIT.
pub(crate) struct GroupOutcome(watch::Receiver<Option<Outcome>>);

impl GroupOutcome {
    pub async fn committed(mut self) -> StoreResult<()> {
        let outcome = match self.0.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone(),
            Err(_) => return Err(StoreError::Database("the database was closed".into())),
        };
        outcome.unwrap_or_else(|| Err("no outcome".into())).map_err(commit_failed)
    }
}
