//! A fixed set of SQLite connections, lent to one caller at a time.
//!
//! sqlx's pool pings a connection when it lends it and again when it gets
//! it back. For SQLite each ping is a hand-off to the connection's worker
//! thread and back: a one-statement read made three such trips instead of
//! one, and the writer was held for two extra trips per transaction. A
//! local file cannot hang up, so these connections are lent as they are.
//! A caller dropped half-way through a statement is harmless: the worker
//! finishes or resets the statement before it takes the next command.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lanyard_store::{StoreError, StoreResult};
use sqlx::ConnectOptions;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteConnectOptions;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

pub struct ConnPool {
    connections: Vec<Arc<AsyncMutex<SqliteConnection>>>,
    /// Which of `connections` nobody holds.
    free: Arc<Mutex<Vec<usize>>>,
    /// One permit per free connection; waiters are served first come, first served.
    permits: Arc<Semaphore>,
    /// Callers waiting for a permit.
    waiting: AtomicUsize,
    acquire_timeout: Duration,
}

/// A lent connection; it goes back to the pool when dropped.
pub struct Conn {
    conn: OwnedMutexGuard<SqliteConnection>,
    slot: usize,
    free: Arc<Mutex<Vec<usize>>>,
    _permit: OwnedSemaphorePermit,
}

impl ConnPool {
    /// Opens `size` connections with `options` (one after the other, so the
    /// first may switch the file to WAL before the others open it).
    pub async fn open(options: &SqliteConnectOptions, size: usize, acquire_timeout: Duration) -> Result<ConnPool, sqlx::Error> {
        let mut connections = Vec::with_capacity(size);
        for _ in 0..size.max(1) {
            connections.push(Arc::new(AsyncMutex::new(options.connect().await?)));
        }
        Ok(ConnPool {
            permits: Arc::new(Semaphore::new(connections.len())),
            free: Arc::new(Mutex::new((0..connections.len()).collect())),
            connections,
            waiting: AtomicUsize::new(0),
            acquire_timeout,
        })
    }

    /// A connection, waiting up to the acquire timeout for one to be free.
    pub async fn acquire(&self) -> StoreResult<Conn> {
        let waiting = Waiting::count(&self.waiting);
        let permit = tokio::time::timeout(self.acquire_timeout, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| StoreError::Database("timed out waiting for a database connection".into()))?
            .map_err(|_| StoreError::Database("the database is closed".into()))?;
        drop(waiting);
        // A permit is only ever held beside a free slot.
        let slot = self.free.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let connection = slot.and_then(|slot| self.connections.get(slot));
        let (Some(slot), Some(connection)) = (slot, connection) else {
            return Err(StoreError::Database("no free database connection".into()));
        };
        // Its last holder may be between listing it free and unlocking it.
        let conn = Arc::clone(connection).lock_owned().await;
        Ok(Conn { conn, slot, free: Arc::clone(&self.free), _permit: permit })
    }

    /// How many callers wait for a connection now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }
}

/// One caller counted as waiting, until dropped (also when it gives up).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn count(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::SeqCst);
        Waiting(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Deref for Conn {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Listed free before the permit (dropped after this) lets a waiter in.
        self.free.lock().unwrap_or_else(PoisonError::into_inner).push(self.slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pool(size: usize, timeout: Duration) -> (tempfile::TempDir, ConnPool) {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new().filename(dir.path().join("pool.db")).create_if_missing(true);
        (dir, ConnPool::open(&options, size, timeout).await.unwrap())
    }

    #[tokio::test]
    async fn a_connection_is_lent_to_one_caller_at_a_time() {
        let (_dir, pool) = pool(1, Duration::from_millis(100)).await;
        let mut first = pool.acquire().await.unwrap();
        sqlx::query("CREATE TEMP TABLE t (x)").execute(&mut *first).await.unwrap();
        let waited = pool.acquire().await;
        assert!(matches!(waited, Err(StoreError::Database(ref m)) if m.contains("timed out")), "the only connection is lent");
        drop(first);
        // The same connection comes back: its temporary table is still there.
        let mut again = pool.acquire().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)").execute(&mut *again).await.unwrap();
    }

    #[tokio::test]
    async fn waiters_get_the_connections_as_they_come_back() {
        let (_dir, pool) = pool(2, Duration::from_secs(5)).await;
        let pool = Arc::new(pool);
        let tasks: Vec<_> = (0..32)
            .map(|n| {
                let pool = Arc::clone(&pool);
                tokio::spawn(async move {
                    let mut conn = pool.acquire().await.unwrap();
                    sqlx::query_scalar::<_, i64>("SELECT ?1").bind(n).fetch_one(&mut *conn).await.unwrap()
                })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        assert_eq!(answers, (0..32).collect::<Vec<i64>>());
    }
}
