//! Lanyard's storage interface. Every call that touches a tenant's data takes
//! a [`TenantScope`], so a query without a tenant cannot be written; the
//! backends (SQLite now, PostgreSQL next) implement [`Store`] and [`StoreTx`].

mod admin;
mod admin_sql;
mod api_key_sql;
mod browse;
mod event_sql;
mod ledger;
mod maps;
mod oidc;
mod records;
mod sp_keys;
mod sso;
mod sso_sql;
mod statement_text;
mod tenant_sql;
mod webhook_sql;
mod webhooks;

pub use admin::*;
pub use browse::{BrowseArg, BrowseCursor};
pub use ledger::SeatLedger;
pub use maps::{GROUP_SQL_MAP, USER_SQL_MAP};
pub use oidc::*;
pub use records::*;
pub use sp_keys::*;
pub use sso::*;
pub use statement_text::{ListPlan, ListingStatements, PreparedListing};
pub use webhooks::*;

use async_trait::async_trait;
use lanyard_scim::ScimError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken: `what` names it (`userName`, `displayName`, `slug`).
    #[error("{what} is already taken")]
    Conflict { what: &'static str },
    #[error("not found")]
    NotFound,
    /// The filter or sort could not be turned into SQL.
    #[error(transparent)]
    Scim(#[from] ScimError),
    /// The database aborted the transaction for a conflict with a
    /// concurrent one (serialization failure, deadlock); it changed
    /// nothing and may be run again.
    #[error("database busy: {0}")]
    Busy(String),
    #[error("database error: {0}")]
    Database(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Proof that the caller acts for one tenant; only obtainable from a
/// [`Tenant`] record that the store returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantScope {
    tenant_id: TenantId,
}

impl TenantScope {
    pub fn of(tenant: &Tenant) -> Self {
        Self { tenant_id: tenant.id }
    }
    /// The tenant of an SSO connection the store returned.
    pub fn of_connection(connection: &SsoConnection) -> Self {
        Self { tenant_id: connection.tenant_id }
    }
    /// The tenant of an SSO session the store returned.
    pub fn of_session(session: &SsoSession) -> Self {
        Self { tenant_id: session.tenant_id }
    }
    /// The tenant of an authorization code the store returned.
    pub fn of_code(code: &AuthorizationCode) -> Self {
        Self { tenant_id: code.tenant_id }
    }
    /// The tenant of an access token the store returned.
    pub fn of_access_token(token: &AccessToken) -> Self {
        Self { tenant_id: token.tenant_id }
    }
    /// The tenant of a refresh token the store returned.
    pub fn of_refresh_token(token: &RefreshToken) -> Self {
        Self { tenant_id: token.tenant_id }
    }
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }
}

/// Reads and the operator's tenant and token administration.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Apply pending migrations; safe to call on every start.
    async fn migrate(&self) -> StoreResult<()>;
    /// `Ok` when the database answers.
    async fn ping(&self) -> StoreResult<()>;

    // ---- tenants ----
    async fn create_tenant(&self, tenant: &NewTenant) -> StoreResult<Tenant>;
    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>>;
    async fn tenant(&self, scope: TenantScope) -> StoreResult<Tenant>;
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>>;
    /// Deletes the tenant and everything it owns.
    async fn delete_tenant(&self, scope: TenantScope) -> StoreResult<()>;
    async fn count_tenants(&self) -> StoreResult<i64>;

    // ---- SCIM tokens ----
    async fn create_token(&self, scope: TenantScope, token: &NewToken) -> StoreResult<TokenRecord>;
    async fn list_tokens(&self, scope: TenantScope) -> StoreResult<Vec<TokenRecord>>;
    /// Sets `revoked_at`; `false` when the token does not exist in this tenant.
    async fn revoke_token(&self, scope: TenantScope, token_id: &str, at: Micros) -> StoreResult<bool>;
    /// The token with this SHA-256 hash and its tenant, revoked or not.
    async fn token_by_hash(&self, hash: &[u8]) -> StoreResult<Option<(TokenRecord, Tenant)>>;
    async fn touch_token(&self, token_id: &str, at: Micros) -> StoreResult<()>;

    // ---- operator API keys ----
    async fn create_api_key(&self, key: &NewApiKey) -> StoreResult<ApiKey>;
    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>>;
    /// Sets `revoked_at`; `false` when there is no such key.
    async fn revoke_api_key(&self, id: &str, at: Micros) -> StoreResult<bool>;
    /// The key with this SHA-256 hash, revoked or not.
    async fn api_key_by_hash(&self, hash: &[u8]) -> StoreResult<Option<ApiKey>>;

    // ---- users ----
    async fn user(&self, scope: TenantScope, id: &str) -> StoreResult<Option<UserRow>>;
    async fn list_users(&self, scope: TenantScope, query: &ListQuery) -> StoreResult<Page<UserRow>>;
    /// [`Store::list_users`] with each document left as its stored text.
    async fn list_user_docs(&self, scope: TenantScope, query: &ListQuery) -> StoreResult<Page<UserDoc>>;
    /// Direct group memberships of these users: `(user_id, group_id, group displayName)`.
    async fn groups_of_users(&self, scope: TenantScope, user_ids: &[String]) -> StoreResult<Vec<UserGroupRef>>;

    // ---- groups ----
    async fn group(&self, scope: TenantScope, id: &str) -> StoreResult<Option<GroupRow>>;
    async fn list_groups(&self, scope: TenantScope, query: &ListQuery) -> StoreResult<Page<GroupRow>>;
    /// Members of these groups with their display names, in insertion order.
    async fn members_of_groups(&self, scope: TenantScope, group_ids: &[String]) -> StoreResult<Vec<MemberRow>>;

    // ---- moving a database (export / import) ----
    /// A tenant with this record's slug, name, seat limit, seat counters
    /// and creation time (the id is the new database's own).
    async fn import_tenant(&self, tenant: &Tenant) -> StoreResult<Tenant>;
    /// The tenant's tokens with their SHA-256 hashes.
    async fn tokens_with_hashes(&self, scope: TenantScope) -> StoreResult<Vec<(TokenRecord, Vec<u8>)>>;
    /// A token exactly as exported (id, hash, times, revocation).
    async fn import_token(&self, scope: TenantScope, token: &TokenRecord, hash: &[u8]) -> StoreResult<()>;
    /// Refreshes the planner's statistics after a bulk load. PostgreSQL
    /// plans (foreign-key checks included) made while a table was nearly
    /// empty scan it whole; once it holds thousands of rows they must be
    /// planned again, which new statistics cause.
    async fn refresh_statistics(&self) -> StoreResult<()>;

    // ---- audit ----
    async fn list_audit(&self, scope: TenantScope, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>>;

    /// Deletes audit events of every tenant older than `before`, in
    /// batches so writers are not held up; returns how many went.
    async fn prune_audit(&self, before: Micros) -> StoreResult<u64>;

    // ---- event feed ----
    /// Up to `limit` events after `after`, of one tenant or of all, in feed
    /// order. Only events whose position can no longer be overtaken by a
    /// transaction still running are returned, so a reader that resumes
    /// from the last position it saw misses nothing.
    async fn events_after(&self, scope: Option<TenantScope>, after: EventPosition, limit: i64) -> StoreResult<Vec<Event>>;
    /// The last position [`Store::events_after`] can return now (the
    /// start of the feed when it is empty).
    async fn feed_end(&self) -> StoreResult<EventPosition>;
    /// The event with this id, of any tenant.
    async fn event(&self, id: i64) -> StoreResult<Option<Event>>;
    /// The position of the first event, in feed order, written at or
    /// after `at`.
    async fn first_event_since(&self, at: Micros) -> StoreResult<Option<EventPosition>>;
    /// Deletes events before `before` in feed order, in batches, but
    /// never the newest event (so ids are never reused); returns how many.
    async fn prune_events(&self, before: EventPosition) -> StoreResult<u64>;

    // ---- webhooks ----
    async fn create_webhook(&self, webhook: &NewWebhook) -> StoreResult<Webhook>;
    async fn webhook(&self, id: &str) -> StoreResult<Option<Webhook>>;
    /// Every endpoint, or those of one tenant (not the global ones).
    async fn list_webhooks(&self, scope: Option<TenantScope>) -> StoreResult<Vec<Webhook>>;
    /// Enables (resetting the retry count, due at once, keeping the
    /// cursor) or disables with a reason; `false` when there is no such endpoint.
    async fn set_webhook_enabled(&self, id: &str, enabled: bool, reason: Option<&str>, at: Micros) -> StoreResult<bool>;
    async fn delete_webhook(&self, id: &str) -> StoreResult<bool>;
    /// Enabled endpoints due at `now` whose lease is free.
    async fn due_webhooks(&self, now: Micros) -> StoreResult<Vec<Webhook>>;
    /// Takes the endpoint's lease when it is free (or expired) at `now`;
    /// the endpoint as leased, or `None` when another holds it.
    async fn lease_webhook(&self, id: &str, owner: &str, until: Micros, now: Micros) -> StoreResult<Option<Webhook>>;
    /// Gives the lease back (only if `owner` holds it).
    async fn release_webhook(&self, id: &str, owner: &str) -> StoreResult<()>;
    /// Applies an attempt's outcome and logs it, in one transaction;
    /// `false` (and nothing changed but the log) when the lease was lost
    /// or the endpoint was disabled or deleted meanwhile.
    async fn record_webhook_progress(&self, progress: &WebhookProgress) -> StoreResult<bool>;
    /// Logs a delivery that moves no cursor (a replay).
    async fn log_delivery(&self, delivery: &NewDelivery) -> StoreResult<()>;
    /// The endpoint's deliveries, newest first.
    async fn list_deliveries(&self, endpoint_id: &str, failed_only: bool, limit: i64) -> StoreResult<Vec<Delivery>>;
    /// Deletes log rows older than `before`; returns how many.
    async fn prune_deliveries(&self, before: Micros) -> StoreResult<u64>;

    /// A write transaction for one tenant. Writes of one tenant are
    /// serialised: the transaction holds the tenant's row lock (PostgreSQL)
    /// or the database write lock (SQLite) from `begin` to `commit`.
    async fn begin(&self, scope: TenantScope) -> StoreResult<Box<dyn StoreTx>>;

    // SAML single sign-on.
    /// Saves a connection and its domains; a domain served by another
    /// connection is `Conflict { what: "domain" }`.
    async fn create_sso_connection(&self, scope: TenantScope, connection: &SsoConnection) -> StoreResult<()>;
    async fn list_sso_connections(&self, scope: TenantScope) -> StoreResult<Vec<SsoConnection>>;
    async fn sso_connection(&self, scope: TenantScope, id: &str) -> StoreResult<Option<SsoConnection>>;
    async fn delete_sso_connection(&self, scope: TenantScope, id: &str) -> StoreResult<bool>;
    /// Any tenant's connection by its id (the id is in the SP URLs).
    async fn sso_connection_by_id(&self, id: &str) -> StoreResult<Option<SsoConnection>>;
    /// The connection serving a (lower-case) email domain.
    async fn sso_connection_by_domain(&self, domain: &str) -> StoreResult<Option<SsoConnection>>;
    /// Connections with a metadata URL last fetched before `before` (or never).
    async fn sso_connections_to_refresh(&self, before: Micros) -> StoreResult<Vec<SsoConnection>>;
    async fn update_sso_idp(&self, scope: TenantScope, id: &str, update: &IdpUpdate) -> StoreResult<()>;
    async fn insert_sso_request(&self, scope: TenantScope, request: &SsoRequest) -> StoreResult<()>;
    /// Removes and returns an unexpired request of that connection: a request is used once.
    async fn take_sso_request(&self, connection_id: &str, id: &str, now: Micros) -> StoreResult<Option<SsoRequest>>;
    /// Records an assertion ID until `expires_at`; false when it was already seen (a replay).
    async fn remember_assertion(&self, connection_id: &str, assertion_id: &str, expires_at: Micros) -> StoreResult<bool>;
    async fn create_sso_session(&self, session: &SsoSession) -> StoreResult<()>;
    async fn sso_session_by_hash(&self, token_hash: &[u8], now: Micros) -> StoreResult<Option<SsoSession>>;
    /// A session by id, expired or not, until it is pruned.
    async fn sso_session(&self, id: &str) -> StoreResult<Option<SsoSession>>;
    /// Deletes expired requests, assertion IDs and sessions.
    async fn prune_sso(&self, now: Micros) -> StoreResult<u64>;

    /// The OpenID Connect provider's records.
    fn oidc(&self) -> &dyn OidcStore;
    /// The SAML service provider's signing keys.
    fn sp_keys(&self) -> &dyn SpKeyStore;

    // Admin accounts and sessions.
    /// An email already taken is `Conflict { what: "email" }`.
    async fn create_admin_account(&self, account: &AdminAccount) -> StoreResult<()>;
    async fn admin_account_by_email(&self, email: &str) -> StoreResult<Option<AdminAccount>>;
    async fn list_admin_accounts(&self) -> StoreResult<Vec<AdminAccount>>;
    async fn count_admin_accounts(&self) -> StoreResult<i64>;
    async fn touch_admin_login(&self, account_id: &str, at: Micros) -> StoreResult<()>;
    async fn create_admin_session(&self, session: &NewAdminSession) -> StoreResult<()>;
    /// The account of an unexpired session.
    async fn admin_session(&self, token_hash: &[u8], now: Micros) -> StoreResult<Option<AdminAccount>>;
    async fn delete_admin_session(&self, token_hash: &[u8]) -> StoreResult<()>;
    async fn insert_setup_token(&self, token_hash: &[u8], created_at: Micros, expires_at: Micros) -> StoreResult<()>;
    /// Removes an unexpired setup token: `true` when it existed (single use).
    async fn take_setup_token(&self, token_hash: &[u8], now: Micros) -> StoreResult<bool>;
    /// Deletes expired sessions and setup tokens.
    async fn prune_admin(&self, now: Micros) -> StoreResult<u64>;

    // The provisioning request log.
    /// Appends requests of several tenants, then keeps the newest `keep` of each.
    async fn record_provisioning(&self, requests: &[(TenantId, ProvisioningRequest)], keep: i64) -> StoreResult<()>;
    /// Newest first.
    async fn provisioning_requests(&self, scope: TenantScope, limit: i64) -> StoreResult<Vec<ProvisioningRequest>>;

    /// A keyset-paged page of users for the admin pages.
    async fn browse_users(&self, scope: TenantScope, query: &UserBrowse) -> StoreResult<BrowsePage<UserRow>>;
}

/// What [`StoreTx::end_user_sessions`] deletes: rows of these tables with
/// the user's `tenant_id` and `user_id`.
pub const USER_SESSION_TABLES: [&str; 3] = ["sso_sessions", "oidc_access_tokens", "oidc_refresh_tokens"];

/// The writes of one tenant, atomic: nothing is visible before `commit`,
/// and dropping the transaction rolls it back. A backend may defer writes
/// whose answer is not needed and send them with the next statement, so a
/// write's error (a uniqueness conflict) may surface at a later call or at
/// `commit`; either way the transaction is then void.
#[async_trait]
pub trait StoreTx: Send {
    async fn seat_counters(&mut self) -> StoreResult<SeatCounters>;
    /// Takes a seat when `assigned < limit` (or no limit): `assigned += 1`.
    async fn try_take_seat(&mut self) -> StoreResult<bool>;
    /// Adds to the tenant's `assigned` and `pending` counters.
    async fn adjust_seat_counters(&mut self, assigned: i64, pending: i64) -> StoreResult<()>;
    async fn set_seat_limit(&mut self, limit: Option<i64>) -> StoreResult<()>;
    /// Up to `n` pending users, oldest `pending_since` first (ties by id).
    async fn oldest_pending(&mut self, n: i64) -> StoreResult<Vec<UserRow>>;

    async fn user(&mut self, id: &str) -> StoreResult<Option<UserRow>>;
    /// The user and its direct groups, read together.
    async fn user_with_groups(&mut self, id: &str) -> StoreResult<Option<(UserRow, Vec<UserGroupRef>)>>;
    async fn insert_user(&mut self, user: &UserRow) -> StoreResult<()>;
    /// Replaces every column of the stored user with this id; callers
    /// update a user they read in this transaction.
    async fn update_user(&mut self, user: &UserRow) -> StoreResult<()>;
    /// Deletes the user and their group memberships; `false` when absent.
    async fn delete_user(&mut self, id: &str) -> StoreResult<bool>;
    /// Ends the user's SSO sessions and revokes their access and refresh
    /// tokens, with the suspension or deletion that calls for it.
    async fn end_user_sessions(&mut self, id: &str) -> StoreResult<()>;

    async fn group(&mut self, id: &str) -> StoreResult<Option<GroupRow>>;
    async fn insert_group(&mut self, group: &GroupRow) -> StoreResult<()>;
    /// Updates displayName, externalId, doc, version and modified time.
    async fn update_group(&mut self, group: &GroupRow) -> StoreResult<()>;
    async fn delete_group(&mut self, id: &str) -> StoreResult<bool>;
    /// Adds members that are not members yet; returns how many were added.
    async fn add_members(&mut self, group_id: &str, members: &[MemberRef]) -> StoreResult<u64>;
    async fn remove_members(&mut self, group_id: &str, member_ids: &[String]) -> StoreResult<u64>;
    async fn clear_members(&mut self, group_id: &str) -> StoreResult<u64>;
    /// Which of these ids are users or groups of this tenant.
    async fn resolve_member_ids(&mut self, ids: &[String]) -> StoreResult<Vec<MemberRef>>;
    /// Members of one group matching nothing but an id list is the common
    /// case; this returns all of a group's member refs for the rare filter
    /// forms that need them.
    async fn member_refs(&mut self, group_id: &str) -> StoreResult<Vec<MemberRef>>;
    /// Which of these ids are members of the group (in insertion order).
    async fn members_among(&mut self, group_id: &str, ids: &[String]) -> StoreResult<Vec<MemberRef>>;

    async fn insert_audit(&mut self, event: &NewAuditEvent) -> StoreResult<()>;
    async fn insert_event(&mut self, event: &NewEvent) -> StoreResult<()>;

    async fn commit(self: Box<Self>) -> StoreResult<()>;
}
