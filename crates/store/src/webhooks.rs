//! Records of webhook endpoints and their delivery log.

use serde::Serialize;

use crate::{EventPosition, Micros, TenantScope};

/// A webhook endpoint as stored. The `secret` signs deliveries, so it is
/// kept (not hashed); it is shown once at creation and never again (nor
/// serialized, nor in `Debug` output).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    pub id: String,
    /// The tenant's slug; `None`: every tenant's events.
    pub tenant: Option<String>,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    /// `None`: every event type.
    pub event_types: Option<Vec<String>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: Micros,
    /// The feed position delivered up to.
    pub cursor: EventPosition,
    /// When the next attempt is due.
    pub next_attempt_at: Micros,
    /// Failed attempts at the event after the cursor.
    pub attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<Micros>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("url", &self.url)
            .field("secret", &"…")
            .field("event_types", &self.event_types)
            .field("enabled", &self.enabled)
            .field("disabled_reason", &self.disabled_reason)
            .field("cursor", &self.cursor)
            .field("next_attempt_at", &self.next_attempt_at)
            .field("attempts", &self.attempts)
            .field("lease_owner", &self.lease_owner)
            .field("lease_until", &self.lease_until)
            .finish()
    }
}

impl Webhook {
    /// Whether this endpoint wants events of this type.
    pub fn wants(&self, kind: &str) -> bool {
        self.event_types.as_ref().is_none_or(|types| types.iter().any(|t| t == kind))
    }
}

#[derive(Clone)]
pub struct NewWebhook {
    pub id: String,
    pub tenant: Option<TenantScope>,
    pub url: String,
    pub secret: String,
    pub event_types: Option<Vec<String>>,
    pub created_at: Micros,
    /// Where delivery starts: the end of the feed at creation.
    pub cursor: EventPosition,
}

/// One attempt to deliver an event, for the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewDelivery {
    pub endpoint_id: String,
    pub event_id: i64,
    /// 1 for the first attempt at this event, counting up; for a replay, 1.
    pub attempt: i64,
    pub at: Micros,
    /// The HTTP status, when the receiver answered.
    pub status: Option<i64>,
    /// Why no answer came (connection refused, timeout ...).
    pub error: Option<String>,
    /// The start of the response body (at most 1 KiB).
    pub response: Option<String>,
    pub duration_ms: i64,
    pub replay: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: i64,
    #[serde(flatten)]
    pub delivery: NewDelivery,
}

/// What an attempt changes on its endpoint; applied only while the
/// caller still holds the endpoint's lease, and renews it.
#[derive(Debug, Clone)]
pub struct WebhookProgress {
    pub endpoint_id: String,
    pub lease_owner: String,
    pub lease_until: Micros,
    /// The new cursor (after a delivered or skipped event).
    pub cursor: EventPosition,
    pub attempts: i64,
    pub next_attempt_at: Micros,
    /// Set: the endpoint is disabled for this reason.
    pub disable: Option<String>,
    /// The attempt, logged in the same transaction.
    pub delivery: Option<NewDelivery>,
}
