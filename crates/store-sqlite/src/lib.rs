//! Lanyard's embedded store: [`lanyard_store::Store`] on one SQLite file.
//!
//! The file is in WAL mode. Writes go through a single writer connection,
//! in `BEGIN IMMEDIATE` transactions, so writers queue in this process
//! instead of failing with SQLITE_BUSY; transactions that queue together
//! commit together ([`writer`]). Reads use a small pool of read-only
//! connections that never wait for the writer.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod admin;
mod api_keys;
mod audit;
mod batch;
mod bind;
mod connect;
mod dialect;
mod error;
mod events;
mod groups;
mod list;
mod oidc;
pub mod pool;
mod rows;
mod sso;
mod tenants;
mod transfer;
mod tx;
mod users;
mod webhooks;
mod writer;

pub use dialect::SqliteDialect;

use async_trait::async_trait;
use lanyard_store::{
    AdminAccount, ApiKey, AuditEvent, AuditQuery, BrowsePage, Delivery, Event, EventPosition, GROUP_SQL_MAP, GroupRow, IdpUpdate,
    ListQuery, MemberRow, Micros, NewAdminSession, NewApiKey, NewDelivery, NewTenant, NewToken, NewWebhook, Page, ProvisioningRequest,
    SsoConnection, SsoRequest, SsoSession, Store, StoreError, StoreResult, StoreTx, Tenant, TenantId, TenantScope, TokenRecord,
    USER_SQL_MAP, UserBrowse, UserDoc, UserGroupRef, UserRow, Webhook, WebhookProgress,
};
use sqlx::Connection;

use crate::error::db;
use crate::list::Listing;
use crate::writer::Writer;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

const USERS: Listing<UserRow> = Listing { table: "users", alias: "u", columns: rows::USER_COLUMNS, map: &USER_SQL_MAP, decode: rows::user };
const USER_DOCS: Listing<UserDoc> =
    Listing { table: "users", alias: "u", columns: rows::USER_DOC_COLUMNS, map: &USER_SQL_MAP, decode: rows::user_doc };
const GROUPS: Listing<GroupRow> =
    Listing { table: "groups", alias: "g", columns: rows::GROUP_COLUMNS, map: &GROUP_SQL_MAP, decode: rows::group };

pub struct SqliteStore {
    writer: Writer,
    reader: pool::ConnPool,
    _scratch: Option<connect::ScratchFile>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url`: a file path,
    /// `sqlite://path` or `sqlite:path`; `sqlite::memory:` gives a scratch
    /// database in a temporary file, deleted when the store is dropped.
    /// Call [`Store::migrate`] before use.
    pub async fn open(url: &str) -> StoreResult<SqliteStore> {
        let pools = connect::open(url).await?;
        Ok(SqliteStore { writer: Writer::new(pools.writer), reader: pools.reader, _scratch: pools.scratch })
    }

    async fn read(&self) -> StoreResult<pool::Conn> {
        self.reader.acquire().await
    }

    /// The writer, for the few writes outside a tenant transaction.
    async fn write(&self) -> StoreResult<pool::Conn> {
        self.writer.acquire().await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run_direct(&mut *self.write().await?).await.map_err(|e| StoreError::Database(format!("migration failed: {e}")))
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read().await?.ping().await.map_err(db)
    }

    async fn create_tenant(&self, tenant: &NewTenant) -> StoreResult<Tenant> {
        tenants::create(&mut *self.write().await?, tenant).await
    }

    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>> {
        tenants::by_slug(&mut *self.read().await?, slug).await
    }

    async fn tenant(&self, scope: TenantScope) -> StoreResult<Tenant> {
        tenants::by_id(&mut *self.read().await?, scope.tenant_id()).await
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        tenants::list(&mut *self.read().await?).await
    }

    async fn delete_tenant(&self, scope: TenantScope) -> StoreResult<()> {
        tenants::delete(&mut *self.write().await?, scope.tenant_id()).await
    }

    async fn count_tenants(&self) -> StoreResult<i64> {
        tenants::count(&mut *self.read().await?).await
    }

    async fn create_token(&self, scope: TenantScope, token: &NewToken) -> StoreResult<TokenRecord> {
        tenants::create_token(&mut *self.write().await?, scope.tenant_id(), token).await
    }

    async fn list_tokens(&self, scope: TenantScope) -> StoreResult<Vec<TokenRecord>> {
        tenants::list_tokens(&mut *self.read().await?, scope.tenant_id()).await
    }

