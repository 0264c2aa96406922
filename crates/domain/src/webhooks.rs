//! Webhook endpoints, as the operator manages them: global (every
//! tenant's events) or one tenant's, for every event type or a list. Each
//! is signed with its own secret (`whsec_` + base64 of 32 random bytes),
//! shown once at creation; the secret is stored as is because it signs
//! every delivery. Delivery itself is `lanyard-webhooks`' job.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lanyard_store::{Delivery, Event, EventPosition, NewWebhook, TenantScope, Webhook};
use rand::RngCore;
use serde::Serialize;

use crate::events::EVENT_TYPES;
use crate::tenants::AdminError;
use crate::{Lanyard, now};

pub const SECRET_PREFIX: &str = "whsec_";
/// Event ids as receivers see them (`webhook-id`, the feed's `id`).
pub const EVENT_ID_PREFIX: &str = "evt_";

/// An endpoint as created: the secret is shown once, here.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

/// `evt_<n>` for the event with id `n`.
pub fn event_id(id: i64) -> String {
    format!("{EVENT_ID_PREFIX}{id}")
}

/// The event id in `evt_<n>` or `<n>`.
pub fn parse_event_id(s: &str) -> Result<i64, AdminError> {
    s.strip_prefix(EVENT_ID_PREFIX)
        .unwrap_or(s)
        .parse()
        .map_err(|_| AdminError::Invalid(format!("{s:?} is not an event id (evt_<number>)")))
}

