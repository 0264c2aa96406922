//! A fresh database per test and builders for its records.

use std::time::Duration;

use lanyard_scim::filter::Filter;
use lanyard_scim::schema::{GROUP_TYPE, USER_TYPE};
use lanyard_store::{EmailIndex, GroupRow, ListQuery, NewTenant, SeatState, SeatStatus, Store, StoreTx, TenantScope, UserRow};
use lanyard_store_postgres::{PgOptions, PgStore, create_scratch_database, drop_database};
use serde_json::{Value, json};

pub fn admin_url() -> String {
    std::env::var("LANYARD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

pub fn options() -> PgOptions {
    PgOptions { pool_size: 6, statement_timeout: Some(Duration::from_secs(30)) }
}

/// An empty database (no migrations run), dropped with the value.
pub struct ScratchDb {
    pub url: String,
    pub name: String,
}

impl ScratchDb {
    pub async fn new() -> ScratchDb {
        let (url, name) = create_scratch_database(&admin_url())
            .await
            .unwrap_or_else(|e| panic!("no PostgreSQL at {} (set LANYARD_TEST_POSTGRES_URL): {e}", admin_url()));
        ScratchDb { url, name }
    }

    /// Another store on the database: another Lanyard instance.
    pub async fn connect(&self, options: PgOptions) -> PgStore {
        PgStore::connect(&self.url, options).await.unwrap()
    }
}

impl Drop for ScratchDb {
    /// Best effort, from a thread of its own: a test's runtime may be gone
    /// or busy. `WITH (FORCE)` ends the sessions still open.
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                let _ = runtime.block_on(drop_database(&admin_url(), &name));
            }
        })
        .join();
    }
}

pub struct TestDb {
    pub store: PgStore,
    pub scratch: ScratchDb,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let scratch = ScratchDb::new().await;
        let store = scratch.connect(options()).await;
        store.migrate().await.unwrap();
        TestDb { store, scratch }
    }

    /// Another Lanyard instance on the same database.
    pub async fn instance(&self) -> PgStore {
        self.scratch.connect(options()).await
    }

    pub async fn tenant(&self, slug: &str) -> TenantScope {
        let tenant = self
            .store
            .create_tenant(&NewTenant { slug: slug.into(), name: slug.to_uppercase(), seat_limit: None, created_at: 1 })
            .await
            .unwrap();
        TenantScope::of(&tenant)
    }

    pub async fn tx(&self, scope: TenantScope) -> Box<dyn StoreTx> {
        self.store.begin(scope).await.unwrap()
    }

    pub async fn insert_users(&self, scope: TenantScope, users: &[UserRow]) {
        insert_users(&self.store, scope, users).await;
    }

    pub async fn user_ids(&self, scope: TenantScope, filter: &str) -> Vec<String> {
        user_ids(&self.store, scope, filter).await
    }

    pub async fn group_ids(&self, scope: TenantScope, filter: &str) -> Vec<String> {
        let query = ListQuery { filter: Some(Filter::parse(filter, &GROUP_TYPE).unwrap()), limit: 1000, ..Default::default() };
        self.store.list_groups(scope, &query).await.unwrap().items.into_iter().map(|g| g.id).collect()
    }
}

pub async fn insert_users(store: &dyn Store, scope: TenantScope, users: &[UserRow]) {
    let mut tx = store.begin(scope).await.unwrap();
    for u in users {
        tx.insert_user(u).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Ids of the users `filter` selects, in creation order.
pub async fn user_ids(store: &dyn Store, scope: TenantScope, filter: &str) -> Vec<String> {
    let query = ListQuery { filter: Some(Filter::parse(filter, &USER_TYPE).unwrap()), limit: 1000, ..Default::default() };
    store.list_users(scope, &query).await.unwrap().items.into_iter().map(|u| u.id).collect()
}

/// A user as the domain would hand it over: the columns agree with `doc`.
pub fn user(id: &str, user_name: &str, extra: Value) -> UserRow {
    let mut doc = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name });
    if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    let emails = doc["emails"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| EmailIndex {
                    value: e["value"].as_str().unwrap().to_string(),
                    kind: e["type"].as_str().map(str::to_string),
                    primary: e["primary"].as_bool().unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default();
    UserRow {
        id: id.into(),
        user_name: user_name.into(),
        external_id: doc["externalId"].as_str().map(str::to_string),
        display_name: doc["displayName"].as_str().map(str::to_string),
        active: doc["active"].as_bool().unwrap_or(true),
        emails,
        doc,
        password_hash: None,
        version: 1,
        created_at: 1_000,
        modified_at: 1_000,
        seat: SeatState { status: SeatStatus::None, assigned_at: None, pending_since: None },
    }
}

pub fn pending(id: &str, since: i64) -> UserRow {
    let mut u = user(id, id, json!({}));
    u.seat = SeatState { status: SeatStatus::Pending, assigned_at: None, pending_since: Some(since) };
    u
}

pub fn group(id: &str, display_name: &str) -> GroupRow {
    GroupRow {
        id: id.into(),
        display_name: display_name.into(),
        external_id: None,
        doc: json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": display_name }),
        version: 1,
        created_at: 1_000,
        modified_at: 1_000,
        member_count: 0,
    }
}
