//! Local admin accounts: an operator, or a tenant admin of one tenant.

use lanyard_store::{AdminAccount, AdminRole, StoreError};

use super::passwords;
use crate::tenants::AdminError;
use crate::{Lanyard, now};

/// Shorter passwords are refused.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Longer ones too: argon2 would hash megabytes on request.
const MAX_PASSWORD_LEN: usize = 1024;

/// The role of a new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountRole {
    Operator,
    /// The tenant's slug.
    TenantAdmin(String),
}

pub(crate) fn normalize_email(email: &str) -> Result<String, AdminError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 320
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.contains('@'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid { Ok(email) } else { Err(AdminError::Invalid("enter an email address such as admin@example.com".into())) }
}

pub(crate) fn check_password(password: &str) -> Result<(), AdminError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(AdminError::Invalid(format!("the password must have at least {MIN_PASSWORD_LEN} characters")));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(AdminError::Invalid(format!("the password must have at most {MAX_PASSWORD_LEN} bytes")));
    }
    Ok(())
}

impl Lanyard {
    pub async fn create_admin_account(&self, email: &str, password: &str, role: &AccountRole) -> Result<AdminAccount, AdminError> {
        let email = normalize_email(email)?;
        check_password(password)?;
        let (role, tenant_slug) = match role {
            AccountRole::Operator => (AdminRole::Operator, None),
            AccountRole::TenantAdmin(slug) => {
                let tenant = self.tenant_by_slug(slug).await?;
                (AdminRole::TenantAdmin(tenant.id), Some(tenant.slug))
            }
        };
        let account = AdminAccount {
            id: uuid::Uuid::new_v4().simple().to_string(),
            email,
            password_hash: passwords::hash(password.to_string()).await?,
            role,
            tenant_slug,
            created_at: now(),
            last_login_at: None,
        };
        match self.store.create_admin_account(&account).await {
            Ok(()) => Ok(account),
            Err(StoreError::Conflict { .. }) => Err(AdminError::Invalid(format!("an admin account for {} already exists", account.email))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list_admin_accounts(&self) -> Result<Vec<AdminAccount>, AdminError> {
        Ok(self.store.list_admin_accounts().await?)
    }

    /// The account whose password this is, or `None` (unknown email or a
    /// wrong password: the same answer, in about the same time).
    pub(crate) async fn check_admin_password(&self, email: &str, password: &str) -> Result<Option<AdminAccount>, AdminError> {
        let email = email.trim().to_lowercase();
        let found =
            if email.len() <= 320 && password.len() <= MAX_PASSWORD_LEN { self.store.admin_account_by_email(&email).await? } else { None };
        let stored = found.as_ref().map(|a| a.password_hash.clone());
        let password = password.get(..MAX_PASSWORD_LEN).unwrap_or(password).to_string();
        Ok(if passwords::verify(password, stored).await { found } else { None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_case_and_checked() {
        assert_eq!(normalize_email(" Admin@Example.COM ").ok().as_deref(), Some("admin@example.com"));
        for bad in ["", "admin", "@example.com", "a@b", "a b@example.com", "a@b@example.com"] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_have_a_minimum_and_a_maximum() {
        assert!(check_password("short").is_err());
        assert!(check_password("twelve chars").is_ok());
        assert!(check_password(&"x".repeat(2000)).is_err());
    }
}