/// An http(s) URL with a host and no fragment.
pub fn validate_url(url: &str) -> Result<(), AdminError> {
    let bad = |why: &str| AdminError::Invalid(format!("the URL {url:?} {why}"));
    let parsed = url::Url::parse(url).map_err(|e| bad(&format!("does not parse ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("must be an http:// or https:// URL"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if parsed.fragment().is_some() {
        return Err(bad("must not have a #fragment"));
    }
    Ok(())
}

/// `None` for every type (`all`, or nothing given), else the known types listed.
pub fn parse_event_types(list: Option<&str>) -> Result<Option<Vec<String>>, AdminError> {
    let Some(list) = list.map(str::trim).filter(|l| !l.is_empty() && *l != "all") else {
        return Ok(None);
    };
    let mut types: Vec<String> = Vec::new();
    for kind in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        if !EVENT_TYPES.contains(&kind) {
            return Err(AdminError::Invalid(format!("unknown event type {kind:?}; known: all, {}", EVENT_TYPES.join(", "))));
        }
        if !types.iter().any(|t| t == kind) {
            types.push(kind.to_string());
        }
    }
    Ok(Some(types))
}

fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

impl Lanyard {
    /// A new endpoint that receives the events written from now on.
    pub async fn create_webhook(&self, tenant: Option<&str>, url: &str, event_types: Option<&str>) -> Result<CreatedWebhook, AdminError> {
        validate_url(url)?;
        let event_types = parse_event_types(event_types)?;
        let tenant = match tenant {
            Some(slug) => Some(TenantScope::of(&self.tenant_by_slug(slug).await?)),
            None => None,
        };
        let secret = generate_secret();
        let new = NewWebhook {
            id: format!("wh_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            tenant,
            url: url.to_string(),
            secret: secret.clone(),
            event_types,
            created_at: now(),
            cursor: self.store.feed_end().await?,
        };
        let webhook = self.store.create_webhook(&new).await?;
        Ok(CreatedWebhook { webhook, secret })
    }

    /// Every endpoint, or one tenant's.
    pub async fn list_webhooks(&self, tenant: Option<&str>) -> Result<Vec<Webhook>, AdminError> {
        let scope = match tenant {
            Some(slug) => Some(TenantScope::of(&self.tenant_by_slug(slug).await?)),
            None => None,
        };
        Ok(self.store.list_webhooks(scope).await?)
    }

    pub async fn webhook(&self, id: &str) -> Result<Webhook, AdminError> {
        self.store.webhook(id).await?.ok_or_else(|| no_such(id))
    }

    /// Enables an endpoint: it retries the event it stopped at at once.
    pub async fn enable_webhook(&self, id: &str) -> Result<Webhook, AdminError> {
        if !self.store.set_webhook_enabled(id, true, None, now()).await? {
            return Err(no_such(id));
        }
        self.wake_deliverer();
        self.webhook(id).await
    }

    pub async fn disable_webhook(&self, id: &str, reason: &str) -> Result<Webhook, AdminError> {
        if !self.store.set_webhook_enabled(id, false, Some(reason), now()).await? {
            return Err(no_such(id));
        }
        self.webhook(id).await
    }

    pub async fn delete_webhook(&self, id: &str) -> Result<(), AdminError> {
        if !self.store.delete_webhook(id).await? {
            return Err(no_such(id));
        }
        Ok(())
    }

    /// The endpoint's delivery log, newest first.
    pub async fn webhook_deliveries(&self, id: &str, failed_only: bool, limit: i64) -> Result<Vec<Delivery>, AdminError> {
        self.webhook(id).await?;
        if !(1..=10_000).contains(&limit) {
            return Err(AdminError::Invalid("--limit must be 1 to 10000".into()));
        }
        Ok(self.store.list_deliveries(id, failed_only, limit).await?)
    }

    /// An event the endpoint may receive (for a replay): of its tenant,
    /// of a type it wants.
    pub async fn event_for_webhook(&self, webhook: &Webhook, event_id: &str) -> Result<Event, AdminError> {
        let id = parse_event_id(event_id)?;
        let gone = || AdminError::Invalid(format!("event {event_id:?} does not exist (or was pruned) or is not for this endpoint"));
        let event = self.store.event(id).await?.ok_or_else(gone)?;
        if webhook.tenant.as_ref().is_some_and(|t| *t != event.tenant) || !webhook.wants(&event.event.kind) {
            return Err(gone());
        }
        Ok(event)
    }

    /// Where the endpoint's undelivered events start: nothing before this
    /// may be pruned. `None` when it has delivered everything.
    pub(crate) async fn first_undelivered(&self, webhook: &Webhook) -> Result<Option<EventPosition>, AdminError> {
        let scope = match &webhook.tenant {
            Some(slug) => match self.store.tenant_by_slug(slug).await? {
                Some(t) => Some(TenantScope::of(&t)),
                None => return Ok(None),
            },
            None => None,
        };
        Ok(self.store.events_after(scope, webhook.cursor, 1).await?.first().map(|e| e.position))
    }

    /// Wakes this process's deliverer (after a write with events).
    pub fn wake_deliverer(&self) {
        self.events_written.notify_one();
    }

    /// What this process's deliverer waits on besides its timer.
    pub fn events_written(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.events_written.clone()
    }
}

fn no_such(id: &str) -> AdminError {
    AdminError::Invalid(format!("webhook endpoint {id:?} does not exist"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        assert!(validate_url("https://hooks.example.com/lanyard?x=1").is_ok());
        assert!(validate_url("http://127.0.0.1:9000/").is_ok());
        for bad in ["ftp://example.com/", "example.com", "https://", "file:///etc/passwd", "https://a.example/#x", ""] {
            assert!(validate_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn event_types_are_known_ones_or_all() {
        assert_eq!(parse_event_types(None).ok(), Some(None));
        assert_eq!(parse_event_types(Some("all")).ok(), Some(None));
        assert_eq!(
            parse_event_types(Some("user.created, seat.assigned,user.created")).ok(),
            Some(Some(vec!["user.created".to_string(), "seat.assigned".into()]))
        );
        assert!(parse_event_types(Some("user.created,user.exploded")).is_err());
    }

    #[test]
    fn secrets_are_whsec_and_32_random_bytes() {
        let s = generate_secret();
        let bytes = STANDARD.decode(s.strip_prefix(SECRET_PREFIX).unwrap_or_default()).unwrap_or_default();
        assert_eq!(bytes.len(), 32);
        assert_ne!(s, generate_secret());
        assert_eq!(parse_event_id("evt_42").ok(), Some(42));
        assert_eq!(parse_event_id("42").ok(), Some(42));
        assert!(parse_event_id("evt_x").is_err());
    }
}
