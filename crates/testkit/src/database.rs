//! A fresh database per test, on the backend the run asks for:
//! `LANYARD_TEST_BACKEND=postgres` (server from `LANYARD_TEST_POSTGRES_URL`,
//! default the local one) or SQLite (the default) in a temporary directory.

use lanyard_store_postgres::{create_scratch_database, drop_database};

/// The PostgreSQL server tests create their scratch databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("LANYARD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// True when this test run uses PostgreSQL.
pub fn postgres_selected() -> bool {
    std::env::var("LANYARD_TEST_BACKEND").is_ok_and(|b| b.eq_ignore_ascii_case("postgres"))
}

/// An empty database that is removed when dropped.
pub struct TestDatabase {
    /// What `--database` / `LANYARD_DATABASE_URL` takes.
    pub url: String,
    kind: Kind,
}

enum Kind {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin: String, name: String },
}

impl TestDatabase {
    /// On the backend of this run.
    pub async fn new() -> TestDatabase {
        if postgres_selected() { Self::postgres().await } else { Self::sqlite() }
    }

    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("lanyard.db").to_str().expect("utf-8 path").to_string();
        TestDatabase { url, kind: Kind::Sqlite(dir) }
    }

    /// Always PostgreSQL (multi-instance tests need a shared server).
    pub async fn postgres() -> TestDatabase {
        let admin = postgres_admin_url();
        let (url, name) = create_scratch_database(&admin).await.expect("create a scratch PostgreSQL database (is PostgreSQL up?)");
        TestDatabase { url, kind: Kind::Postgres { admin, name } }
    }

    /// Drops a PostgreSQL database at once, ending its sessions (to test
    /// what happens when the database goes away).
    pub async fn drop_now(&self) {
        if let Kind::Postgres { admin, name } = &self.kind {
            drop_database(admin, name).await.expect("drop the scratch database");
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.kind, Kind::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Kind::Postgres { admin, name } = &self.kind {
            // Drop is synchronous and may run inside a runtime: use a thread
            // with its own. `WITH (FORCE)` ends sessions still connected.
            let (admin, name) = (admin.clone(), name.clone());
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    let _ = rt.block_on(drop_database(&admin, &name));
                }
            })
            .join();
        }
    }
}