    async fn revoke_token(&self, scope: TenantScope, token_id: &str, at: Micros) -> StoreResult<bool> {
        tenants::revoke_token(&mut *self.write().await?, scope.tenant_id(), token_id, at).await
    }

    async fn import_tenant(&self, tenant: &Tenant) -> StoreResult<Tenant> {
        transfer::import_tenant(&mut *self.write().await?, tenant).await
    }

    async fn tokens_with_hashes(&self, scope: TenantScope) -> StoreResult<Vec<(TokenRecord, Vec<u8>)>> {
        transfer::tokens_with_hashes(&mut *self.read().await?, scope.tenant_id()).await
    }

    async fn import_token(&self, scope: TenantScope, token: &TokenRecord, hash: &[u8]) -> StoreResult<()> {
        transfer::import_token(&mut *self.write().await?, scope.tenant_id(), token, hash).await
    }

    async fn refresh_statistics(&self) -> StoreResult<()> {
        // SQLite plans its lookups by index without statistics; `optimize`
        // gathers them where it judges they would help.
        sqlx::query("PRAGMA optimize").execute(&mut *self.write().await?).await.map_err(db)?;
        Ok(())
    }

    async fn token_by_hash(&self, hash: &[u8]) -> StoreResult<Option<(TokenRecord, Tenant)>> {
        tenants::token_by_hash(&mut *self.read().await?, hash).await
    }

    async fn touch_token(&self, token_id: &str, at: Micros) -> StoreResult<()> {
        tenants::touch_token(&mut *self.write().await?, token_id, at).await
    }

    async fn create_api_key(&self, key: &NewApiKey) -> StoreResult<ApiKey> {
        api_keys::create(&mut *self.write().await?, key).await
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        api_keys::list(&mut *self.read().await?).await
    }

    async fn revoke_api_key(&self, id: &str, at: Micros) -> StoreResult<bool> {
        api_keys::revoke(&mut *self.write().await?, id, at).await
    }

    async fn api_key_by_hash(&self, hash: &[u8]) -> StoreResult<Option<ApiKey>> {
        api_keys::by_hash(&mut *self.read().await?, hash).await
    }

    async fn user(&self, scope: TenantScope, id: &str) -> StoreResult<Option<UserRow>> {
        users::get(&mut *self.read().await?, scope.tenant_id(), id).await
    }

    async fn list_users(&self, scope: TenantScope, query: &ListQuery) -> StoreResult<Page<UserRow>> {
        list::list(&mut *self.read().await?, scope.tenant_id(), &USERS, query).await
    }

    async fn list_user_docs(&self, scope: TenantScope, query: &ListQuery) -> StoreResult<Page<UserDoc>> {
        list::list(&mut *self.read().await?, scope.tenant_id(), &USER_DOCS, query).await
    }

    async fn groups_of_users(&self, scope: TenantScope, user_ids: &[String]) -> StoreResult<Vec<UserGroupRef>> {
        users::groups_of(&mut *self.read().await?, scope.tenant_id(), user_ids).await
    }

    async fn group(&self, scope: TenantScope, id: &str) -> StoreResult<Option<GroupRow>> {
        groups::get(&mut *self.read().await?, scope.tenant_id(), id).await
    }

    async fn list_groups(&self, scope: TenantScope, query: &ListQuery) -> StoreResult<Page<GroupRow>> {
        list::list(&mut *self.read().await?, scope.tenant_id(), &GROUPS, query).await
    }

    async fn members_of_groups(&self, scope: TenantScope, group_ids: &[String]) -> StoreResult<Vec<MemberRow>> {
        groups::members_of(&mut *self.read().await?, scope.tenant_id(), group_ids).await
    }

    async fn list_audit(&self, scope: TenantScope, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        audit::list(&mut *self.read().await?, scope.tenant_id(), query).await
    }

    async fn prune_audit(&self, before: Micros) -> StoreResult<u64> {
        // A connection per batch: writers get their turn between batches.
        let mut deleted = 0;
        loop {
            let done = audit::prune_batch(&mut *self.write().await?, before).await?;
            deleted += done;
            if done < audit::PRUNE_BATCH {
                return Ok(deleted);
            }
        }
    }

    async fn events_after(&self, scope: Option<TenantScope>, after: EventPosition, limit: i64) -> StoreResult<Vec<Event>> {
        events::after(&mut *self.read().await?, scope.map(|s| s.tenant_id()), after, limit).await
    }

    async fn feed_end(&self) -> StoreResult<EventPosition> {
        events::end(&mut *self.read().await?).await
    }

