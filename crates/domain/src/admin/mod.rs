//! The admin surface's rules: local admin accounts (argon2id), sessions,
//! the first-start setup link, who may see which tenant, the provisioning
//! request log, and the reads and writes behind the admin pages and API.

mod accounts;
mod passwords;
mod provisioning;
mod sessions;
mod setup;
mod views;

pub use accounts::{AccountRole, MIN_PASSWORD_LEN};
pub use provisioning::{KEEP_PER_TENANT, ProvisioningLog};
pub use sessions::{CSRF_HEADER, SESSION_COOKIE, SESSION_LIFETIME, SignedIn, csrf_matches, csrf_token};
pub use setup::SETUP_LIFETIME;
pub use views::{AuditFilter, GroupDetail, SeatOverview, UserDetail};

use lanyard_store::{AdminRole, Tenant};

use crate::Lanyard;
use crate::tenants::AdminError;

/// Who is acting on the admin surface, and on which tenants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub access: Access,
    /// Who the audit log names: `admin:{email}` or `api-key:{id}`.
    pub actor: String,
    /// For display: the account's email or the key's label.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Every tenant.
    Operator,
    /// One tenant, by slug.
    Tenant(String),
}

impl Principal {
    pub fn is_operator(&self) -> bool {
        self.access == Access::Operator
    }

    /// The one tenant this principal is limited to.
    pub fn own_tenant(&self) -> Option<&str> {
        match &self.access {
            Access::Operator => None,
            Access::Tenant(slug) => Some(slug),
        }
    }

    pub fn may_see(&self, slug: &str) -> bool {
        match &self.access {
            Access::Operator => true,
            Access::Tenant(own) => own == slug,
        }
    }

    pub(crate) fn of_account(email: &str, role: AdminRole, tenant_slug: Option<&str>) -> Option<Principal> {
        let access = match role {
            AdminRole::Operator => Access::Operator,
            AdminRole::TenantAdmin(_) => Access::Tenant(tenant_slug?.to_string()),
        };
        Some(Principal { access, actor: format!("admin:{email}"), name: email.to_string() })
    }
}

impl Lanyard {
    /// The tenant `slug` when `who` may see it. Another tenant answers as
    /// if it did not exist, so a tenant admin learns nothing of others.
    pub async fn tenant_for(&self, who: &Principal, slug: &str) -> Result<Tenant, AdminError> {
        if !who.may_see(slug) {
            return Err(AdminError::NoSuchTenant(slug.to_string()));
        }
        self.tenant_by_slug(slug).await
    }

    /// Every tenant for an operator; a tenant admin's own.
    pub async fn tenants_for(&self, who: &Principal) -> Result<Vec<Tenant>, AdminError> {
        match who.own_tenant() {
            None => self.list_tenants().await,
            Some(slug) => Ok(vec![self.tenant_by_slug(slug).await?]),
        }
    }

    /// Refuses what only an operator may do.
    pub fn operator_only(&self, who: &Principal) -> Result<(), AdminError> {
        if who.is_operator() { Ok(()) } else { Err(AdminError::Forbidden) }
    }
}
