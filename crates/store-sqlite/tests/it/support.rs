//! A fresh store per test and builders for its records.

use lanyard_scim::filter::Filter;
use lanyard_scim::schema::{GROUP_TYPE, USER_TYPE};
use lanyard_store::{EmailIndex, GroupRow, ListQuery, NewTenant, SeatState, SeatStatus, Store, StoreTx, TenantScope, UserRow};
use lanyard_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use tempfile::TempDir;

pub struct TestDb {
    pub store: SqliteStore,
    pub dir: TempDir,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lanyard.db");
        let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
        store.migrate().await.unwrap();
        TestDb { store, dir }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("lanyard.db")
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
        let mut tx = self.tx(scope).await;
        for u in users {
            tx.insert_user(u).await.unwrap();
        }
        tx.commit().await.unwrap();
    }

    /// Ids of the users `filter` selects, in the order of `query`.
    pub async fn user_ids(&self, scope: TenantScope, filter: &str) -> Vec<String> {
        let query = ListQuery { filter: Some(Filter::parse(filter, &USER_TYPE).unwrap()), limit: 1000, ..Default::default() };
        self.store.list_users(scope, &query).await.unwrap().items.into_iter().map(|u| u.id).collect()
    }

    pub async fn group_ids(&self, scope: TenantScope, filter: &str) -> Vec<String> {
        let query = ListQuery { filter: Some(Filter::parse(filter, &GROUP_TYPE).unwrap()), limit: 1000, ..Default::default() };
        self.store.list_groups(scope, &query).await.unwrap().items.into_iter().map(|g| g.id).collect()
    }
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
