//! Opening the database: one writer connection and a pool of readers over
//! the same file, in WAL mode so readers never wait for the writer.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lanyard_store::{StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use crate::pool::ConnPool;

/// How long a connection waits for another process's write lock before
/// giving up with SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a pooled connection (the writer is shared
/// by every write transaction of this process).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
const READERS: usize = 4;
/// After a checkpoint, the write-ahead log is truncated to at most this.
const WAL_SIZE_LIMIT: &str = "16777216";

pub(crate) struct Pools {
    pub writer: ConnPool,
    pub reader: ConnPool,
    /// The throwaway file standing in for an in-memory database.
    pub scratch: Option<ScratchFile>,
}

/// A database file deleted (with its WAL) when dropped.
pub(crate) struct ScratchFile(PathBuf);

impl Drop for ScratchFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn is_in_memory(url: &str) -> bool {
    let rest = url.strip_prefix("sqlite:").map(|r| r.trim_start_matches("//")).unwrap_or(url);
    rest.starts_with(":memory:") || rest.contains("mode=memory")
}

/// A fresh file in the temporary directory. SQLite's own in-memory
/// databases are shared between connections only through its shared
/// cache, where a reader waits for an open write transaction; a file
/// behaves exactly like a real database.
fn scratch_file() -> ScratchFile {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let name = format!("lanyard-{}-{nanos}-{}.db", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    ScratchFile(std::env::temp_dir().join(name))
}

/// Accepts a plain file path, `sqlite://path` and `sqlite:path`.
fn parse(url: &str) -> StoreResult<SqliteConnectOptions> {
    if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url).map_err(|e| StoreError::Database(format!("bad database URL: {e}")))
    } else {
        Ok(SqliteConnectOptions::new().filename(url))
    }
}

/// The settings of every connection; a missing file is created.
fn configured(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        // With WAL, NORMAL loses no committed transaction when the process
        // dies; only a power loss may take back the last ones.
        .synchronous(SqliteSynchronous::Normal)
}

/// Opens `url`; `sqlite::memory:` (or `:memory:`, `mode=memory`) opens a
/// scratch file that disappears with the store.
pub(crate) async fn open(url: &str) -> StoreResult<Pools> {
    let scratch = is_in_memory(url).then(scratch_file);
    let base = configured(match &scratch {
        Some(file) => SqliteConnectOptions::new().filename(&file.0),
        None => parse(url)?,
    });
    // The writer switches the file to WAL (a persistent setting) before any
    // reader connects.
    let cannot_open = |e: sqlx::Error| StoreError::Database(format!("cannot open the database: {e}"));
    let writer =
        ConnPool::open(&base.clone().journal_mode(SqliteJournalMode::Wal).pragma("journal_size_limit", WAL_SIZE_LIMIT), 1, ACQUIRE_TIMEOUT)
            .await
            .map_err(cannot_open)?;
    let reader = ConnPool::open(&base.pragma("query_only", "ON"), READERS, ACQUIRE_TIMEOUT).await.map_err(cannot_open)?;
    Ok(Pools { writer, reader, scratch })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_paths_and_urls() {
        assert_eq!(parse("data/lanyard.db").unwrap().get_filename().to_str(), Some("data/lanyard.db"));
        assert_eq!(parse("sqlite://data/x.db").unwrap().get_filename().to_str(), Some("data/x.db"));
        assert_eq!(parse("sqlite:data/x.db").unwrap().get_filename().to_str(), Some("data/x.db"));
    }

    #[test]
    fn recognises_in_memory_urls() {
        for url in ["sqlite::memory:", ":memory:", "sqlite://:memory:", "sqlite://?mode=memory"] {
            assert!(is_in_memory(url), "{url}");
        }
        for url in ["memory.db", "sqlite://data/memory.db", "sqlite:x.db"] {
            assert!(!is_in_memory(url), "{url}");
        }
    }
}
