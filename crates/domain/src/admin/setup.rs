//! The first operator account: with no admin account at all, `serve`
//! prints a one-time link (`/admin/setup?token=…`); its token is stored as
//! a SHA-256 and taken (deleted) when the account is created.

use std::time::Duration;

use super::Principal;
use super::accounts::{AccountRole, check_password, normalize_email};
use super::sessions::SignedIn;
use crate::auth::{generate_secret_with, hash_secret};
use crate::tenants::AdminError;
use crate::{Lanyard, now};

/// How long a setup link works; a later start prints a new one.
pub const SETUP_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
const SETUP_PREFIX: &str = "lyss_";

impl Lanyard {
    /// A setup link's path when no admin account exists yet (each call
    /// makes a new token; any unexpired one works, once).
    pub async fn admin_setup_path(&self) -> Result<Option<String>, AdminError> {
        if self.store.count_admin_accounts().await? > 0 {
            return Ok(None);
        }
        let token = generate_secret_with(SETUP_PREFIX);
        let now = now();
        let expires = now.saturating_add(i64::try_from(SETUP_LIFETIME.as_micros()).unwrap_or(i64::MAX));
        self.store.insert_setup_token(&hash_secret(&token), now, expires).await?;
        Ok(Some(format!("/admin/setup?token={token}")))
    }

    /// Whether the setup page should offer the form (the link is not
    /// checked until it is used: looking must not spend it).
    pub async fn admin_setup_open(&self) -> Result<bool, AdminError> {
        Ok(self.store.count_admin_accounts().await? == 0)
    }

    /// Creates the first operator with a setup token, and signs them in.
    pub async fn complete_admin_setup(&self, token: &str, email: &str, password: &str) -> Result<SignedIn, AdminError> {
        // Check the input before spending the single-use token.
        normalize_email(email)?;
        check_password(password)?;
        if !self.admin_setup_open().await? || !self.store.take_setup_token(&hash_secret(token), now()).await? {
            return Err(AdminError::Forbidden);
        }
        let account = self.create_admin_account(email, password, &AccountRole::Operator).await?;
        let cookie = self.open_admin_session(&account.id, now()).await?;
        let principal = Principal::of_account(&account.email, account.role, None).ok_or(AdminError::Forbidden)?;
        Ok(SignedIn { cookie, principal })
    }
}