    async fn event(&self, id: i64) -> StoreResult<Option<Event>> {
        events::by_id(&mut *self.read().await?, id).await
    }

    async fn first_event_since(&self, at: Micros) -> StoreResult<Option<EventPosition>> {
        events::first_since(&mut *self.read().await?, at).await
    }

    async fn prune_events(&self, before: EventPosition) -> StoreResult<u64> {
        // A connection per batch: writers get their turn between batches.
        let mut deleted = 0;
        loop {
            let done = events::prune_batch(&mut *self.write().await?, before).await?;
            deleted += done;
            if done < events::PRUNE_BATCH {
                return Ok(deleted);
            }
        }
    }

    async fn create_webhook(&self, webhook: &NewWebhook) -> StoreResult<Webhook> {
        webhooks::create(&mut *self.write().await?, webhook).await
    }

    async fn webhook(&self, id: &str) -> StoreResult<Option<Webhook>> {
        webhooks::get(&mut *self.read().await?, id).await
    }

    async fn list_webhooks(&self, scope: Option<TenantScope>) -> StoreResult<Vec<Webhook>> {
        webhooks::list(&mut *self.read().await?, scope.map(|s| s.tenant_id())).await
    }

    async fn set_webhook_enabled(&self, id: &str, enabled: bool, reason: Option<&str>, at: Micros) -> StoreResult<bool> {
        webhooks::set_enabled(&mut *self.write().await?, id, enabled, reason, at).await
    }

    async fn delete_webhook(&self, id: &str) -> StoreResult<bool> {
        webhooks::delete(&mut *self.write().await?, id).await
    }

    async fn due_webhooks(&self, now: Micros) -> StoreResult<Vec<Webhook>> {
        webhooks::due(&mut *self.read().await?, now).await
    }

    async fn lease_webhook(&self, id: &str, owner: &str, until: Micros, now: Micros) -> StoreResult<Option<Webhook>> {
        webhooks::lease(&mut *self.write().await?, id, owner, until, now).await
    }

    async fn release_webhook(&self, id: &str, owner: &str) -> StoreResult<()> {
        webhooks::release(&mut *self.write().await?, id, owner).await
    }

    async fn record_webhook_progress(&self, progress: &WebhookProgress) -> StoreResult<bool> {
        webhooks::record_progress(&mut *self.write().await?, progress).await
    }

    async fn log_delivery(&self, delivery: &NewDelivery) -> StoreResult<()> {
        webhooks::insert_delivery(&mut *self.write().await?, delivery).await
    }

    async fn list_deliveries(&self, endpoint_id: &str, failed_only: bool, limit: i64) -> StoreResult<Vec<Delivery>> {
        webhooks::deliveries(&mut *self.read().await?, endpoint_id, failed_only, limit).await
    }

    async fn prune_deliveries(&self, before: Micros) -> StoreResult<u64> {
        let mut deleted = 0;
        loop {
            let done = webhooks::prune_deliveries_batch(&mut *self.write().await?, before).await?;
            deleted += done;
            if done < webhooks::PRUNE_BATCH {
                return Ok(deleted);
            }
        }
    }

    async fn create_sso_connection(&self, scope: TenantScope, connection: &SsoConnection) -> StoreResult<()> {
        sso::create(&mut *self.write().await?, scope.tenant_id(), connection).await
    }

    async fn list_sso_connections(&self, scope: TenantScope) -> StoreResult<Vec<SsoConnection>> {
        sso::list(&mut *self.read().await?, scope.tenant_id()).await
    }

    async fn sso_connection(&self, scope: TenantScope, id: &str) -> StoreResult<Option<SsoConnection>> {
        sso::get(&mut *self.read().await?, Some(scope.tenant_id()), id).await
    }

    async fn delete_sso_connection(&self, scope: TenantScope, id: &str) -> StoreResult<bool> {
        sso::delete(&mut *self.write().await?, scope.tenant_id(), id).await
    }

    async fn sso_connection_by_id(&self, id: &str) -> StoreResult<Option<SsoConnection>> {
        sso::get(&mut *self.read().await?, None, id).await
    }

    async fn sso_connection_by_domain(&self, domain: &str) -> StoreResult<Option<SsoConnection>> {
        sso::by_domain(&mut *self.read().await?, domain).await
    }

    async fn sso_connections_to_refresh(&self, before: Micros) -> StoreResult<Vec<SsoConnection>> {
        sso::to_refresh(&mut *self.read().await?, before).await
    }

