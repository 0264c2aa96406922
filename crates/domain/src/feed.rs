//! The event feed over HTTP and the operator API keys that read it.
//! A key is global (every tenant) or limited to one tenant; the secret
//! (`lya_…`) is shown once and stored as a SHA-256 hash.

use std::time::Duration;

use lanyard_store::{ApiKey, Event, EventPosition, NewApiKey, StoreError, TenantScope};
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::{generate_secret_with, hash_secret};
use crate::tenants::AdminError;
use crate::{Lanyard, now};

pub const API_KEY_PREFIX: &str = "lya_";
/// Events per page when the reader asks for none, and at most.
pub const DEFAULT_PAGE: i64 = 100;
pub const MAX_PAGE: i64 = 1000;
/// The longest a reader may wait for new events (below the default
/// request timeout of 30 s).
pub const MAX_WAIT: Duration = Duration::from_secs(25);
/// How often a waiting reader looks again.
const POLL: Duration = Duration::from_millis(200);

/// A key as created: the secret is shown once, here.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedApiKey {
    pub id: String,
    pub key: String,
    pub tenant: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("a valid API key is required")]
    Unauthorized,
    #[error("no such tenant")]
    NoSuchTenant,
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a reader asks for.
#[derive(Debug, Clone, Default)]
pub struct FeedQuery {
    /// A cursor from an earlier page; the start of the feed when absent.
    pub after: Option<String>,
    pub limit: Option<i64>,
    /// Wait this long for an event when there is none yet.
    pub wait: Option<Duration>,
}

/// `{tx_order}-{id}`: opaque to readers.
fn cursor(p: EventPosition) -> String {
    format!("{}-{}", p.tx_order, p.id)
}

fn parse_cursor(s: &str) -> Result<EventPosition, FeedError> {
    let bad = || FeedError::BadRequest(format!("after: {s:?} is not a cursor from this feed"));
    let (tx_order, id) = s.split_once('-').ok_or_else(bad)?;
    Ok(EventPosition { tx_order: tx_order.parse().map_err(|_| bad())?, id: id.parse().map_err(|_| bad())? })
}

/// The event as webhooks deliver it, plus its cursor.
fn event_json(e: &Event) -> Value {
    let mut body = crate::events::event_body(e);
    if let Some(o) = body.as_object_mut() {
        o.insert("cursor".into(), json!(cursor(e.position)));
    }
    body
}

impl Lanyard {
    pub async fn create_api_key(&self, tenant: Option<&str>, label: Option<&str>) -> Result<CreatedApiKey, AdminError> {
        let scope = match tenant {
            Some(slug) => Some(TenantScope::of(&self.tenant_by_slug(slug).await?)),
            None => None,
        };
        let secret = generate_secret_with(API_KEY_PREFIX);
        let new = NewApiKey {
            id: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            tenant: scope,
            hash: hash_secret(&secret),
            label: label.map(str::to_string),
            created_at: now(),
        };
        let key = self.store.create_api_key(&new).await?;
        Ok(CreatedApiKey { id: key.id, key: secret, tenant: key.tenant, label: key.label })
    }

    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>, AdminError> {
        Ok(self.store.list_api_keys().await?)
    }

    pub async fn revoke_api_key(&self, id: &str) -> Result<(), AdminError> {
        if !self.store.revoke_api_key(id, now()).await? {
            return Err(AdminError::Invalid(format!("API key {id:?} does not exist")));
        }
        Ok(())
    }

    /// The live key holding this secret.
    pub async fn authenticate_api_key(&self, secret: Option<&str>) -> Result<ApiKey, FeedError> {
        let secret = secret.ok_or(FeedError::Unauthorized)?;
        let key = self.store.api_key_by_hash(&hash_secret(secret)).await?.ok_or(FeedError::Unauthorized)?;
        if key.revoked_at.is_some() {
            return Err(FeedError::Unauthorized);
        }
        Ok(key)
    }

    /// A page of the feed of `tenant` (or of every tenant the caller may
    /// read when `None`; `limited_to` is the one tenant a tenant key or
    /// tenant admin may read), waiting up to `query.wait` for a first event.
    /// `{"events": [...], "next": cursor}`; `next` is where to resume.
    pub async fn events_page(&self, limited_to: Option<&str>, tenant: Option<&str>, query: &FeedQuery) -> Result<Value, FeedError> {
        let slug = match (limited_to, tenant) {
            (Some(own), Some(asked)) if own != asked => return Err(FeedError::NoSuchTenant),
            (Some(own), _) => Some(own),
            (None, asked) => asked,
        };
        let scope = match slug {
            Some(slug) => Some(TenantScope::of(&self.store.tenant_by_slug(slug).await?.ok_or(FeedError::NoSuchTenant)?)),
            None => None,
        };
        let after = query.after.as_deref().map(parse_cursor).transpose()?.unwrap_or_default();
        let limit = match query.limit {
            Some(n) if !(1..=MAX_PAGE).contains(&n) => return Err(FeedError::BadRequest(format!("limit must be 1 to {MAX_PAGE}"))),
            Some(n) => n,
            None => DEFAULT_PAGE,
        };
        let wait = query.wait.unwrap_or_default().min(MAX_WAIT);
        let deadline = tokio::time::Instant::now() + wait;
        let events = loop {
            let events = self.store.events_after(scope, after, limit).await?;
            if !events.is_empty() || tokio::time::Instant::now() >= deadline {
                break events;
            }
            tokio::time::sleep(POLL.min(deadline - tokio::time::Instant::now())).await;
        };
        let next = events.last().map_or(after, |e| e.position);
        Ok(json!({ "events": events.iter().map(event_json).collect::<Vec<_>>(), "next": cursor(next) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let p = EventPosition { tx_order: 7, id: 42 };
        assert_eq!(parse_cursor(&cursor(p)).ok(), Some(p));
        for bad in ["", "7", "x-1", "1-", "1-2-3"] {
            assert!(parse_cursor(bad).is_err(), "{bad:?}");
        }
    }
}
