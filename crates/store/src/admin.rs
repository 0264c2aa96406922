//! Admin records: accounts of the web pages and admin API, their sessions,
//! the first-start setup links, the provisioning request log, and the
//! keyset-paged user browse of the admin pages.

use serde::{Deserialize, Serialize};

use crate::{Micros, SeatStatus, TenantId};

/// What an admin account may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminRole {
    /// Every tenant, and the tenants themselves.
    Operator,
    /// One tenant.
    TenantAdmin(TenantId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminAccount {
    pub id: String,
    /// Lower-case.
    pub email: String,
    /// argon2id in PHC string format.
    pub password_hash: String,
    pub role: AdminRole,
    /// The tenant's slug, for a tenant admin.
    pub tenant_slug: Option<String>,
    pub created_at: Micros,
    pub last_login_at: Option<Micros>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdminSession {
    /// SHA-256 of the cookie value.
    pub token_hash: Vec<u8>,
    pub account_id: String,
    pub created_at: Micros,
    pub expires_at: Micros,
}

/// One SCIM request of a tenant's client, as the admin pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisioningRequest {
    pub at: Micros,
    pub method: String,
    /// Without the query string (it may hold personal data).
    pub path: String,
    pub status: u16,
    pub duration_micros: i64,
}

/// A page of users for the admin pages, in a stable order that a cursor
/// continues without `OFFSET`: creation order, or `userName` order when
/// searching by a `userName` prefix.
#[derive(Debug, Clone, Default)]
pub struct UserBrowse {
    /// A case-insensitive `userName` prefix.
    pub user_name_prefix: Option<String>,
    pub active: Option<bool>,
    pub seat: Option<SeatStatus>,
    /// The cursor of the previous page ([`BrowsePage::next`]).
    pub after: Option<String>,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct BrowsePage<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<String>,
}