    async fn update_sso_idp(&self, scope: TenantScope, id: &str, update: &IdpUpdate) -> StoreResult<()> {
        sso::update_idp(&mut *self.write().await?, scope.tenant_id(), id, update).await
    }

    async fn insert_sso_request(&self, scope: TenantScope, request: &SsoRequest) -> StoreResult<()> {
        sso::insert_request(&mut *self.write().await?, scope.tenant_id(), request).await
    }

    async fn take_sso_request(&self, connection_id: &str, id: &str, now: Micros) -> StoreResult<Option<SsoRequest>> {
        sso::take_request(&mut *self.write().await?, connection_id, id, now).await
    }

    async fn remember_assertion(&self, connection_id: &str, assertion_id: &str, expires_at: Micros) -> StoreResult<bool> {
        sso::remember_assertion(&mut *self.write().await?, connection_id, assertion_id, expires_at).await
    }

    async fn create_sso_session(&self, session: &SsoSession) -> StoreResult<()> {
        sso::create_session(&mut *self.write().await?, session).await
    }

    async fn sso_session_by_hash(&self, token_hash: &[u8], now: Micros) -> StoreResult<Option<SsoSession>> {
        sso::session_by_hash(&mut *self.read().await?, token_hash, now).await
    }

    async fn sso_session(&self, id: &str) -> StoreResult<Option<SsoSession>> {
        sso::session_by_id(&mut *self.read().await?, id).await
    }

    async fn prune_sso(&self, now: Micros) -> StoreResult<u64> {
        sso::prune(&mut *self.write().await?, now).await
    }

    fn oidc(&self) -> &dyn lanyard_store::OidcStore {
        self
    }

    fn sp_keys(&self) -> &dyn lanyard_store::SpKeyStore {
        self
    }

    async fn create_admin_account(&self, account: &AdminAccount) -> StoreResult<()> {
        admin::create_account(&mut *self.write().await?, account).await
    }

    async fn admin_account_by_email(&self, email: &str) -> StoreResult<Option<AdminAccount>> {
        admin::account_by_email(&mut *self.read().await?, email).await
    }

    async fn list_admin_accounts(&self) -> StoreResult<Vec<AdminAccount>> {
        admin::list_accounts(&mut *self.read().await?).await
    }

    async fn count_admin_accounts(&self) -> StoreResult<i64> {
        admin::count_accounts(&mut *self.read().await?).await
    }

    async fn touch_admin_login(&self, account_id: &str, at: Micros) -> StoreResult<()> {
        admin::touch_login(&mut *self.write().await?, account_id, at).await
    }

    async fn create_admin_session(&self, session: &NewAdminSession) -> StoreResult<()> {
        admin::create_session(&mut *self.write().await?, session).await
    }

    async fn admin_session(&self, token_hash: &[u8], now: Micros) -> StoreResult<Option<AdminAccount>> {
        admin::session(&mut *self.read().await?, token_hash, now).await
    }

    async fn delete_admin_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        admin::delete_session(&mut *self.write().await?, token_hash).await
    }

    async fn insert_setup_token(&self, token_hash: &[u8], created_at: Micros, expires_at: Micros) -> StoreResult<()> {
        admin::insert_setup_token(&mut *self.write().await?, token_hash, created_at, expires_at).await
    }

    async fn take_setup_token(&self, token_hash: &[u8], now: Micros) -> StoreResult<bool> {
        admin::take_setup_token(&mut *self.write().await?, token_hash, now).await
    }

    async fn prune_admin(&self, now: Micros) -> StoreResult<u64> {
        admin::prune(&mut *self.write().await?, now).await
    }

    async fn record_provisioning(&self, requests: &[(TenantId, ProvisioningRequest)], keep: i64) -> StoreResult<()> {
        admin::record_provisioning(&mut *self.write().await?, requests, keep).await
    }

    async fn provisioning_requests(&self, scope: TenantScope, limit: i64) -> StoreResult<Vec<ProvisioningRequest>> {
        admin::provisioning_requests(&mut *self.read().await?, scope.tenant_id(), limit).await
    }

    async fn browse_users(&self, scope: TenantScope, query: &UserBrowse) -> StoreResult<BrowsePage<UserRow>> {
        admin::browse_users(&mut *self.read().await?, scope.tenant_id(), query).await
    }

    async fn begin(&self, scope: TenantScope) -> StoreResult<Box<dyn StoreTx>> {
        Ok(Box::new(tx::SqliteTx::begin(&self.writer, scope.tenant_id()).await?))
    }
}
