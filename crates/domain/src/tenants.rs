//! Operator operations: tenants and their SCIM tokens.

use lanyard_store::{NewTenant, NewToken, StoreError, Tenant, TenantScope, TokenRecord};
use serde::Serialize;

use crate::auth::{generate_secret, hash_secret};
use crate::{Lanyard, now};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("tenant {0:?} does not exist")]
    NoSuchTenant(String),
    #[error("token {0:?} does not exist in this tenant")]
    NoSuchToken(String),
    #[error("a tenant with slug {0:?} already exists")]
    TenantExists(String),
    /// The caller may not do this (a tenant admin asking for an operator's
    /// action, a used or unknown setup link).
    #[error("not allowed")]
    Forbidden,
    /// A user, group or other record of the tenant that does not exist.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A token as created: the secret is shown once, here, and never again.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedToken {
    pub id: String,
    pub token: String,
    pub label: Option<String>,
    pub expires_at: Option<i64>,
}

/// Slugs appear in URLs: lower-case letters, digits and dashes, 1–63 long,
/// starting with a letter or digit.
pub fn validate_slug(slug: &str) -> Result<(), AdminError> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!("invalid slug {slug:?}: use lower-case letters, digits and dashes (at most 63)")))
    }
}

impl Lanyard {
    pub async fn create_tenant(&self, slug: &str, name: Option<&str>, seat_limit: Option<i64>) -> Result<Tenant, AdminError> {
        validate_slug(slug)?;
        if seat_limit.is_some_and(|n| n < 0) {
            return Err(AdminError::Invalid("the seat limit cannot be negative".into()));
        }
        let new = NewTenant { slug: slug.into(), name: name.unwrap_or(slug).into(), seat_limit, created_at: now() };
        match self.store.create_tenant(&new).await {
            Err(StoreError::Conflict { .. }) => Err(AdminError::TenantExists(slug.into())),
            other => Ok(other?),
        }
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Tenant, AdminError> {
        self.store.tenant_by_slug(slug).await?.ok_or_else(|| AdminError::NoSuchTenant(slug.into()))
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, AdminError> {
        Ok(self.store.list_tenants().await?)
    }

    pub async fn delete_tenant(&self, slug: &str) -> Result<(), AdminError> {
        let tenant = self.tenant_by_slug(slug).await?;
        self.store.delete_tenant(TenantScope::of(&tenant)).await?;
        self.tokens.evict_tenant(tenant.id);
        Ok(())
    }

    pub async fn create_token(&self, slug: &str, label: Option<&str>, expires_in_micros: Option<i64>) -> Result<CreatedToken, AdminError> {
        let tenant = self.tenant_by_slug(slug).await?;
        let secret = generate_secret();
        let created_at = now();
        let new = NewToken {
            id: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            hash: hash_secret(&secret),
            label: label.map(str::to_string),
            created_at,
            expires_at: expires_in_micros.map(|d| created_at.saturating_add(d)),
        };
        let record = self.store.create_token(TenantScope::of(&tenant), &new).await?;
        Ok(CreatedToken { id: record.id, token: secret, label: record.label, expires_at: record.expires_at })
    }

    pub async fn list_tokens(&self, slug: &str) -> Result<Vec<TokenRecord>, AdminError> {
        let tenant = self.tenant_by_slug(slug).await?;
        Ok(self.store.list_tokens(TenantScope::of(&tenant)).await?)
    }

    pub async fn revoke_token(&self, slug: &str, token_id: &str) -> Result<(), AdminError> {
        let tenant = self.tenant_by_slug(slug).await?;
        if !self.store.revoke_token(TenantScope::of(&tenant), token_id, now()).await? {
            return Err(AdminError::NoSuchToken(token_id.into()));
        }
        self.tokens.evict_token(token_id);
        Ok(())
    }

    /// On the first start with an empty database: the tenant `default` and a
    /// token for it, so a newcomer can connect an identity provider at once.
    pub async fn bootstrap(&self) -> Result<Option<(Tenant, CreatedToken)>, AdminError> {
        if self.store.count_tenants().await? > 0 {
            return Ok(None);
        }
        let tenant = match self.create_tenant("default", Some("Default"), None).await {
            Ok(tenant) => tenant,
            // Another instance started on the same empty database at once
            // and bootstrapped it: it prints the token, this one nothing.
            Err(AdminError::TenantExists(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let token = self.create_token("default", Some("first start"), None).await?;
        Ok(Some((tenant, token)))
    }
}
